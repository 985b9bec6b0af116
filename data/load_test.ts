import { deepEqual as assertEquals, equal, rejects } from "node:assert/strict";
import { Prng } from "@ovsw/init";
import { freshSeed } from "../tests/util.ts";
import { classCounts } from "./dataset.ts";
import { loadData } from "./load.ts";
import { assertDatasetError, withTempDir, writeCifar10, writeIdxSplit } from "./_test_helpers.ts";

Deno.test("loadData: no options give the embedded subset with Fashion-MNIST settings", async () => {
  const d = await loadData();
  equal(d.name, "embedded");
  assertEquals([d.train.count, d.test.count], [6000, 1000]);
  assertEquals(d.trainOptions, {
    normalization: { mean: [0.2860], std: [0.3530] },
    shuffle: true,
    augment: "none",
    cropPadding: 2,
  });
  equal(d.testOptions.shuffle, false);
  const limited = await loadData({ trainLimit: 250, testLimit: 40 });
  assertEquals([limited.train.count, limited.test.count], [250, 40]);
  assertEquals(limited.train.labels, d.train.labels.subarray(0, 250));
  equal(classCounts(limited.test).reduce((a, b) => a + b), 40);
});

Deno.test("loadData: a --data-dir is detected and limited; CIFAR gets crop-flip", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  await withTempDir(async (dir) => {
    const c = await writeCifar10(`${dir}/cifar-10-batches-bin`, rng, 3);
    const d = await loadData({ dataDir: dir, trainLimit: 7 });
    equal(d.name, "cifar10");
    equal(d.source, `${dir}/cifar-10-batches-bin`);
    assertEquals(d.train.images, c.train.images.subarray(0, 7 * 3072), `seed ${seed}`);
    assertEquals(d.trainOptions.augment, "crop-flip");
    assertEquals(d.trainOptions.cropPadding, 4);
    assertEquals(d.trainOptions.normalization.std, [0.247, 0.243, 0.262]);
    await writeIdxSplit(`${dir}/mnist`, "train", rng, 3, { gz: true });
    await writeIdxSplit(`${dir}/mnist`, "t10k", rng, 2, { gz: true });
    const m = await loadData({ dataset: "mnist", dataDir: dir });
    assertEquals([m.name, m.train.count, m.trainOptions.normalization.mean], ["mnist", 3, [
      0.1307,
    ]]);
  });
});

Deno.test("loadData: bad names, limits and missing data are clear errors", async () => {
  await rejects(() => loadData({ dataset: "svhn" }), /unknown dataset "svhn"/);
  await rejects(() => loadData({ trainLimit: 0 }), /--train-limit must be a positive integer/);
  await rejects(() => loadData({ download: true }), /--download needs --dataset/);
  await withTempDir(async (dir) => {
    await assertDatasetError(
      () => loadData({ dataset: "cifar100", dataDir: dir }),
      dir,
      "no complete CIFAR-100",
      "train.bin, test.bin",
      "--download",
    );
  });
});
