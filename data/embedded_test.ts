import { deepEqual as assertEquals, equal } from "node:assert/strict";
import { classCounts } from "./dataset.ts";
import { embeddedDir, loadEmbedded } from "./embedded.ts";

Deno.test("embedded subset: 6,000/1,000 images, 600/100 per class, with its licence", async () => {
  const { train, test } = await loadEmbedded();
  assertEquals([train.count, train.channels, train.height, train.width], [6000, 1, 28, 28]);
  assertEquals(test.count, 1000);
  assertEquals(classCounts(train), new Array(10).fill(600));
  assertEquals(classCounts(test), new Array(10).fill(100));
  const licence = await Deno.readTextFile(new URL("LICENSE", embeddedDir()));
  equal(licence.includes("Zalando SE"), true);
  equal(licence.includes("Permission is hereby granted"), true);
});
