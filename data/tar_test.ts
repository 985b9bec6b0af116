import { deepEqual as assertEquals } from "node:assert/strict";
import { Prng } from "@ovsw/init";
import { freshSeed } from "../tests/util.ts";
import { encodeTar, readTar } from "./_tar.ts";
import { assertDatasetError, randomBytes } from "./_test_helpers.ts";

Deno.test("tar round trip", () => {
  const rng = new Prng(freshSeed());
  const entries = [
    { name: "d/a.bin", data: randomBytes(rng, 1000) },
    { name: "d/empty", data: new Uint8Array() },
    { name: "b.bin", data: randomBytes(rng, 512) },
  ];
  assertEquals(readTar(encodeTar(entries), "x.tar"), entries);
});

Deno.test("tar: truncated archive, corrupt header, unsafe path", async () => {
  const rng = new Prng(freshSeed());
  const tar = encodeTar([{ name: "a.bin", data: randomBytes(rng, 3000) }]);
  await assertDatasetError(() => readTar(tar.subarray(0, 2000), "x.tar"), "x.tar", "truncated");
  await assertDatasetError(
    () => readTar(tar.subarray(0, 3584), "x.tar"),
    "x.tar",
    "end-of-archive",
  );
  const bad = tar.slice();
  bad[10] ^= 1;
  await assertDatasetError(() => readTar(bad, "x.tar"), "x.tar", "corrupt tar header");
  const evil = encodeTar([{ name: "../evil", data: new Uint8Array(1) }]);
  await assertDatasetError(() => readTar(evil, "x.tar"), "unsafe path ../evil");
});
