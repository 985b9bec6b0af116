/**
 * The IDX format of MNIST and Fashion-MNIST: a magic number (two zero bytes, a type byte and a
 * dimension count), big-endian u32 dimension sizes, then the data. Only unsigned bytes
 * (type 0x08) are used by these datasets, and only those are supported.
 *
 * @module
 */
import { DatasetError } from "./errors.ts";

/** A decoded IDX array of unsigned bytes. */
export interface IdxArray {
  /** Dimension sizes, outermost first. */
  dims: number[];
  /** The data, row-major. */
  data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "short",
  0x0c: "int",
  0x0d: "float",
  0x0e: "double",
};

/**
 * Decodes IDX bytes (already decompressed). Throws a {@link DatasetError} naming `file` on a
 * wrong magic number, an unsupported type, or a data size that disagrees with the header.
 *
 * @example
 * ```ts
 * import { decodeIdx, encodeIdx } from "@ovsw/data";
 * const bytes = encodeIdx(new Uint8Array([1, 2, 3, 4]), [2, 2]);
 * console.log(decodeIdx(bytes, "x.idx").dims); // [2, 2]
 * ```
 */
export function decodeIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) {
    throw new DatasetError(file, `too short for an IDX header (${bytes.length} bytes)`);
  }
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const hex = "0x" + magic.toString(16).padStart(8, "0");
  if (bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2] in TYPE_NAMES) || bytes[3] === 0) {
    throw new DatasetError(
      file,
      `wrong magic number ${hex}: not an IDX file (expected 0x00000801 for labels or ` +
        `0x00000803 for images)`,
    );
  }
  if (bytes[2] !== 0x08) {
    throw new DatasetError(
      file,
      `IDX element type ${TYPE_NAMES[bytes[2]]} (magic ${hex}) is not supported; ` +
        `only unsigned byte (0x08) is`,
    );
  }
  const ndim = bytes[3];
  const header = 4 + 4 * ndim;
  if (bytes.length < header) {
    throw new DatasetError(
      file,
      `truncated IDX header: ${ndim} dimensions need ${header} bytes, file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  const have = bytes.length - header;
  if (have < size) {
    throw new DatasetError(
      file,
      `truncated: the header says ${dims.join("×")} = ${size} data bytes but only ${have} ` +
        `are present`,
    );
  }
  if (have > size) {
    throw new DatasetError(
      file,
      `${have - size} unexpected bytes after the ${dims.join("×")} data (corrupt header?)`,
    );
  }
  return { dims, data: bytes.subarray(header) };
}

/**
 * Encodes unsigned bytes as an IDX file with the given dimensions.
 *
 * @example
 * ```ts
 * import { encodeIdx } from "@ovsw/data";
 * console.log(encodeIdx(new Uint8Array([7]), [1]).length); // 9
 * ```
 */
export function encodeIdx(data: Uint8Array, dims: readonly number[]): Uint8Array {
  const size = dims.reduce((a, d) => a * d, 1);
  if (size !== data.length) {
    throw new RangeError(`encodeIdx: ${data.length} bytes do not fit dims [${dims.join(", ")}]`);
  }
  if (dims.length < 1 || dims.length > 255) {
    throw new RangeError(`encodeIdx: ${dims.length} dimensions (1–255 allowed)`);
  }
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + size);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, header);
  return out;
}

/**
 * Decodes an IDX image file: three dimensions `[count, height, width]`. With `expect`, a
 * different image size throws a {@link DatasetError}.
 *
 * @example
 * ```ts
 * import { decodeIdxImages, encodeIdx } from "@ovsw/data";
 * const bytes = encodeIdx(new Uint8Array(2 * 3 * 3), [2, 3, 3]);
 * console.log(decodeIdxImages(bytes, "img.idx").count); // 2
 * ```
 */
export function decodeIdxImages(
  bytes: Uint8Array,
  file: string,
  expect?: { height: number; width: number },
): { count: number; height: number; width: number; pixels: Uint8Array } {
  const { dims, data } = decodeIdx(bytes, file);
  if (dims.length !== 3) {
    throw new DatasetError(
      file,
      `expected an image file with 3 dimensions [count, height, width], found ` +
        `${dims.length} dimension(s) [${dims.join(", ")}]` +
        (dims.length === 1 ? " (is this a label file?)" : ""),
    );
  }
  const [count, height, width] = dims;
  if (expect && (height !== expect.height || width !== expect.width)) {
    throw new DatasetError(
      file,
      `wrong image dimensions ${height}×${width}, expected ${expect.height}×${expect.width}`,
    );
  }
  return { count, height, width, pixels: data };
}

/**
 * Decodes an IDX label file: one dimension `[count]`.
 *
 * @example
 * ```ts
 * import { decodeIdxLabels, encodeIdx } from "@ovsw/data";
 * console.log(decodeIdxLabels(encodeIdx(new Uint8Array([3, 1]), [2]), "l.idx")); // Uint8Array [3, 1]
 * ```
 */
export function decodeIdxLabels(bytes: Uint8Array, file: string): Uint8Array {
  const { dims, data } = decodeIdx(bytes, file);
  if (dims.length !== 1) {
    throw new DatasetError(
      file,
      `expected a label file with 1 dimension [count], found ${dims.length} ` +
        `dimensions [${dims.join(", ")}]` + (dims.length === 3 ? " (is this an image file?)" : ""),
    );
  }
  return data;
}
