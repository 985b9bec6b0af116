/**
 * Per-image preprocessing on the CPU: normalisation through a lookup table, and the random crop
 * with zero padding plus horizontal flip of docs/method.md §9.2 (RandomCrop(32, padding=4) →
 * RandomHorizontalFlip → ToTensor → Normalize), written straight into the batch buffer.
 *
 * @module
 */
import type { Prng } from "@ovsw/init";
import type { Normalization } from "./specs.ts";

/** One image's random crop offset (in the padded image) and flip. */
export interface CropFlip {
  /** Row offset of the crop in the padded image, 0…2·pad. */
  dy: number;
  /** Column offset of the crop in the padded image, 0…2·pad. */
  dx: number;
  /** Whether the crop is mirrored left–right. */
  flip: boolean;
}

/**
 * A table of `(v / 255 − mean[c]) / std[c]` for every channel c and byte v (256 × channels).
 *
 * @example
 * ```ts
 * import { normalizationTable } from "./_augment.ts";
 * const t = normalizationTable({ mean: [0.5], std: [0.5] }, 1);
 * console.log(t[0], t[255]); // -1 1
 * ```
 */
export function normalizationTable(norm: Normalization, channels: number): Float32Array {
  if (norm.mean.length !== channels || norm.std.length !== channels) {
    throw new RangeError(
      `normalisation has ${norm.mean.length} means and ${norm.std.length} stds for ` +
        `${channels}-channel images`,
    );
  }
  const t = new Float32Array(256 * channels);
  for (let c = 0; c < channels; c++) {
    if (!(norm.std[c] > 0)) throw new RangeError(`normalisation std[${c}] must be > 0`);
    for (let v = 0; v < 256; v++) t[c * 256 + v] = (v / 255 - norm.mean[c]) / norm.std[c];
  }
  return t;
}

/**
 * Draws one image's crop offsets and flip: `dy`, `dx` uniform in 0…2·pad, then a fair coin.
 *
 * @example
 * ```ts
 * import { Prng } from "@ovsw/init";
 * import { drawCropFlip } from "./_augment.ts";
 * console.log(drawCropFlip(new Prng(1), 4));
 * ```
 */
export function drawCropFlip(rng: Prng, pad: number): CropFlip {
  const dy = rng.int(2 * pad + 1);
  const dx = rng.int(2 * pad + 1);
  const flip = rng.uniform() < 0.5;
  return { dy, dx, flip };
}

/**
 * Writes one normalised image (C×H×W bytes at `src[srcAt]`) into `dst[dstAt]`, optionally
 * cropped from the zero-padded image and flipped: output pixel (y, x) takes source pixel
 * (y + dy − pad, W − 1 − x + dx − pad) when flipped, (y + dy − pad, x + dx − pad) otherwise, and
 * the value of a zero byte outside the image.
 *
 * @example
 * ```ts
 * import { normalizationTable, writeImage } from "./_augment.ts";
 * const lut = normalizationTable({ mean: [0], std: [1] }, 1);
 * const out = new Float32Array(4);
 * writeImage(new Uint8Array([0, 255, 0, 255]), 0, out, 0, [1, 2, 2], lut,
 *   { dy: 1, dx: 1, flip: true }, 1);
 * console.log(out); // [1, 0, 1, 0]
 * ```
 */
export function writeImage(
  src: Uint8Array,
  srcAt: number,
  dst: Float32Array,
  dstAt: number,
  shape: readonly [number, number, number],
  lut: Float32Array,
  crop?: CropFlip,
  pad = 0,
): void {
  const [C, H, W] = shape;
  if (!crop) {
    const plane = H * W;
    for (let c = 0; c < C; c++) {
      const base = c * 256;
      const s = srcAt + c * plane;
      const d = dstAt + c * plane;
      for (let i = 0; i < plane; i++) dst[d + i] = lut[base + src[s + i]];
    }
    return;
  }
  const { dy, dx, flip } = crop;
  const oy = dy - pad;
  const ox = dx - pad;
  for (let c = 0; c < C; c++) {
    const base = c * 256;
    const zero = lut[base];
    const splane = srcAt + c * H * W;
    const dplane = dstAt + c * H * W;
    for (let y = 0; y < H; y++) {
      const sy = y + oy;
      const drow = dplane + y * W;
      if (sy < 0 || sy >= H) {
        dst.fill(zero, drow, drow + W);
        continue;
      }
      const srow = splane + sy * W;
      if (flip) {
        for (let x = 0; x < W; x++) {
          const sx = W - 1 - x + ox;
          dst[drow + x] = sx >= 0 && sx < W ? lut[base + src[srow + sx]] : zero;
        }
      } else {
        for (let x = 0; x < W; x++) {
          const sx = x + ox;
          dst[drow + x] = sx >= 0 && sx < W ? lut[base + src[srow + sx]] : zero;
        }
      }
    }
  }
}
