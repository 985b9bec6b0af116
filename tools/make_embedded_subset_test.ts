import { deepEqual as assertEquals } from "node:assert/strict";
import { embeddedDir } from "@ovsw/data";
import { makeEmbeddedSubset } from "./make_embedded_subset.ts";

// CI installs Debian's dataset-fashion-mnist, so the full files are required here.
Deno.test("make_embedded_subset reproduces data/embedded byte for byte", async () => {
  const files = await makeEmbeddedSubset();
  assertEquals(files.size, 4);
  for (const [name, bytes] of files) {
    const shipped = await Deno.readFile(new URL(name, embeddedDir()));
    assertEquals(bytes.length, shipped.length, `${name}: size differs`);
    assertEquals(bytes, shipped, `${name}: contents differ`);
  }
});
