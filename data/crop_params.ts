/**
 * The geometry of torchvision's ImageNet transforms, ported line by line:
 * `RandomResizedCrop.get_params` (10 tries, then the central crop clamped to the ratio range),
 * `Resize(size)` of the shorter side and `CenterCrop(size)`, with Python's rounding (`round` is
 * round-half-to-even) and torch's float32 uniform draws.
 *
 * @module
 */

/** A crop rectangle in pixels: top row, left column, height and width (torchvision's i, j, h, w). */
export interface CropBox {
  /** First row. */
  top: number;
  /** First column. */
  left: number;
  /** Rows. */
  height: number;
  /** Columns. */
  width: number;
}

/** The random draws a crop needs: uniforms in [0, 1) and integers in [0, n) (a `Prng` has both). */
export interface CropDraws {
  /** A uniform draw in [0, 1). */
  uniform(): number;
  /** A uniform integer in [0, n). */
  int(n: number): number;
}

/** `RandomResizedCrop`'s ranges: relative area and aspect ratio (width / height). */
export interface RandomResizedCropRanges {
  /** Area range as a fraction of the image; torchvision's default (0.08, 1). */
  scale: readonly [number, number];
  /** Aspect-ratio range; torchvision's default (3/4, 4/3). */
  ratio: readonly [number, number];
}

/**
 * torchvision's defaults, `scale=(0.08, 1.0)`, `ratio=(3/4, 4/3)`.
 *
 * @example
 * ```ts
 * import { IMAGENET_CROP_RANGES } from "@ovsw/data";
 * console.log(IMAGENET_CROP_RANGES.scale); // [0.08, 1]
 * ```
 */
export const IMAGENET_CROP_RANGES: RandomResizedCropRanges = {
  scale: [0.08, 1],
  ratio: [3 / 4, 4 / 3],
};

/**
 * Python 3's `round(x)`: to the nearest integer, halves to the even neighbour.
 *
 * @example
 * ```ts
 * import { roundHalfEven } from "@ovsw/data";
 * console.log(roundHalfEven(2.5), roundHalfEven(3.5), roundHalfEven(-0.5)); // 2 4 0
 * ```
 */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** torch's `torch.empty(1).uniform_(lo, hi).item()`: a float32 draw in [lo, hi). */
function uniformF32(draws: CropDraws, lo: number, hi: number): number {
  return Math.fround(
    Math.fround(lo) + Math.fround(Math.fround(hi) - Math.fround(lo)) * draws.uniform(),
  );
}

/**
 * `RandomResizedCrop.get_params(img, scale, ratio)` for a `width`×`height` image: up to ten
 * tries of a random area (uniform in `scale`) and log-uniform aspect ratio, sizes
 * `int(round(sqrt(area·ratio)))` × `int(round(sqrt(area/ratio)))`, accepted when they fit, then
 * a uniform position; otherwise the central crop of the whole image clamped to the ratio range.
 * Each try takes two uniforms, an accepted one two integers more.
 *
 * @example
 * ```ts
 * import { Prng } from "@ovsw/init";
 * import { IMAGENET_CROP_RANGES, randomResizedCropBox } from "@ovsw/data";
 * const box = randomResizedCropBox(500, 375, new Prng(1), IMAGENET_CROP_RANGES);
 * console.log(box.width <= 500 && box.height <= 375); // true
 * ```
 */
export function randomResizedCropBox(
  width: number,
  height: number,
  draws: CropDraws,
  ranges: RandomResizedCropRanges = IMAGENET_CROP_RANGES,
): CropBox {
  const { scale, ratio } = ranges;
  const area = height * width;
  const logLo = Math.fround(Math.log(Math.fround(ratio[0])));
  const logHi = Math.fround(Math.log(Math.fround(ratio[1])));
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * uniformF32(draws, scale[0], scale[1]);
    const aspect = Math.fround(Math.exp(uniformF32(draws, logLo, logHi)));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = draws.int(height - h + 1);
      const left = draws.int(width - w + 1);
      return { top, left, height: h, width: w };
    }
  }
  const inRatio = width / height;
  const lo = Math.min(ratio[0], ratio[1]);
  const hi = Math.max(ratio[0], ratio[1]);
  let w = width;
  let h = height;
  if (inRatio < lo) h = roundHalfEven(w / lo);
  else if (inRatio > hi) w = roundHalfEven(h * hi);
  return {
    top: Math.floor((height - h) / 2),
    left: Math.floor((width - w) / 2),
    height: h,
    width: w,
  };
}

/**
 * `Resize(size)` with one int: the shorter side becomes `size`, the longer
 * `int(size · long / short)` (truncated, as torchvision does). Returns `[width, height]`.
 *
 * @example
 * ```ts
 * import { resizeShorterSide } from "@ovsw/data";
 * console.log(resizeShorterSide(500, 375, 256)); // [341, 256]
 * ```
 */
export function resizeShorterSide(width: number, height: number, size: number): [number, number] {
  const [short, long] = width <= height ? [width, height] : [height, width];
  const newLong = Math.trunc((size * long) / short);
  return width <= height ? [size, newLong] : [newLong, size];
}

/**
 * `CenterCrop(size)` of a `width`×`height` image no smaller than the crop: offsets
 * `int(round((H − size) / 2))` and `int(round((W − size) / 2))`, halves to even.
 *
 * @example
 * ```ts
 * import { centerCropBox } from "@ovsw/data";
 * console.log(centerCropBox(341, 256, 224)); // { top: 16, left: 58, height: 224, width: 224 }
 * ```
 */
export function centerCropBox(width: number, height: number, size: number): CropBox {
  if (size > width || size > height) {
    throw new RangeError(`centre crop ${size} is larger than the ${width}×${height} image`);
  }
  return {
    top: roundHalfEven((height - size) / 2),
    left: roundHalfEven((width - size) / 2),
    height: size,
    width: size,
  };
}
