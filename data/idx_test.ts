import { deepEqual as assertEquals } from "node:assert/strict";
import { Prng } from "@ovsw/init";
import { freshSeed } from "../tests/util.ts";
import { encodeIdx } from "./idx.ts";
import { readIdxSplit } from "./read.ts";
import { DATASETS } from "./specs.ts";
import {
  assertDatasetError,
  gzip,
  randomBytes,
  withTempDir,
  writeIdxSplit,
} from "./_test_helpers.ts";

const SPEC = DATASETS["fashion-mnist"];

for (const gz of [false, true]) {
  Deno.test(`IDX round trip (${gz ? "gzip" : "raw"})`, async () => {
    const seed = freshSeed();
    await withTempDir(async (dir) => {
      const gen = await writeIdxSplit(dir, "train", new Prng(seed), 37, { gz });
      const ext = gz ? ".gz" : "";
      const s = await readIdxSplit(
        `${dir}/train-images-idx3-ubyte${ext}`,
        `${dir}/train-labels-idx1-ubyte${ext}`,
        SPEC,
      );
      assertEquals([s.count, s.channels, s.height, s.width], [37, 1, 28, 28], `seed ${seed}`);
      assertEquals(s.images, gen.images, `seed ${seed}`);
      assertEquals(s.labels, gen.labels, `seed ${seed}`);
    });
  });
}

/** Writes images+labels files from raw bytes and reads them as a split. */
async function readBytes(dir: string, images: Uint8Array, labels: Uint8Array) {
  await Deno.writeFile(`${dir}/img`, images);
  await Deno.writeFile(`${dir}/lab`, labels);
  return readIdxSplit(`${dir}/img`, `${dir}/lab`, SPEC);
}

Deno.test("IDX: truncated and corrupt gzip name the file", async () => {
  const rng = new Prng(freshSeed());
  await withTempDir(async (dir) => {
    const img = gzip(encodeIdx(randomBytes(rng, 3 * 784), [3, 28, 28]));
    const lab = gzip(encodeIdx(randomBytes(rng, 3, 10), [3]));
    await assertDatasetError(
      () => readBytes(dir, img.subarray(0, img.length >> 1), lab),
      `${dir}/img`,
      "truncated gzip",
    );
    const bad = img.slice();
    for (let i = 20; i < 60; i++) bad[i] ^= 0xa5;
    await assertDatasetError(() => readBytes(dir, bad, lab), `${dir}/img`, "gzip");
  });
});

Deno.test("IDX: wrong magic, unsupported type, truncated and oversized data", async () => {
  const rng = new Prng(freshSeed());
  await withTempDir(async (dir) => {
    const lab = encodeIdx(randomBytes(rng, 2, 10), [2]);
    const img = encodeIdx(randomBytes(rng, 2 * 784), [2, 28, 28]);
    const wrong = img.slice();
    wrong[0] = 0x12;
    await assertDatasetError(() => readBytes(dir, wrong, lab), `${dir}/img`, "wrong magic number");
    const f32 = img.slice();
    f32[2] = 0x0d;
    await assertDatasetError(
      () => readBytes(dir, f32, lab),
      `${dir}/img`,
      "float",
      "not supported",
    );
    await assertDatasetError(
      () => readBytes(dir, img.subarray(0, img.length - 5), lab),
      `${dir}/img`,
      "truncated",
    );
    await assertDatasetError(() => readBytes(dir, img.subarray(0, 10), lab), `${dir}/img`);
    const extra = new Uint8Array(img.length + 3);
    extra.set(img);
    await assertDatasetError(() => readBytes(dir, extra, lab), `${dir}/img`, "unexpected bytes");
    await assertDatasetError(() => readBytes(dir, new Uint8Array(2), lab), `${dir}/img`, "short");
  });
});

Deno.test("IDX: wrong dimensions, swapped files, count mismatch, missing file", async () => {
  const rng = new Prng(freshSeed());
  await withTempDir(async (dir) => {
    const lab = encodeIdx(randomBytes(rng, 2, 10), [2]);
    const img32 = encodeIdx(randomBytes(rng, 2 * 1024), [2, 32, 32]);
    await assertDatasetError(
      () => readBytes(dir, img32, lab),
      `${dir}/img`,
      "wrong image dimensions 32×32, expected 28×28",
    );
    const img = encodeIdx(randomBytes(rng, 2 * 784), [2, 28, 28]);
    await assertDatasetError(() => readBytes(dir, lab, img), `${dir}/img`, "label file");
    await assertDatasetError(
      () => readBytes(dir, img, encodeIdx(randomBytes(rng, 3, 10), [3])),
      `${dir}/lab`,
      "3 labels but",
      "2 images",
    );
    await assertDatasetError(
      () => readBytes(dir, img, encodeIdx(new Uint8Array([1, 10]), [2])),
      "label 10 of image 1 is out of range",
    );
    await assertDatasetError(
      () => readIdxSplit(`${dir}/nope.gz`, `${dir}/lab`, SPEC),
      `${dir}/nope.gz`,
      "file not found",
    );
  });
});
