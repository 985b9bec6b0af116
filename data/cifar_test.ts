import { deepEqual as assertEquals } from "node:assert/strict";
import { Prng } from "@ovsw/init";
import { freshSeed } from "../tests/util.ts";
import { encodeCifar10, encodeCifar100 } from "./_cifar_encode.ts";
import { readCifar100Split, readCifar10Split } from "./read.ts";
import {
  assertDatasetError,
  randomBytes,
  withTempDir,
  writeCifar10,
  writeCifar100,
} from "./_test_helpers.ts";

Deno.test("CIFAR-10 round trip over several batch files", async () => {
  const seed = freshSeed();
  await withTempDir(async (dir) => {
    const gen = await writeCifar10(dir, new Prng(seed), 3);
    const files = [1, 2, 3, 4, 5].map((i) => `${dir}/data_batch_${i}.bin`);
    const s = await readCifar10Split(files);
    assertEquals([s.count, s.channels, s.height, s.width, s.numClasses], [15, 3, 32, 32, 10]);
    assertEquals(s.images, gen.train.images, `seed ${seed}`);
    assertEquals(s.labels, gen.train.labels, `seed ${seed}`);
  });
});

Deno.test("CIFAR-100 round trip with fine and coarse labels", async () => {
  const seed = freshSeed();
  await withTempDir(async (dir) => {
    const gen = await writeCifar100(dir, new Prng(seed), 4);
    const fine = await readCifar100Split(`${dir}/test.bin`);
    const coarse = await readCifar100Split(`${dir}/test.bin`, "coarse");
    assertEquals(fine.images, gen.test.images, `seed ${seed}`);
    assertEquals(fine.labels, gen.test.fine, `seed ${seed}`);
    assertEquals([fine.numClasses, coarse.numClasses], [100, 20]);
    assertEquals(coarse.labels, gen.test.coarse, `seed ${seed}`);
  });
});

Deno.test("CIFAR: truncated records, bad labels, wrong format, empty and missing files", async () => {
  const rng = new Prng(freshSeed());
  await withTempDir(async (dir) => {
    const c10 = encodeCifar10({
      images: randomBytes(rng, 2 * 3072),
      labels: new Uint8Array([1, 2]),
    });
    await Deno.writeFile(`${dir}/t.bin`, c10.subarray(0, c10.length - 100));
    await assertDatasetError(
      () => readCifar10Split([`${dir}/t.bin`]),
      `${dir}/t.bin`,
      "truncated",
      "3073-byte records",
    );
    const bad = c10.slice();
    bad[3073] = 11;
    await Deno.writeFile(`${dir}/b.bin`, bad);
    await assertDatasetError(
      () => readCifar10Split([`${dir}/b.bin`]),
      `${dir}/b.bin`,
      "record 1 is 11",
    );
    const c100 = encodeCifar100({
      images: randomBytes(rng, 3 * 3072),
      coarse: randomBytes(rng, 3, 20),
      fine: randomBytes(rng, 3, 100),
    });
    await Deno.writeFile(`${dir}/c100.bin`, c100);
    await assertDatasetError(() => readCifar10Split([`${dir}/c100.bin`]), `${dir}/c100.bin`);
    await Deno.writeFile(`${dir}/e.bin`, new Uint8Array());
    await assertDatasetError(() => readCifar100Split(`${dir}/e.bin`), `${dir}/e.bin`, "empty");
    await assertDatasetError(() => readCifar100Split(`${dir}/x.bin`), `${dir}/x.bin`, "not found");
  });
});
