/**
 * Pillow's antialiased bilinear resize (`Image.resize(size, BILINEAR)`, what torchvision's
 * `Resize` and `RandomResizedCrop` call on PIL images), ported from Pillow's `Resample.c`:
 * a triangle filter whose support grows with the downscale factor, coefficients normalised and
 * rounded to 22-bit fixed point, a horizontal pass then a vertical pass, each rounded and
 * clipped to 0–255. The result is written as planar (CHW) bytes, optionally mirrored.
 *
 * @module
 */
import type { CropBox } from "./crop_params.ts";

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);

/** Per output index: first source index, tap count, and `ksize` fixed-point weights. */
interface Coefficients {
  first: Int32Array;
  taps: Int32Array;
  weights: Int32Array;
  ksize: number;
}

/**
 * Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for resizing `inSize` pixels to
 * `outSize`, for the output indices `from … from + count − 1`.
 */
function coefficients(inSize: number, outSize: number, from: number, count: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the bilinear filter's support is 1
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(count);
  const taps = new Int32Array(count);
  const weights = new Int32Array(count * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let o = 0; o < count; o++) {
    const center = (from + o + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      const d = Math.abs((x + xmin - center + 0.5) * ss);
      k[x] = d < 1 ? 1 - d : 0;
      sum += k[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum !== 0 ? k[x] / sum : k[x];
      weights[o * ksize + x] = Math.trunc(
        w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS),
      );
    }
    first[o] = xmin;
    taps[o] = xmax;
  }
  return { first, taps, weights, ksize };
}

function clip8(v: number): number {
  if (v >= 255 << PRECISION_BITS) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

/** Where and how one image is resampled: see {@link resampleToPlanar}. */
export interface ResampleSpec {
  /** The integer crop of the source that is resized (the whole image for `Resize`). */
  source: CropBox;
  /** Width of the resized image. */
  outWidth: number;
  /** Height of the resized image. */
  outHeight: number;
  /** The part of the resized image that is kept (all of it for `RandomResizedCrop`). */
  window: CropBox;
  /** Mirror the kept window left–right. */
  flip: boolean;
}

/**
 * Resizes the `source` crop of an interleaved RGB image (`srcWidth` pixels per row) to
 * `outWidth`×`outHeight` exactly as Pillow's bilinear resize of the cropped image does, keeps
 * `window` of the result (torchvision's `CenterCrop` after `Resize`; each output pixel depends
 * only on its own coefficients, so only the window is computed), mirrors it when `flip`, and
 * writes it as three planes of `window.height × window.width` bytes at `dst[dstAt]`.
 *
 * @example
 * ```ts
 * import { resampleToPlanar } from "@ovsw/data";
 * const rgb = new Uint8Array([0, 0, 0, 255, 255, 255]); // 2×1 pixels: black, white
 * const out = new Uint8Array(3);
 * const all = { top: 0, left: 0, height: 1, width: 2 };
 * resampleToPlanar(rgb, 2, {
 *   source: all, outWidth: 1, outHeight: 1,
 *   window: { top: 0, left: 0, height: 1, width: 1 }, flip: false,
 * }, out, 0);
 * console.log(out); // Uint8Array(3) [ 128, 128, 128 ]
 * ```
 */
export function resampleToPlanar(
  rgb: Uint8Array,
  srcWidth: number,
  spec: ResampleSpec,
  dst: Uint8Array,
  dstAt: number,
): void {
  const { source: src, outWidth, outHeight, window: win, flip } = spec;
  if (
    win.left < 0 || win.top < 0 || win.left + win.width > outWidth ||
    win.top + win.height > outHeight
  ) {
    throw new RangeError(
      `window ${win.width}×${win.height}+${win.left}+${win.top} is outside the ` +
        `${outWidth}×${outHeight} resized image`,
    );
  }
  const W = win.width;
  const H = win.height;
  const plane = W * H;
  // Vertical coefficients decide which source rows the horizontal pass must produce.
  const needV = outHeight !== src.height;
  const needH = outWidth !== src.width;
  const cv = coefficients(src.height, outHeight, win.top, H);
  const rowFirst = needV ? cv.first[0] : win.top;
  const rowEnd = needV ? cv.first[H - 1] + cv.taps[H - 1] : win.top + H;
  const rows = rowEnd - rowFirst;
  // Horizontal pass → rows × W interleaved RGB (Pillow's temporary image, cut to the window).
  const tmp = new Uint8Array(rows * W * 3);
  if (needH) {
    const ch = coefficients(src.width, outWidth, win.left, W);
    for (let r = 0; r < rows; r++) {
      const srow = ((src.top + rowFirst + r) * srcWidth + src.left) * 3;
      const trow = r * W * 3;
      for (let x = 0; x < W; x++) {
        const k0 = x * ch.ksize;
        const n = ch.taps[x];
        let p = srow + ch.first[x] * 3;
        let s0 = HALF, s1 = HALF, s2 = HALF;
        for (let t = 0; t < n; t++, p += 3) {
          const w = ch.weights[k0 + t];
          s0 += rgb[p] * w;
          s1 += rgb[p + 1] * w;
          s2 += rgb[p + 2] * w;
        }
        const q = trow + x * 3;
        tmp[q] = clip8(s0);
        tmp[q + 1] = clip8(s1);
        tmp[q + 2] = clip8(s2);
      }
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const s = ((src.top + rowFirst + r) * srcWidth + src.left + win.left) * 3;
      tmp.set(rgb.subarray(s, s + W * 3), r * W * 3);
    }
  }
  // Vertical pass → planar output, mirrored when asked.
  for (let y = 0; y < H; y++) {
    const drow = dstAt + y * W;
    if (!needV) {
      const trow = (y + win.top - rowFirst) * W * 3;
      for (let x = 0; x < W; x++) {
        const d = drow + (flip ? W - 1 - x : x);
        const q = trow + x * 3;
        dst[d] = tmp[q];
        dst[d + plane] = tmp[q + 1];
        dst[d + 2 * plane] = tmp[q + 2];
      }
      continue;
    }
    const k0 = y * cv.ksize;
    const n = cv.taps[y];
    const base = (cv.first[y] - rowFirst) * W * 3;
    for (let x = 0; x < W; x++) {
      let p = base + x * 3;
      let s0 = HALF, s1 = HALF, s2 = HALF;
      for (let t = 0; t < n; t++, p += W * 3) {
        const w = cv.weights[k0 + t];
        s0 += tmp[p] * w;
        s1 += tmp[p + 1] * w;
        s2 += tmp[p + 2] * w;
      }
      const d = drow + (flip ? W - 1 - x : x);
      dst[d] = clip8(s0);
      dst[d + plane] = clip8(s1);
      dst[d + 2 * plane] = clip8(s2);
    }
  }
}
