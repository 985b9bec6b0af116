/**
 * The CIFAR-10 and CIFAR-100 binary formats. Each record is the label byte(s) followed by a
 * 32×32 RGB image as three 1024-byte planes (red, green, blue), rows top to bottom. CIFAR-10
 * has one label byte (0–9); CIFAR-100 has a coarse (0–19) then a fine (0–99) label byte.
 *
 * @module
 */
import { DatasetError } from "./errors.ts";

/** Bytes of one CIFAR image (3 × 32 × 32). */
export const CIFAR_IMAGE_BYTES = 3 * 32 * 32;

/** Images and labels decoded from CIFAR-10 binary data. */
export interface Cifar10Records {
  /** Pixels, NCHW, 3×32×32 per image. */
  images: Uint8Array;
  /** Class 0–9 per image. */
  labels: Uint8Array;
}

/** Images and both label sets decoded from CIFAR-100 binary data. */
export interface Cifar100Records {
  /** Pixels, NCHW, 3×32×32 per image. */
  images: Uint8Array;
  /** Superclass 0–19 per image. */
  coarse: Uint8Array;
  /** Class 0–99 per image. */
  fine: Uint8Array;
}

function splitRecords(
  bytes: Uint8Array,
  file: string,
  labelBytes: number,
  limits: number[],
  format: string,
): { images: Uint8Array; labels: Uint8Array[] } {
  const rec = labelBytes + CIFAR_IMAGE_BYTES;
  if (bytes.length === 0) throw new DatasetError(file, `empty file, expected ${format} records`);
  if (bytes.length % rec !== 0) {
    throw new DatasetError(
      file,
      `truncated or not ${format}: ${bytes.length} bytes is not a whole number of ` +
        `${rec}-byte records (${Math.floor(bytes.length / rec)} records + ` +
        `${bytes.length % rec} bytes)`,
    );
  }
  const n = bytes.length / rec;
  const images = new Uint8Array(n * CIFAR_IMAGE_BYTES);
  const labels = limits.map(() => new Uint8Array(n));
  for (let i = 0; i < n; i++) {
    const at = i * rec;
    for (let k = 0; k < labelBytes; k++) {
      const l = bytes[at + k];
      if (l >= limits[k]) {
        throw new DatasetError(
          file,
          `label byte ${k} of record ${i} is ${l}, outside 0–${limits[k] - 1}: corrupt file ` +
            `or not ${format}`,
        );
      }
      labels[k][i] = l;
    }
    images.set(bytes.subarray(at + labelBytes, at + rec), i * CIFAR_IMAGE_BYTES);
  }
  return { images, labels };
}

/**
 * Decodes a CIFAR-10 binary batch (`data_batch_N.bin`, `test_batch.bin`).
 *
 * @example
 * ```ts
 * import { decodeCifar10, encodeCifar10 } from "@ovsw/data";
 * const bytes = encodeCifar10({ images: new Uint8Array(3072), labels: new Uint8Array([4]) });
 * console.log(decodeCifar10(bytes, "b.bin").labels); // Uint8Array [4]
 * ```
 */
export function decodeCifar10(bytes: Uint8Array, file: string): Cifar10Records {
  const { images, labels } = splitRecords(bytes, file, 1, [10], "CIFAR-10 binary");
  return { images, labels: labels[0] };
}

/**
 * Decodes a CIFAR-100 binary file (`train.bin`, `test.bin`).
 *
 * @example
 * ```ts
 * import { decodeCifar100, encodeCifar100 } from "@ovsw/data";
 * const bytes = encodeCifar100({
 *   images: new Uint8Array(3072), coarse: new Uint8Array([3]), fine: new Uint8Array([42]),
 * });
 * console.log(decodeCifar100(bytes, "t.bin").fine); // Uint8Array [42]
 * ```
 */
export function decodeCifar100(bytes: Uint8Array, file: string): Cifar100Records {
  const { images, labels } = splitRecords(bytes, file, 2, [20, 100], "CIFAR-100 binary");
  return { images, coarse: labels[0], fine: labels[1] };
}

function joinRecords(images: Uint8Array, labels: Uint8Array[]): Uint8Array {
  const n = labels[0].length;
  if (images.length !== n * CIFAR_IMAGE_BYTES) {
    throw new RangeError(`CIFAR encode: ${images.length} pixel bytes for ${n} labels`);
  }
  const rec = labels.length + CIFAR_IMAGE_BYTES;
  const out = new Uint8Array(n * rec);
  for (let i = 0; i < n; i++) {
    labels.forEach((l, k) => out[i * rec + k] = l[i]);
    out.set(
      images.subarray(i * CIFAR_IMAGE_BYTES, (i + 1) * CIFAR_IMAGE_BYTES),
      i * rec + labels.length,
    );
  }
  return out;
}

/**
 * Encodes images and labels as CIFAR-10 binary records (for tests and tools).
 *
 * @example
 * ```ts
 * import { encodeCifar10 } from "@ovsw/data";
 * console.log(encodeCifar10({ images: new Uint8Array(3072), labels: new Uint8Array(1) }).length); // 3073
 * ```
 */
export function encodeCifar10(records: Cifar10Records): Uint8Array {
  return joinRecords(records.images, [records.labels]);
}

/**
 * Encodes images with coarse and fine labels as CIFAR-100 binary records.
 *
 * @example
 * ```ts
 * import { encodeCifar100 } from "@ovsw/data";
 * const r = { images: new Uint8Array(3072), coarse: new Uint8Array(1), fine: new Uint8Array(1) };
 * console.log(encodeCifar100(r).length); // 3074
 * ```
 */
export function encodeCifar100(records: Cifar100Records): Uint8Array {
  return joinRecords(records.images, [records.coarse, records.fine]);
}
