import { deepEqual as assertEquals, equal, notDeepEqual } from "node:assert/strict";
import { engineStats, liveTensorStats } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import { type CropFlip, normalizationTable, writeImage } from "./_augment.ts";
import { makeSplit, type Split } from "./dataset.ts";
import { DataLoader, type LoaderOptions } from "./loader.ts";
import { randomBytes } from "./_test_helpers.ts";

const IDENTITY = { mean: [0, 0, 0], std: [1, 1, 1] };

/** A split whose image i has first pixel i (so batches can be traced back to their images). */
function toySplit(rng: Prng, count: number, [C, H, W] = [3, 6, 5]): Split {
  const per = C * H * W;
  const images = randomBytes(rng, count * per);
  for (let i = 0; i < count; i++) images[i * per] = i;
  return makeSplit({
    images,
    labels: randomBytes(rng, count, 7),
    channels: C,
    height: H,
    width: W,
    numClasses: 7,
    source: "toy",
  });
}

/** Copies each host batch as it comes (the loader reuses its buffers). */
function hostEpochCopy(loader: DataLoader, e: number) {
  const out = [];
  for (const b of loader.hostEpoch(e)) out.push({ ...b, x: b.x.slice(), y: b.y.slice() });
  return out;
}

function hostEpochs(split: Split, opts: LoaderOptions, e: number) {
  return hostEpochCopy(new DataLoader(split, opts), e);
}

Deno.test("shuffling is a per-epoch permutation, fixed by (seed, epoch)", () => {
  const seed = freshSeed();
  const split = toySplit(new Prng(seed), 50);
  const opts = { batchSize: 8, normalization: IDENTITY, shuffle: true, seed };
  const a = new DataLoader(split, opts);
  const o = a.order(3);
  assertEquals([...o].sort((p, q) => p - q), Array.from({ length: 50 }, (_, i) => i));
  assertEquals(new DataLoader(split, opts).order(3), o, `seed ${seed}`);
  notDeepEqual(a.order(4), o, `seed ${seed}: epochs 3 and 4 share an order`);
  notDeepEqual(new DataLoader(split, { ...opts, seed: seed + 1 }).order(3), o);
  assertEquals(
    new DataLoader(split, { ...opts, shuffle: false }).order(3),
    Uint32Array.from({ length: 50 }, (_, i) => i),
  );
});

Deno.test("batches keep the last partial batch and visit every image once", () => {
  const seed = freshSeed();
  const split = toySplit(new Prng(seed), 23);
  const loader = new DataLoader(split, {
    batchSize: 5,
    normalization: IDENTITY,
    shuffle: true,
    seed,
  });
  equal(loader.batchesPerEpoch, 5);
  const batches = hostEpochCopy(loader, 0);
  assertEquals(batches.map((b) => b.size), [5, 5, 5, 5, 3]);
  const per = 3 * 6 * 5;
  const seen: number[] = [];
  const order = loader.order(0);
  for (const b of batches) {
    equal(b.x.length, b.size * per);
    for (let i = 0; i < b.size; i++) {
      const idx = Math.round(b.x[i * per] * 255);
      seen.push(idx);
      equal(b.y[i], split.labels[idx], `seed ${seed}`);
      equal(idx, order[b.index * 5 + i]);
      const ref = Float64Array.from(
        split.images.subarray(idx * per, (idx + 1) * per),
        (v) => v / 255,
      );
      assertClose(b.x.subarray(i * per, (i + 1) * per), ref, 1e-6, `seed ${seed} image ${idx}`);
    }
  }
  assertEquals(seen.sort((p, q) => p - q), Array.from({ length: 23 }, (_, i) => i));
});

Deno.test("augmentation is deterministic by seed, differs across seeds, and is a valid crop+flip", () => {
  const seed = freshSeed();
  const split = toySplit(new Prng(seed), 41, [3, 8, 8]);
  const norm = { mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] };
  const opts: LoaderOptions = {
    batchSize: 5,
    normalization: norm,
    shuffle: false,
    augment: "crop-flip",
    cropPadding: 2,
    seed,
  };
  const a = hostEpochs(split, opts, 1);
  assertEquals(hostEpochs(split, opts, 1), a, `seed ${seed}: same seed, different batches`);
  notDeepEqual(hostEpochs(split, { ...opts, seed: seed + 7 }, 1), a);
  notDeepEqual(hostEpochs(split, opts, 2), a);
  // Starting mid-epoch gives the same later batches (the streams are advanced, not restarted).
  const resumed = [];
  for (const b of new DataLoader(split, opts).hostEpoch(1, 3)) {
    resumed.push({ ...b, x: b.x.slice(), y: b.y.slice() });
  }
  assertEquals(resumed, a.slice(3), `seed ${seed}: resumed epoch differs`);
  // Each augmented image is one of the 5·5·2 crops/flips of its source image.
  const lut = normalizationTable(norm, 3);
  const per = 3 * 8 * 8;
  const cand = new Float32Array(per);
  let flips = 0;
  a.forEach((b, bi) => {
    for (let i = 0; i < b.size; i++) {
      const src = bi * 5 + i;
      const got = b.x.subarray(i * per, (i + 1) * per);
      let match: CropFlip | null = null;
      for (let dy = 0; dy <= 4 && !match; dy++) {
        for (let dx = 0; dx <= 4 && !match; dx++) {
          for (const flip of [false, true]) {
            writeImage(split.images, src * per, cand, 0, [3, 8, 8], lut, { dy, dx, flip }, 2);
            if (cand.every((v, k) => v === got[k])) {
              match = { dy, dx, flip };
              break;
            }
          }
        }
      }
      if (!match) throw new Error(`seed ${seed}: image ${src} is not a crop/flip of its source`);
      if (match.flip) flips++;
    }
  });
  equal(flips > 0 && flips < 41, true, `seed ${seed}: ${flips} of 41 flipped`);
});

Deno.test("GPU epoch: uploads equal host batches, no readbacks, batch tensors released", async () => {
  await setupGpu();
  const seed = freshSeed();
  const split = toySplit(new Prng(seed), 11, [1, 4, 4]);
  const opts: LoaderOptions = {
    batchSize: 4,
    normalization: { mean: [0.3], std: [0.7] },
    shuffle: true,
    augment: "crop-flip",
    cropPadding: 1,
    seed,
  };
  const loader = new DataLoader(split, opts);
  const host = hostEpochCopy(loader, 5);
  const before = liveTensorStats().tensors;
  const reads = engineStats().readbacks;
  let n = 0;
  for (const { x, y, size, index } of loader.epoch(5)) {
    assertEquals([x.shape, x.dtype, y.shape, y.dtype], [[size, 1, 4, 4], "f32", [size], "u32"]);
    equal(index, n++);
  }
  equal(n, 3);
  equal(engineStats().readbacks, reads, "the loader must never read back");
  equal(liveTensorStats().tensors, before, "batch tensors leaked");
  for (const b of loader.epoch(5)) {
    const h = host[b.index];
    assertClose(await b.x.read(), h.x, 1e-6, `seed ${seed} batch ${b.index} x`);
    assertEquals(await b.y.readU32(), h.y, `seed ${seed} batch ${b.index} y`);
  }
  let resumed = 2;
  for (const b of loader.epoch(5, 2)) {
    equal(b.index, resumed++);
    assertClose(await b.x.read(), host[b.index].x, 1e-6, `seed ${seed} resumed batch ${b.index}`);
  }
  equal(resumed, 3);
  for (const _ of loader.epoch(6)) break;
  equal(liveTensorStats().tensors, before, "break must release the batch");
});
