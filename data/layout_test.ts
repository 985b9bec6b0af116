import { deepEqual as assertEquals, equal } from "node:assert/strict";
import { Prng } from "@ovsw/init";
import { freshSeed } from "../tests/util.ts";
import { locateDataset } from "./layout.ts";
import { readDataset } from "./read.ts";
import {
  assertDatasetError,
  withTempDir,
  writeCifar10,
  writeCifar100,
  writeIdxSplit,
} from "./_test_helpers.ts";

Deno.test("layout: IDX files in the directory itself or a known sub-directory", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  await withTempDir(async (root) => {
    const train = await writeIdxSplit(`${root}/mnist`, "train", rng, 5, { gz: true });
    const test = await writeIdxSplit(`${root}/mnist`, "t10k", rng, 3);
    const loc = locateDataset(root, "mnist");
    equal(loc.dir, `${root}/mnist`);
    equal(loc.train[0], `${root}/mnist/train-images-idx3-ubyte.gz`);
    equal(loc.test[0], `${root}/mnist/t10k-images-idx3-ubyte`);
    const d = await readDataset(loc);
    assertEquals(d.train.images, train.images, `seed ${seed}`);
    assertEquals(d.test.labels, test.labels, `seed ${seed}`);
    // Detection without a name: the path decides between MNIST and Fashion-MNIST.
    equal(locateDataset(`${root}/mnist`).spec.name, "mnist");
    await writeIdxSplit(`${root}/x/FashionMNIST/raw`, "train", rng, 2);
    await writeIdxSplit(`${root}/x/FashionMNIST/raw`, "t10k", rng, 2);
    equal(locateDataset(`${root}/x`).spec.name, "fashion-mnist");
    equal(locateDataset(`${root}/x`, "fashion-mnist").dir, `${root}/x/FashionMNIST/raw`);
  });
});

Deno.test("layout: CIFAR-10 and CIFAR-100 detected", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  await withTempDir(async (root) => {
    const c10 = await writeCifar10(`${root}/cifar-10-batches-bin`, rng, 2);
    const loc = locateDataset(root);
    equal(loc.spec.name, "cifar10");
    const d = await readDataset(loc);
    assertEquals([d.train.count, d.test.count], [10, 2]);
    assertEquals(d.train.images, c10.train.images, `seed ${seed}`);
    const c100 = await writeCifar100(`${root}/c100`, rng, 3);
    const loc100 = locateDataset(`${root}/c100`);
    equal(loc100.spec.name, "cifar100");
    const coarse = await readDataset(loc100, { cifar100Labels: "coarse" });
    assertEquals(coarse.train.labels, c100.train.coarse, `seed ${seed}`);
    assertEquals(coarse.train.numClasses, 20);
  });
});

Deno.test("layout: missing files are listed with the expected layout", async () => {
  const rng = new Prng(freshSeed());
  await withTempDir(async (root) => {
    await writeIdxSplit(`${root}/fashion-mnist`, "train", rng, 2, { gz: true });
    await assertDatasetError(
      () => locateDataset(root, "fashion-mnist"),
      root,
      "missing t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]",
      `in ${root}/fashion-mnist`,
      "--download",
    );
    await writeCifar10(`${root}/c10`, rng, 1);
    await Deno.remove(`${root}/c10/data_batch_3.bin`);
    await assertDatasetError(() => locateDataset(`${root}/c10`, "cifar10"), "data_batch_3.bin");
    const e = await assertDatasetError(
      () => locateDataset(`${root}/c10`),
      "no dataset found",
      "CIFAR-10 expects data_batch_1.bin",
      "CIFAR-100 expects train.bin, test.bin",
    );
    equal(e.message.includes("Fashion-MNIST expects"), true);
    await assertDatasetError(() => locateDataset(`${root}/nothing`), "directory not found");
    await assertDatasetError(
      () => locateDataset(`${root}/c10/data_batch_1.bin`),
      "must be a directory",
    );
  });
});
