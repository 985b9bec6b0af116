/**
 * The image-folder pipeline end to end on a generated folder (needs `--allow-ffi` for sharp):
 * decoding and Pillow's RGB conversions, worker output against the same transform on the main
 * thread, determinism, resume, GPU normalisation, bad files, worker crashes, bounded memory.
 */
import assert from "node:assert/strict";
import { Tensor } from "@ovsw/gpu";
import { assertClose, setupGpu } from "../tests/util.ts";
import { jpeg, makeImageFolder } from "./_image_folder_fixture.ts";
import { withTempDir } from "./_test_helpers.ts";
import { decodeRgb } from "./decode_image.ts";
import { DatasetError } from "./errors.ts";
import { type ImageFolderSplit, listImageFolder } from "./image_folder.ts";
import { IMAGENET_NORMALIZATION } from "./image_folder_data.ts";
import {
  type ByteBatch,
  ImageFolderLoader,
  type ImageFolderLoaderOptions,
} from "./image_folder_loader.ts";
import { applyTransform, imagenetTransform } from "./image_transform.ts";
import { normalizeBytes } from "./normalize_gpu.ts";
import { cmykToRgb } from "./pixel_convert.ts";

const SIZE = 16;

function loaderFor(split: ImageFolderSplit, opts: Partial<ImageFolderLoaderOptions> = {}) {
  return new ImageFolderLoader(split, {
    batchSize: 4,
    transform: imagenetTransform("train", SIZE),
    normalization: IMAGENET_NORMALIZATION,
    shuffle: true,
    seed: 3,
    workers: 2,
    ...opts,
  });
}

async function collect(
  it: AsyncIterable<ByteBatch>,
): Promise<{ x: number[][]; y: number[][]; index: number[] }> {
  const out = { x: [] as number[][], y: [] as number[][], index: [] as number[] };
  for await (const b of it) {
    out.x.push([...b.x]);
    out.y.push([...b.y]);
    out.index.push(b.index);
  }
  return out;
}

Deno.test("decodeRgb converts grey, CMYK and RGBA like Pillow's convert('RGB')", async () => {
  await withTempDir(async (dir) => {
    const f = await makeImageFolder(dir);
    const grey = await decodeRgb(await Deno.readFile(f.grey), f.grey);
    assert.equal(grey.data.length, 26 * 34 * 3);
    for (let i = 0; i < 26 * 34; i++) {
      assert.ok(
        grey.data[3 * i] === grey.data[3 * i + 1] && grey.data[3 * i] === grey.data[3 * i + 2],
      );
    }
    const rgba = await decodeRgb(await Deno.readFile(f.rgba), f.rgba);
    const want = new Uint8Array(18 * 22 * 4).map((_, i) => (i * 29) % 256);
    for (let i = 0; i < 18 * 22; i++) {
      assert.deepEqual([...rgba.data.subarray(3 * i, 3 * i + 3)], [
        ...want.subarray(4 * i, 4 * i + 3),
      ]);
    }
  });
  // A CMYK JPEG written by Pillow, and Pillow's own decode + convert("RGB") of it.
  const ref = JSON.parse(
    await Deno.readTextFile(new URL("./testdata/pil_reference.json", import.meta.url)),
  ).cmyk as { width: number; height: number; planar: number[] };
  const path = new URL("./testdata/cmyk.jpg", import.meta.url).pathname;
  const img = await decodeRgb(await Deno.readFile(path), path);
  assert.equal(img.width, ref.width);
  const n = ref.width * ref.height;
  const planar = [0, 1, 2].flatMap((c) => Array.from({ length: n }, (_, i) => img.data[3 * i + c]));
  assert.deepEqual(planar, ref.planar);
  assert.deepEqual([...cmykToRgb(new Uint8Array([10, 20, 30, 40]), 1)], [207, 198, 190]);
});

Deno.test("worker batches equal the transform run on the main thread; labels follow the order", async () => {
  await withTempDir(async (dir) => {
    await makeImageFolder(dir);
    const split = listImageFolder(`${dir}/train`);
    assert.deepEqual(split.classes, ["ant", "bee", "cat"]);
    for (const kind of ["train", "eval"] as const) {
      using loader = loaderFor(split, { transform: imagenetTransform(kind, SIZE), batchSize: 4 });
      const order = loader.order(0);
      const got = await collect(loader.hostEpoch(0));
      assert.deepEqual(got.index, [0, 1, 2, 3]);
      assert.deepEqual(got.y.flat(), [...order].map((i) => split.labels[i]));
      const per = 3 * SIZE * SIZE;
      for (let k = 0; k < split.count; k++) {
        const i = order[k];
        const img = await decodeRgb(await Deno.readFile(split.files[i]), split.files[i]);
        const want = new Uint8Array(per);
        applyTransform(img, loader.transform, 3, 0, i, want, 0);
        const b = Math.floor(k / 4);
        const at = (k % 4) * per;
        assert.deepEqual(
          got.x[b].slice(at, at + per),
          [...want],
          `${kind} image ${split.files[i]}`,
        );
      }
    }
  });
});

Deno.test("batches are determined by (seed, epoch): same seed same bytes, resume mid-epoch, any worker count", async () => {
  await withTempDir(async (dir) => {
    await makeImageFolder(dir);
    const split = listImageFolder(`${dir}/train`);
    using a = loaderFor(split, { workers: 2, prefetch: 3 });
    using b = loaderFor(split, { workers: 1, prefetch: 1 });
    using c = loaderFor(split, { seed: 4 });
    const full = await collect(a.hostEpoch(1));
    assert.deepEqual(await collect(b.hostEpoch(1)), full);
    assert.notDeepEqual((await collect(c.hostEpoch(1))).x, full.x);
    assert.notDeepEqual((await collect(a.hostEpoch(2))).x, full.x);
    const resumed = await collect(b.hostEpoch(1, 2));
    assert.deepEqual(resumed.index, [2, 3]);
    assert.deepEqual(resumed.x, full.x.slice(2));
    assert.deepEqual(resumed.y, full.y.slice(2));
    assert.deepEqual((await collect(a.hostEpoch(1, 4))).index, []);
    await assert.rejects(() => collect(a.hostEpoch(1, 5)), /start batch 5 is outside 0…4/);
  });
});

Deno.test("epoch() normalises on the GPU: (byte / 255 − mean) / std per channel", async () => {
  await setupGpu();
  await withTempDir(async (dir) => {
    await makeImageFolder(dir);
    const split = listImageFolder(`${dir}/val`);
    using loader = loaderFor(split, { transform: imagenetTransform("eval", SIZE), batchSize: 2 });
    const host = await collect(loader.hostEpoch(0));
    let k = 0;
    for await (const batch of loader.epoch(0, 0)) {
      assert.deepEqual(batch.x.shape, [batch.size, 3, SIZE, SIZE]);
      assert.deepEqual([...await batch.y.readU32()], host.y[k]);
      const want = new Float64Array(host.x[k].length);
      const plane = SIZE * SIZE;
      host.x[k].forEach((v, i) => {
        const c = Math.floor(i / plane) % 3;
        want[i] = (v / 255 - IMAGENET_NORMALIZATION.mean[c]) / IMAGENET_NORMALIZATION.std[c];
      });
      assertClose(await batch.x.read(), want, 1e-6);
      k++;
    }
    assert.equal(k, 2);
    // random bytes, odd sizes, one and two channels
    const bytes = new Uint8Array(4 * 7).map((_, i) => (i * 97 + 13) % 256); // 28 bytes: 2×2×7
    const packed = Tensor.from(new Uint32Array(bytes.buffer), [7], "u32");
    const x = normalizeBytes(packed, [2, 2, 7, 1], { mean: [0.1, 0.9], std: [0.5, 2] });
    const want = [...bytes].map((v, i) =>
      (v / 255 - [0.1, 0.9][Math.floor(i / 7) % 2]) / [0.5, 2][Math.floor(i / 7) % 2]
    );
    assertClose(await x.read(), want, 1e-6);
    assert.throws(
      () => normalizeBytes(packed, [2, 2, 8, 1], { mean: [0, 0], std: [1, 1] }),
      /cannot hold 32 bytes/,
    );
    packed.dispose();
    x.dispose();
  });
});

Deno.test("bad files end the epoch with a DatasetError naming them, never a hang", async () => {
  await withTempDir(async (dir) => {
    await makeImageFolder(dir);
    const good = await jpeg(30, 20, 1);
    const bad: Record<string, Uint8Array> = {
      "corrupt.jpg": new Uint8Array(good).map((v, i) => (i > 200 ? (v * 7) & 255 : v)),
      "truncated.jpg": good.subarray(0, Math.floor(good.length / 2)),
      "text.jpg": new TextEncoder().encode("this is not an image"),
      "empty.png": new Uint8Array(),
    };
    for (const [name, bytes] of Object.entries(bad)) {
      const path = `${dir}/train/bee/${name}`;
      await Deno.writeFile(path, bytes);
      const split = listImageFolder(`${dir}/train`);
      using loader = loaderFor(split, { batchSize: 3, workers: 2 });
      await assert.rejects(() => collect(loader.hostEpoch(0)), (e: Error) => {
        assert.ok(e instanceof DatasetError, String(e));
        assert.equal(e.file, path);
        assert.match(e.message, /cannot decode the image/);
        return true;
      }, name);
      assert.equal(loader.inFlight, 0, "jobs in flight are drained before the error is thrown");
      await Deno.remove(path);
    }
  });
});

Deno.test("a crashing decode worker fails the epoch with the files it held", async () => {
  await withTempDir(async (dir) => {
    await makeImageFolder(dir);
    const crasher = `${dir}/crash_worker.js`;
    await Deno.writeTextFile(crasher, `self.onmessage = () => { throw new Error("boom"); };`);
    const split = listImageFolder(`${dir}/train`);
    using loader = loaderFor(split, { workerModule: new URL(`file://${crasher}`) });
    await assert.rejects(() => collect(loader.hostEpoch(0)), (e: Error) => {
      assert.ok(e instanceof DatasetError);
      assert.match(e.message, /the decode worker crashed \(.*boom/);
      assert.ok(split.files.includes(e.file.split(" (and")[0]), e.file);
      return true;
    });
    await assert.rejects(() => collect(loader.hostEpoch(1)), /decode worker crashed/);
  });
});

Deno.test("memory stays bounded over many batches: ring buffers, jobs in flight, RSS", async () => {
  await withTempDir(async (dir) => {
    await makeImageFolder(dir);
    const split = listImageFolder(`${dir}/train`);
    // 15 images → 15 batches of 1 per epoch; 8 epochs = 120 batches
    using loader = loaderFor(split, { batchSize: 1, prefetch: 3, workers: 2 });
    let rssAfterFirst = 0;
    let batches = 0;
    for (let e = 0; e < 8; e++) {
      for await (const _ of loader.hostEpoch(e)) {
        assert.ok(loader.inFlight <= 3, `in flight ${loader.inFlight}`);
        assert.ok(loader.pool.pending <= 3 * 2, `pending jobs ${loader.pool.pending}`);
        batches++;
      }
      if (e === 0) rssAfterFirst = Deno.memoryUsage().rss;
    }
    assert.equal(batches, 120);
    assert.equal(loader.bufferBytes, 3 * 4 * Math.ceil((3 * SIZE * SIZE) / 4));
    const growth = Deno.memoryUsage().rss - rssAfterFirst;
    assert.ok(growth < 64 * 2 ** 20, `RSS grew ${(growth / 2 ** 20).toFixed(1)} MiB over 7 epochs`);
  });
});
