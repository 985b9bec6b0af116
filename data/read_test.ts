import { deepEqual as assertEquals } from "node:assert/strict";
import { classCounts } from "./dataset.ts";
import { locateDataset } from "./layout.ts";
import { readDataset } from "./read.ts";

// CI installs Debian's dataset-fashion-mnist, so the full files are required here.
Deno.test("full Fashion-MNIST loads as 60,000/10,000 with 6,000/1,000 per class", async () => {
  const loc = locateDataset("/usr/share/datasets/fashion-mnist", "fashion-mnist");
  const { train, test } = await readDataset(loc);
  assertEquals([train.count, train.channels, train.height, train.width], [60000, 1, 28, 28]);
  assertEquals(test.count, 10000);
  assertEquals(classCounts(train), new Array(10).fill(6000));
  assertEquals(classCounts(test), new Array(10).fill(1000));
});
