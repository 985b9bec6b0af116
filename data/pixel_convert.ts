/**
 * Pillow's conversions to RGB (`Image.convert("RGB")`), which torchvision's `ImageFolder`
 * loader applies to every image: grey, grey + alpha, RGBA and CMYK.
 *
 * @module
 */

/** Pillow's `MULDIV255`: `a·b/255` rounded, in integers. */
function mulDiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

/**
 * Pillow's `cmyk2rgb` on `n` interleaved CMYK pixels: `channel = (255 − K) − C·(255 − K)/255`.
 *
 * @example
 * ```ts
 * import { cmykToRgb } from "@ovsw/data";
 * console.log(cmykToRgb(new Uint8Array([0, 255, 128, 55]), 1)); // Uint8Array(3) [ 200, 0, 100 ]
 * ```
 */
export function cmykToRgb(cmyk: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const nk = 255 - cmyk[i * 4 + 3];
    for (let c = 0; c < 3; c++) out[i * 3 + c] = nk - mulDiv255(cmyk[i * 4 + c], nk);
  }
  return out;
}

/**
 * Pillow's `convert("RGB")` of `n` interleaved 8-bit pixels with 1 (grey), 2 (grey + alpha),
 * 3 (RGB) or 4 (RGBA) channels: grey is copied to R, G and B, alpha is dropped.
 *
 * @example
 * ```ts
 * import { toRgb } from "@ovsw/data";
 * console.log(toRgb(new Uint8Array([7, 0]), 1, 2)); // Uint8Array(3) [ 7, 7, 7 ]
 * ```
 */
export function toRgb(data: Uint8Array, n: number, channels: number): Uint8Array {
  if (channels === 3) return data;
  const out = new Uint8Array(n * 3);
  if (channels === 1 || channels === 2) {
    for (let i = 0; i < n; i++) out.fill(data[i * channels], i * 3, i * 3 + 3);
  } else {
    for (let i = 0; i < n; i++) {
      out[i * 3] = data[i * channels];
      out[i * 3 + 1] = data[i * channels + 1];
      out[i * 3 + 2] = data[i * channels + 2];
    }
  }
  return out;
}
