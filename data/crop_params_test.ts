import assert from "node:assert/strict";
import { Prng } from "@ovsw/init";
import {
  centerCropBox,
  type CropBox,
  type CropDraws,
  IMAGENET_CROP_RANGES,
  randomResizedCropBox,
  resizeShorterSide,
  roundHalfEven,
} from "./crop_params.ts";

/** A Prng that records the uniforms it hands out (int draws are recorded as their uniform). */
class Recorder implements CropDraws {
  readonly uniforms: number[] = [];
  #rng: Prng;
  constructor(seed: number) {
    this.#rng = new Prng(seed);
  }
  uniform(): number {
    const u = this.#rng.uniform();
    this.uniforms.push(u);
    return u;
  }
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}

/**
 * torchvision's `RandomResizedCrop.get_params`, transcribed from the Python source, consuming
 * the recorded uniforms: `uniform_(a, b)` on a float32 tensor is `a + (b − a)·u` in float32,
 * `torch.randint(lo, hi)` is `lo + floor(u·(hi − lo))`, Python's `round` rounds halves to even.
 */
function referenceGetParams(
  width: number,
  height: number,
  u: number[],
  scale: [number, number],
  ratio: [number, number],
): CropBox {
  let k = 0;
  const f32 = Math.fround;
  const pyRound = (x: number) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  };
  const area = height * width;
  const logRatio = [f32(Math.log(f32(ratio[0]))), f32(Math.log(f32(ratio[1])))];
  for (let t = 0; t < 10; t++) {
    const targetArea = area * f32(f32(scale[0]) + f32(f32(scale[1]) - f32(scale[0])) * u[k++]);
    const aspectRatio = f32(
      Math.exp(f32(logRatio[0] + f32(logRatio[1] - logRatio[0]) * u[k++])),
    );
    const w = pyRound(Math.sqrt(targetArea * aspectRatio));
    const h = pyRound(Math.sqrt(targetArea / aspectRatio));
    if (0 < w && w <= width && 0 < h && h <= height) {
      const i = Math.floor(u[k++] * (height - h + 1));
      const j = Math.floor(u[k++] * (width - w + 1));
      return { top: i, left: j, height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w: number, h: number;
  if (inRatio < Math.min(...ratio)) {
    w = width;
    h = pyRound(w / Math.min(...ratio));
  } else if (inRatio > Math.max(...ratio)) {
    h = height;
    w = pyRound(h * Math.max(...ratio));
  } else {
    w = width;
    h = height;
  }
  return {
    top: Math.floor((height - h) / 2),
    left: Math.floor((width - w) / 2),
    height: h,
    width: w,
  };
}

Deno.test("roundHalfEven is Python's round", () => {
  const cases: [number, number][] = [
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [-1.5, -2],
    [-2.5, -2],
    [2.4999, 2],
    [2.5001, 3],
    [7, 7],
  ];
  for (const [x, want] of cases) assert.equal(roundHalfEven(x), want, `round(${x})`);
});

Deno.test("randomResizedCropBox matches torchvision's get_params on the same draws", () => {
  const sizes: [number, number][] = [
    [500, 375],
    [375, 500],
    [64, 64],
    [37, 23],
    [1000, 9],
    [
      9,
      1000,
    ],
    [2, 3],
    [1, 1],
  ];
  const ranges: Array<{ scale: [number, number]; ratio: [number, number] }> = [
    { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] },
    { scale: [0.5, 0.9], ratio: [0.5, 2] },
    { scale: [0.99, 1], ratio: [1, 1] },
  ];
  let fallbacks = 0;
  for (const [w, h] of sizes) {
    for (const r of ranges) {
      for (let seed = 0; seed < 200; seed++) {
        const rec = new Recorder(seed * 7919 + w);
        const got = randomResizedCropBox(w, h, rec, r);
        const want = referenceGetParams(w, h, rec.uniforms, r.scale, r.ratio);
        assert.deepEqual(got, want, `${w}×${h} scale ${r.scale} ratio ${r.ratio} seed ${seed}`);
        assert.ok(got.top >= 0 && got.left >= 0 && got.top + got.height <= h);
        assert.ok(got.left + got.width <= w && got.width > 0 && got.height > 0);
        if (rec.uniforms.length === 20) fallbacks++;
      }
    }
  }
  assert.ok(fallbacks > 0, "some cases exercise the 10-try fallback");
});

Deno.test("the fallback is the central crop clamped to the ratio range", () => {
  const never: CropDraws = { uniform: () => 0, int: () => 0 }; // area 8% of a 1000×9 never fits
  assert.deepEqual(randomResizedCropBox(1000, 9, never, IMAGENET_CROP_RANGES), {
    top: 0,
    left: 494, // (1000 - round(9 · 4/3 = 12)) // 2
    height: 9,
    width: 12,
  });
  assert.deepEqual(randomResizedCropBox(9, 1000, never, IMAGENET_CROP_RANGES), {
    top: 494,
    left: 0,
    height: 12, // round(9 / (3/4))
    width: 9,
  });
});

Deno.test("resizeShorterSide and centerCropBox follow torchvision's rounding", () => {
  assert.deepEqual(resizeShorterSide(500, 375, 256), [341, 256]); // int(256·500/375 = 341.33)
  assert.deepEqual(resizeShorterSide(375, 500, 256), [256, 341]);
  assert.deepEqual(resizeShorterSide(300, 300, 256), [256, 256]);
  assert.deepEqual(resizeShorterSide(257, 1000, 256), [256, 996]); // 996.1 truncated
  // (341 − 224) / 2 = 58.5 → 58 (even); (227 − 224) / 2 = 1.5 → 2 (even)
  assert.deepEqual(centerCropBox(341, 256, 224), { top: 16, left: 58, height: 224, width: 224 });
  assert.deepEqual(centerCropBox(227, 227, 224), { top: 2, left: 2, height: 224, width: 224 });
  assert.deepEqual(centerCropBox(224, 224, 224), { top: 0, left: 0, height: 224, width: 224 });
  assert.throws(() => centerCropBox(200, 300, 224), /larger than the 200×300 image/);
});
