/**
 * The safetensors file format (Hugging Face): an 8-byte little-endian header length, a JSON
 * header `{name: {dtype, shape, data_offsets}, __metadata__?}` padded with spaces to a multiple
 * of 8 bytes, then the little-endian, row-major tensor bytes. Files written here load with
 * `safetensors.torch.load_file` and any other safetensors reader; the layout follows the
 * reference serializer (tensors sorted by descending dtype alignment, then name).
 *
 * @module
 */

/** Element types of the safetensors format. */
export type SafeDType =
  | "BOOL"
  | "U8"
  | "I8"
  | "I16"
  | "U16"
  | "F16"
  | "BF16"
  | "I32"
  | "U32"
  | "F32"
  | "F64"
  | "I64"
  | "U64";

/** The order of the reference implementation's dtype enum (increasing alignment). */
const DTYPE_ORDER: readonly SafeDType[] = [
  "BOOL",
  "U8",
  "I8",
  "I16",
  "U16",
  "F16",
  "BF16",
  "I32",
  "U32",
  "F32",
  "F64",
  "I64",
  "U64",
];

const DTYPE_SIZE: Record<SafeDType, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** Typed-array views of each dtype's elements (16-bit floats as raw `Uint16Array` bits). */
export type SafeArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** One tensor: dtype, shape and elements. */
export interface SafeTensor {
  /** Element type. */
  dtype: SafeDType;
  /** Dimensions, outermost first (`[]` for a scalar). */
  shape: number[];
  /** Elements in row-major order. */
  data: SafeArray;
}

/** A decoded file: tensors by name (in file order) and the optional string metadata. */
export interface SafeFile {
  /** Tensors by name. */
  tensors: Map<string, SafeTensor>;
  /** The `__metadata__` map, if present. */
  metadata: Record<string, string> | null;
}

/** A malformed safetensors file; the message names the file and what is wrong. */
export class SafetensorsError extends Error {
  /**
   * Creates the error.
   *
   * @example
   * ```ts
   * import { SafetensorsError } from "@ovsw/train";
   * console.log(new SafetensorsError("w.safetensors: truncated").name);
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "SafetensorsError";
  }
}

const MAX_HEADER = 100_000_000;

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function arrayFor(dtype: SafeDType, bytes: Uint8Array): SafeArray {
  // Copy into a fresh, aligned buffer so the typed view is valid whatever the file offset.
  const buf = bytes.slice().buffer;
  switch (dtype) {
    case "BOOL":
    case "U8":
      return new Uint8Array(buf);
    case "I8":
      return new Int8Array(buf);
    case "I16":
      return new Int16Array(buf);
    case "U16":
    case "F16":
    case "BF16":
      return new Uint16Array(buf);
    case "I32":
      return new Int32Array(buf);
    case "U32":
      return new Uint32Array(buf);
    case "F32":
      return new Float32Array(buf);
    case "F64":
      return new Float64Array(buf);
    case "I64":
      return new BigInt64Array(buf);
    case "U64":
      return new BigUint64Array(buf);
  }
}

function expectedArray(dtype: SafeDType): string {
  return arrayFor(dtype, new Uint8Array(0)).constructor.name;
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("safetensors: this code assumes a little-endian host");
}

/**
 * Serialises tensors (and optional string metadata) to safetensors bytes.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "@ovsw/train";
 * const bytes = encodeSafetensors({
 *   "conv.weight": { dtype: "F32", shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
 * }, { format: "pt" });
 * console.log(decodeSafetensors(bytes).tensors.get("conv.weight")!.shape); // [2, 2]
 * ```
 */
export function encodeSafetensors(
  tensors: Record<string, SafeTensor> | Map<string, SafeTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === "__metadata__") throw new SafetensorsError(`"__metadata__" is not a tensor name`);
    if (!(t.dtype in DTYPE_SIZE)) {
      throw new SafetensorsError(`tensor ${name}: unknown dtype ${t.dtype}`);
    }
    const n = elementCount(t.shape);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(`tensor ${name}: invalid shape [${t.shape.join(", ")}]`);
    }
    if (t.data.length !== n || t.data.BYTES_PER_ELEMENT !== DTYPE_SIZE[t.dtype]) {
      throw new SafetensorsError(
        `tensor ${name}: ${t.data.length} ${t.data.constructor.name} elements do not match ` +
          `${t.dtype} [${t.shape.join(", ")}] (expected ${n} as ${expectedArray(t.dtype)})`,
      );
    }
  }
  entries.sort(([an, a], [bn, b]) => {
    const byType = DTYPE_ORDER.indexOf(b.dtype) - DTYPE_ORDER.indexOf(a.dtype);
    return byType !== 0 ? byType : an < bn ? -1 : an > bn ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new SafetensorsError(`metadata ${k} must be a string`);
    }
    header["__metadata__"] = metadata;
  }
  let offset = 0;
  for (const [name, t] of entries) {
    const n = t.data.byteLength;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8;
  if (pad > 0) {
    const padded = new Uint8Array(json.length + pad).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/**
 * Parses safetensors bytes, validating the header, the offsets (contiguous, covering the whole
 * buffer) and each tensor's size. `source` names the file in error messages.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "@ovsw/train";
 * const bytes = encodeSafetensors({ x: { dtype: "I64", shape: [1], data: new BigInt64Array([7n]) } });
 * console.log(decodeSafetensors(bytes, "x.safetensors").tensors.get("x")!.data[0]); // 7n
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array, source = "safetensors data"): SafeFile {
  function fail(what: string): never {
    throw new SafetensorsError(`${source}: ${what}`);
  }
  if (bytes.length < 8) fail(`only ${bytes.length} bytes, too short for a safetensors header`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) fail(`header length ${n64} is larger than 100 MB`);
  const n = Number(n64);
  if (8 + n > bytes.length) {
    fail(`header length ${n} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    fail("header is not a JSON object");
  }
  const data = bytes.subarray(8 + n);
  let metadata: Record<string, string> | null = null;
  const infos: { name: string; dtype: SafeDType; shape: number[]; begin: number; end: number }[] =
    [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        fail("__metadata__ must be an object of strings");
      }
      for (const v of Object.values(raw as object)) {
        if (typeof v !== "string") fail("__metadata__ values must be strings");
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== "object" || info === null) fail(`tensor ${name}: entry is not an object`);
    if (typeof info.dtype !== "string" || !(info.dtype in DTYPE_SIZE)) {
      fail(`tensor ${name}: unsupported dtype ${JSON.stringify(info.dtype)}`);
    }
    const shape = info.shape;
    if (
      !Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)
    ) {
      fail(`tensor ${name}: invalid shape ${JSON.stringify(shape)}`);
    }
    const off = info.data_offsets;
    if (
      !Array.isArray(off) || off.length !== 2 ||
      !off.every((d) => Number.isInteger(d) && (d as number) >= 0)
    ) {
      fail(`tensor ${name}: invalid data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as number[];
    const dtype = info.dtype as SafeDType;
    const want = elementCount(shape as number[]) * DTYPE_SIZE[dtype];
    if (end < begin || end - begin !== want) {
      fail(
        `tensor ${name}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ` +
          `${dtype} [${(shape as number[]).join(", ")}] needs ${want}`,
      );
    }
    infos.push({ name, dtype, shape: shape as number[], begin, end });
  }
  const byOffset = [...infos].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const t of byOffset) {
    if (t.begin !== at) {
      fail(`tensor ${t.name}: data starts at byte ${t.begin}, expected ${at} (gap or overlap)`);
    }
    at = t.end;
  }
  if (at !== data.length) {
    fail(
      `tensors cover ${at} bytes but the file holds ${data.length} data bytes ` +
        (at > data.length ? "(truncated?)" : "(trailing bytes)"),
    );
  }
  const tensors = new Map<string, SafeTensor>();
  for (const t of byOffset) {
    tensors.set(t.name, {
      dtype: t.dtype,
      shape: t.shape,
      data: arrayFor(t.dtype, data.subarray(t.begin, t.end)),
    });
  }
  return { tensors, metadata };
}

/**
 * Reads and decodes a `.safetensors` file.
 *
 * @example
 * ```ts
 * import { encodeSafetensors, readSafetensors, type SafeTensor } from "@ovsw/train";
 * const path = `${await Deno.makeTempDir()}/weights.safetensors`;
 * const w: SafeTensor = { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) };
 * await Deno.writeFile(path, encodeSafetensors(new Map([["fc.weight", w]])));
 * const file = await readSafetensors(path);
 * for (const [name, t] of file.tensors) console.log(name, t.shape); // fc.weight [2]
 * ```
 */
export async function readSafetensors(path: string): Promise<SafeFile> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new SafetensorsError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return decodeSafetensors(bytes, path);
}
