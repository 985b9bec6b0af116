/**
 * torchvision's ImageNet preprocessing of one decoded image, up to the uint8 tensor (the
 * normalisation runs on the GPU): training `RandomResizedCrop(size) → RandomHorizontalFlip()`,
 * evaluation `Resize(resize) → CenterCrop(size)`. Every random draw comes from a generator
 * seeded by (seed, epoch, image index), so any image of any epoch can be redone alone.
 *
 * @module
 */
import { Prng } from "@ovsw/init";
import { mixSeed } from "./_seed.ts";
import {
  centerCropBox,
  IMAGENET_CROP_RANGES,
  randomResizedCropBox,
  type RandomResizedCropRanges,
  resizeShorterSide,
} from "./crop_params.ts";
import { type ResampleSpec, resampleToPlanar } from "./resample.ts";

/** Which pipeline, and its sizes. */
export interface ImageTransform {
  /** `train`: random resized crop + flip; `eval`: resize of the shorter side + centre crop. */
  kind: "train" | "eval";
  /** Output side (torchvision's 224). */
  size: number;
  /** Evaluation: the shorter side before the centre crop (torchvision's 256). */
  resize: number;
  /** Training: area and aspect-ratio ranges of the random crop. */
  ranges: RandomResizedCropRanges;
  /** Training: probability of the horizontal flip (0.5). */
  flipProbability: number;
}

/**
 * The ImageNet transforms: 224 crops, evaluation resize 256, scale (0.08, 1), ratio (3/4, 4/3),
 * flip p = 0.5.
 *
 * @example
 * ```ts
 * import { imagenetTransform } from "@ovsw/data";
 * console.log(imagenetTransform("eval").resize); // 256
 * ```
 */
export function imagenetTransform(kind: "train" | "eval", size = 224): ImageTransform {
  return {
    kind,
    size,
    resize: Math.round((size * 256) / 224),
    ranges: IMAGENET_CROP_RANGES,
    flipProbability: 0.5,
  };
}

/**
 * The random stream of image `index` in `epoch` (seed stream `2 + index`).
 *
 * @example
 * ```ts
 * import { imageDraws } from "@ovsw/data";
 * console.log(imageDraws(0, 1, 7).uniform() === imageDraws(0, 1, 7).uniform()); // true
 * ```
 */
export function imageDraws(seed: number, epoch: number, index: number): Prng {
  return new Prng(mixSeed(seed, epoch, 2 + index));
}

/**
 * Where image `index` of `epoch` is cropped, resized and flipped, for a `width`×`height`
 * image: training draws `RandomResizedCrop`'s box then the flip coin from
 * {@link imageDraws}; evaluation is fixed.
 *
 * @example
 * ```ts
 * import { imagenetTransform, transformSpec } from "@ovsw/data";
 * const s = transformSpec(500, 375, imagenetTransform("eval"), 0, 0, 0);
 * console.log(s.outWidth, s.outHeight, s.window); // 341 256 { top: 16, left: 58, height: 224, width: 224 }
 * ```
 */
export function transformSpec(
  width: number,
  height: number,
  t: ImageTransform,
  seed: number,
  epoch: number,
  index: number,
): ResampleSpec {
  const full = { top: 0, left: 0, height: t.size, width: t.size };
  if (t.kind === "train") {
    const rng = imageDraws(seed, epoch, index);
    const source = randomResizedCropBox(width, height, rng, t.ranges);
    const flip = rng.uniform() < t.flipProbability;
    return { source, outWidth: t.size, outHeight: t.size, window: full, flip };
  }
  const [outWidth, outHeight] = resizeShorterSide(width, height, t.resize);
  return {
    source: { top: 0, left: 0, height, width },
    outWidth,
    outHeight,
    window: centerCropBox(outWidth, outHeight, t.size),
    flip: false,
  };
}

/**
 * Checks a transform's sizes, with a clear error.
 *
 * @example
 * ```ts
 * import { checkTransform, imagenetTransform } from "@ovsw/data";
 * checkTransform(imagenetTransform("train", 64)); // fine
 * ```
 */
export function checkTransform(t: ImageTransform): void {
  if (!Number.isInteger(t.size) || t.size < 1) {
    throw new RangeError(`image size must be a positive integer, got ${t.size}`);
  }
  if (t.kind === "eval" && (!Number.isInteger(t.resize) || t.resize < t.size)) {
    throw new RangeError(`evaluation resize ${t.resize} must be an integer ≥ the crop ${t.size}`);
  }
  const [s0, s1] = t.ranges.scale;
  const [r0, r1] = t.ranges.ratio;
  if (!(s0 > 0 && s0 <= s1 && s1 <= 1) || !(r0 > 0 && r0 <= r1)) {
    throw new RangeError(`crop ranges scale (${s0}, ${s1}) ratio (${r0}, ${r1}) are invalid`);
  }
}

/**
 * Applies {@link transformSpec} to a decoded RGB image and writes the `3 × size × size` planar
 * bytes at `dst[dstAt]`.
 *
 * @example
 * ```ts
 * import { applyTransform, imagenetTransform } from "@ovsw/data";
 * const img = { data: new Uint8Array(40 * 30 * 3).fill(7), width: 40, height: 30 };
 * const out = new Uint8Array(3 * 16 * 16);
 * applyTransform(img, imagenetTransform("train", 16), 1, 0, 5, out, 0);
 * console.log(out.every((v) => v === 7)); // true
 * ```
 */
export function applyTransform(
  img: { data: Uint8Array; width: number; height: number },
  t: ImageTransform,
  seed: number,
  epoch: number,
  index: number,
  dst: Uint8Array,
  dstAt: number,
): void {
  const spec = transformSpec(img.width, img.height, t, seed, epoch, index);
  resampleToPlanar(img.data, img.width, spec, dst, dstAt);
}
