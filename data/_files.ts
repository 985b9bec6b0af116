/**
 * Reading dataset files from disk, with gzip detected by its magic bytes.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { DatasetError } from "./errors.ts";

/**
 * Reads a whole file, turning "not found" and permission problems into a
 * {@link DatasetError} that names the file.
 *
 * @example
 * ```ts
 * import { readDataFile } from "./_files.ts";
 * const bytes = await readDataFile("README.md").catch(() => new Uint8Array());
 * console.log(bytes.length >= 0); // true
 * ```
 */
export async function readDataFile(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new DatasetError(path, "file not found");
    if (e instanceof Deno.errors.PermissionDenied) {
      throw new DatasetError(path, "permission denied (run with --allow-read)");
    }
    if (e instanceof Deno.errors.IsADirectory) {
      throw new DatasetError(path, "is a directory, expected a file");
    }
    throw new DatasetError(path, `cannot read: ${(e as Error).message}`, { cause: e });
  }
}

/** Whether bytes start with the gzip magic number 1f 8b. */
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip data (raw data passes through unchanged). A truncated or corrupt stream
 * throws a {@link DatasetError} naming `file`.
 *
 * @example
 * ```ts
 * import { gzipSync } from "node:zlib";
 * import { maybeGunzip } from "./_files.ts";
 * const packed = new Uint8Array(gzipSync(new Uint8Array([1, 2, 3])));
 * console.log(maybeGunzip(packed, "x.gz")); // Uint8Array [1, 2, 3]
 * ```
 */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    const msg = (e as Error).message;
    const what = /unexpected end|end of file|truncat/i.test(msg)
      ? "truncated gzip stream (the file is incomplete; download it again)"
      : `corrupt gzip data (${msg})`;
    throw new DatasetError(file, what, { cause: e });
  }
}

/**
 * Reads a file and decompresses it if it is gzip.
 *
 * @example
 * ```ts
 * import { readMaybeGzip } from "./_files.ts";
 * const bytes = await readMaybeGzip("deno.json");
 * console.log(bytes[0] === "{".charCodeAt(0)); // true
 * ```
 */
export async function readMaybeGzip(path: string): Promise<Uint8Array> {
  return maybeGunzip(await readDataFile(path), path);
}
