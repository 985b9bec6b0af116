/**
 * The test images embedded in the page (`test_images.bin`): u32 count, u32 channels, u32
 * height, u32 width (little-endian), `count` label bytes, then the pixels (u8, NCHW).
 *
 * @module
 */

/** Images with labels. */
export interface TestImages {
  /** Number of images. */
  count: number;
  /** `[C, H, W]` of one image. */
  shape: [number, number, number];
  /** One class index per image. */
  labels: Uint8Array;
  /** Pixels, NCHW, 0–255. */
  pixels: Uint8Array;
}

/**
 * Encodes images for the page.
 *
 * @example
 * ```ts
 * import { decodeTestImages, encodeTestImages } from "./test_images.ts";
 * const bytes = encodeTestImages({
 *   count: 1, shape: [1, 1, 2], labels: new Uint8Array([3]), pixels: new Uint8Array([0, 255]),
 * });
 * console.log(decodeTestImages(bytes).labels); // Uint8Array [3]
 * ```
 */
export function encodeTestImages(t: TestImages): Uint8Array {
  const out = new Uint8Array(16 + t.count + t.pixels.length);
  const dv = new DataView(out.buffer);
  [t.count, ...t.shape].forEach((v, i) => dv.setUint32(4 * i, v, true));
  out.set(t.labels, 16);
  out.set(t.pixels, 16 + t.count);
  return out;
}

/** Decodes `test_images.bin`; a size mismatch is one clear error. */
export function decodeTestImages(bytes: Uint8Array): TestImages {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [count, c, h, w] = [0, 1, 2, 3].map((i) => dv.getUint32(4 * i, true));
  if (bytes.length !== 16 + count * (1 + c * h * w)) {
    throw new RangeError(`test_images.bin: ${bytes.length} bytes do not hold ${count} images`);
  }
  return {
    count,
    shape: [c, h, w],
    labels: bytes.slice(16, 16 + count),
    pixels: bytes.slice(16 + count),
  };
}
