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
 * import { decodeCifar10 } from "@ovsw/data";
 * const record = new Uint8Array(1 + 3072); // label byte, then the red, green, blue planes
 * record[0] = 4;
 * console.log(decodeCifar10(record, "b.bin").labels); // Uint8Array [4]
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
 * import { decodeCifar100 } from "@ovsw/data";
 * const record = new Uint8Array(2 + 3072); // coarse and fine label bytes, then the image
 * record.set([3, 42]);
 * console.log(decodeCifar100(record, "t.bin").fine); // Uint8Array [42]
 * ```
 */
export function decodeCifar100(bytes: Uint8Array, file: string): Cifar100Records {
  const { images, labels } = splitRecords(bytes, file, 2, [20, 100], "CIFAR-100 binary");
  return { images, coarse: labels[0], fine: labels[1] };
}
