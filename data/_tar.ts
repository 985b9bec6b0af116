/**
 * A minimal reader and writer for (ustar / GNU) tar archives, enough for the CIFAR downloads:
 * regular files and directories; long GNU names; links and other entries are skipped.
 *
 * @module
 */
import { DatasetError } from "./errors.ts";

/** A regular file inside a tar archive. */
export interface TarEntry {
  /** Path inside the archive, `/`-separated. */
  name: string;
  /** File contents. */
  data: Uint8Array;
}

const dec = new TextDecoder();

function cstr(b: Uint8Array, at: number, len: number): string {
  const s = b.subarray(at, at + len);
  const end = s.indexOf(0);
  return dec.decode(end < 0 ? s : s.subarray(0, end));
}

function octal(b: Uint8Array, at: number, len: number): number {
  const s = cstr(b, at, len).trim();
  return s === "" ? 0 : parseInt(s, 8);
}

/**
 * Lists the regular files of a tar archive (not compressed). A corrupt header or a truncated
 * archive throws a {@link DatasetError} naming `file`; unsafe paths (absolute, or with `..`)
 * are refused.
 *
 * @example
 * ```ts
 * import { encodeTar, readTar } from "./_tar.ts";
 * const tar = encodeTar([{ name: "d/a.bin", data: new Uint8Array([1, 2]) }]);
 * console.log(readTar(tar, "x.tar")[0].name); // d/a.bin
 * ```
 */
export function readTar(bytes: Uint8Array, file: string): TarEntry[] {
  const out: TarEntry[] = [];
  let at = 0;
  let longName: string | null = null;
  while (at + 512 <= bytes.length) {
    const h = bytes.subarray(at, at + 512);
    if (h.every((v) => v === 0)) return out;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    const stored = octal(h, 148, 8);
    if (stored !== sum) {
      throw new DatasetError(file, `corrupt tar header at byte ${at} (bad header checksum)`);
    }
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156] || 48);
    const ustar = cstr(h, 257, 6).startsWith("ustar");
    const prefix = ustar ? cstr(h, 345, 155) : "";
    const name = longName ?? (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
    longName = null;
    at += 512;
    if (at + size > bytes.length) {
      throw new DatasetError(
        file,
        `truncated tar archive: entry ${name} needs ${size} bytes, ${bytes.length - at} left`,
      );
    }
    const data = bytes.subarray(at, at + size);
    at += Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = cstr(data, 0, data.length);
      continue;
    }
    if (type !== "0" && type !== "7") continue;
    if (name.startsWith("/") || name.split("/").includes("..")) {
      throw new DatasetError(file, `refusing unsafe path ${name} in the archive`);
    }
    out.push({ name, data });
  }
  throw new DatasetError(file, "truncated tar archive: no end-of-archive marker");
}

function putStr(h: Uint8Array, at: number, s: string): void {
  h.set(new TextEncoder().encode(s), at);
}

/**
 * Writes regular files as a ustar archive (names up to 100 bytes).
 *
 * @example
 * ```ts
 * import { encodeTar } from "./_tar.ts";
 * console.log(encodeTar([{ name: "a", data: new Uint8Array(1) }]).length); // 2048
 * ```
 */
export function encodeTar(entries: readonly TarEntry[]): Uint8Array {
  const blocks = entries.reduce((a, e) => a + 1 + Math.ceil(e.data.length / 512), 2);
  const out = new Uint8Array(blocks * 512);
  let at = 0;
  for (const e of entries) {
    if (e.name.length > 100) throw new RangeError(`tar name too long: ${e.name}`);
    const h = out.subarray(at, at + 512);
    putStr(h, 0, e.name);
    putStr(h, 100, "0000644\0");
    putStr(h, 108, "0000000\0");
    putStr(h, 116, "0000000\0");
    putStr(h, 124, e.data.length.toString(8).padStart(11, "0") + "\0");
    putStr(h, 136, "00000000000\0");
    h[156] = 48;
    putStr(h, 257, "ustar\0");
    putStr(h, 263, "00");
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    putStr(h, 148, sum.toString(8).padStart(6, "0") + "\0 ");
    out.set(e.data, at + 512);
    at += 512 + Math.ceil(e.data.length / 512) * 512;
  }
  return out;
}
