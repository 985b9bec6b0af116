/**
 * Encoders of the CIFAR binary formats, for tests and fixtures (the inverse of `cifar.ts`).
 *
 * @module
 */
import { type Cifar100Records, type Cifar10Records, CIFAR_IMAGE_BYTES } from "./cifar.ts";

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
 * import { encodeCifar10 } from "./_cifar_encode.ts";
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
 * import { encodeCifar100 } from "./_cifar_encode.ts";
 * const r = { images: new Uint8Array(3072), coarse: new Uint8Array(1), fine: new Uint8Array(1) };
 * console.log(encodeCifar100(r).length); // 3074
 * ```
 */
export function encodeCifar100(records: Cifar100Records): Uint8Array {
  return joinRecords(records.images, [records.coarse, records.fine]);
}
