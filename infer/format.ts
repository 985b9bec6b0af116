/**
 * The `.ovsw` export format (docs/deploy.md): magic `OVSWBNN\0`, a u32 (little-endian) header
 * length, a UTF-8 JSON header, zero padding to a multiple of 16 bytes, then the blobs, each at a
 * 16-byte aligned offset from the start of the blob section. Encoding and decoding here use no
 * runtime-specific API.
 *
 * @module
 */
import type { Op } from "./ops.ts";
import { OP_KINDS } from "./ops.ts";
import { valueShapes } from "./shapes.ts";
import { fromHalfBits, toHalfBits } from "./half.ts";

/** The 8 bytes every `.ovsw` file starts with. */
export const OVSW_MAGIC = "OVSWBNN\0";

/** The format version this module reads and writes. */
export const OVSW_VERSION = 1;

/** Element type of a blob. */
export type BlobDtype = "f32" | "f16" | "u32";

/** A blob to write: f32 data may be stored as f16 (`half`), read back as f32. */
export interface BlobData {
  /** Shape (row-major). */
  shape: number[];
  /** Values. */
  data: Float32Array | Uint32Array;
  /** Store f32 values as IEEE binary16. */
  half?: boolean;
}

/** Where a blob lies in the blob section. */
export interface BlobInfo {
  /** Element type. */
  dtype: BlobDtype;
  /** Shape (row-major). */
  shape: number[];
  /** Byte offset from the start of the blob section (a multiple of 16). */
  offset: number;
  /** Byte length (4 × the element count). */
  bytes: number;
}

/** The JSON header of an export. */
export interface ExportHeader {
  /** Always `ovsw-bnn`. */
  format: "ovsw-bnn";
  /** {@link OVSW_VERSION}. */
  version: number;
  /** Model name (e.g. `vgg-small-28`). */
  model: string;
  /** One image `[C, H, W]`. */
  inputShape: [number, number, number];
  /** Pixel normalisation: `x = (pixel / 255 − mean[c]) / std[c]`. */
  normalization: { mean: number[]; std: number[] };
  /** Class names, index order. */
  classes: string[];
  /** The ops, in execution order; the image batch is the value `input`. */
  ops: Op[];
  /** Name of the value holding the logits `[N, classes]`. */
  output: string;
  /** Blobs by name. */
  blobs: Record<string, BlobInfo>;
  /** Free-form provenance (run directory, epoch, test accuracy...). */
  metadata: Record<string, unknown>;
}

/** A decoded export: header and blob data. */
export interface ExportedModel {
  /** The header. */
  header: ExportHeader;
  /** Blob data by name. */
  blobs: Map<string, Float32Array | Uint32Array>;
}

/** A header without blob placement, as the exporter builds it. */
export type HeaderDraft = Omit<ExportHeader, "format" | "version" | "blobs">;

const align16 = (n: number) => Math.ceil(n / 16) * 16;

/**
 * Serialises a model: blobs are laid out in insertion order, each 16-byte aligned.
 *
 * @example
 * ```ts
 * import { decodeExport, encodeExport } from "@ovsw/infer";
 * const bytes = encodeExport({
 *   model: "toy", inputShape: [1, 1, 2], normalization: { mean: [0], std: [1] },
 *   classes: ["a", "b"], output: "y", metadata: {},
 *   ops: [
 *     { op: "flatten", input: "input", output: "f" },
 *     { op: "linear", input: "f", output: "y", weight: "w", inFeatures: 2, outFeatures: 2 },
 *   ],
 * }, new Map([["w", { shape: [2, 2], data: new Float32Array([1, 0, 0, 1]) }]]));
 * console.log(decodeExport(bytes).header.classes); // ["a", "b"]
 * ```
 */
export function encodeExport(
  draft: HeaderDraft,
  blobs: Map<string, BlobData>,
): Uint8Array<ArrayBuffer> {
  const info: Record<string, BlobInfo> = {};
  const stored = new Map<string, Float32Array | Uint32Array | Uint16Array>();
  let offset = 0;
  for (const [name, b] of blobs) {
    const count = b.shape.reduce((a, c) => a * c, 1);
    if (count !== b.data.length) {
      throw new RangeError(
        `blob ${name}: shape [${b.shape}] holds ${count}, data ${b.data.length}`,
      );
    }
    const half = b.half === true && b.data instanceof Float32Array;
    const raw = half ? Uint16Array.from(b.data, toHalfBits) : b.data;
    stored.set(name, raw);
    const dtype: BlobDtype = half ? "f16" : b.data instanceof Float32Array ? "f32" : "u32";
    info[name] = { dtype, shape: [...b.shape], offset, bytes: raw.byteLength };
    offset = align16(offset + raw.byteLength);
  }
  const header: ExportHeader = {
    format: "ovsw-bnn",
    version: OVSW_VERSION,
    ...draft,
    blobs: info,
  };
  checkHeader(header, "encodeExport");
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align16(12 + json.length);
  const out = new Uint8Array(dataStart + offset);
  out.set(new TextEncoder().encode(OVSW_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  for (const [name, b] of stored) {
    out.set(
      new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
      dataStart + info[name].offset,
    );
  }
  return out;
}

/**
 * Parses and checks a `.ovsw` file; `source` names it in errors (one line naming the problem).
 *
 * @example
 * ```ts
 * import { decodeExport } from "@ovsw/infer";
 * try {
 *   decodeExport(new Uint8Array(4), "empty.ovsw");
 * } catch (e) {
 *   console.log((e as Error).message); // empty.ovsw: not an .ovsw export (too short)
 * }
 * ```
 */
export function decodeExport(
  bytes: Uint8Array | ArrayBuffer,
  source = "export",
): ExportedModel {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (u8.length < 12) {
    throw new RangeError(`${source}: not an .ovsw export (too short)`);
  }
  const magic = new TextDecoder().decode(u8.subarray(0, 8));
  if (magic !== OVSW_MAGIC) {
    throw new RangeError(`${source}: not an .ovsw export (bad magic)`);
  }
  const len = new DataView(u8.buffer, u8.byteOffset, u8.byteLength).getUint32(
    8,
    true,
  );
  if (12 + len > u8.length) {
    throw new RangeError(`${source}: header runs past the end of the file`);
  }
  let header: ExportHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(u8.subarray(12, 12 + len)));
  } catch (e) {
    throw new RangeError(
      `${source}: header is not valid JSON (${(e as Error).message})`,
    );
  }
  checkHeader(header, source);
  const dataStart = align16(12 + len);
  const blobs = new Map<string, Float32Array | Uint32Array>();
  for (const [name, b] of Object.entries(header.blobs)) {
    const start = dataStart + b.offset;
    if (b.offset % 4 !== 0 || start + b.bytes > u8.length) {
      throw new RangeError(`${source}: blob ${name} lies outside the file`);
    }
    const copy = u8.slice(start, start + b.bytes).buffer;
    blobs.set(
      name,
      b.dtype === "f32"
        ? new Float32Array(copy)
        : b.dtype === "f16"
        ? Float32Array.from(new Uint16Array(copy), fromHalfBits)
        : new Uint32Array(copy),
    );
  }
  return { header, blobs };
}

function expectBlob(
  h: ExportHeader,
  where: string,
  name: string | undefined,
  dtype: BlobDtype,
  shape: number[],
): void {
  if (name === undefined) return;
  const b = h.blobs[name];
  if (!b) throw new RangeError(`${where}: blob "${name}" is missing`);
  const count = b.shape.reduce((a, c) => a * c, 1);
  const okType = b.dtype === dtype || (dtype === "f32" && b.dtype === "f16");
  if (
    !okType || b.shape.join() !== shape.join() || b.bytes !== (b.dtype === "f16" ? 2 : 4) * count
  ) {
    throw new RangeError(
      `${where}: blob "${name}" is ${b.dtype} [${b.shape}], expected ${dtype} [${shape}]`,
    );
  }
}

/** Checks the header's fields, ops and blob references; throws one line naming the fault. */
function checkHeader(h: ExportHeader, source: string): void {
  if (h?.format !== "ovsw-bnn") {
    throw new RangeError(`${source}: header format is not ovsw-bnn`);
  }
  if (h.version !== OVSW_VERSION) {
    throw new RangeError(
      `${source}: format version ${h.version} is not supported (this reader: ${OVSW_VERSION})`,
    );
  }
  if (!Array.isArray(h.inputShape) || h.inputShape.length !== 3) {
    throw new RangeError(`${source}: inputShape must be [C, H, W]`);
  }
  const c = h.inputShape[0];
  if (
    h.normalization?.mean?.length !== c || h.normalization?.std?.length !== c
  ) {
    throw new RangeError(`${source}: normalization needs ${c} means and stds`);
  }
  if (!Array.isArray(h.ops) || !h.blobs) {
    throw new RangeError(`${source}: ops or blobs missing`);
  }
  h.ops.forEach((op, i) => {
    if (!OP_KINDS.includes(op.op)) {
      throw new RangeError(`${source}: op ${i} has unknown kind "${op.op}"`);
    }
  });
  const shapes = valueShapes(h.ops, h.inputShape, 1);
  const out = shapes.get(h.output);
  if (!out || out.length !== 2 || out[1] !== h.classes.length) {
    throw new RangeError(
      `${source}: output "${h.output}" must be [N, ${h.classes.length}] (one logit per class)`,
    );
  }
  h.ops.forEach((op, i) => {
    const where = `${source}: op ${i} (${op.op})`;
    const y = shapes.get(op.output)!;
    const channels = y[1];
    if ("scale" in op || "shift" in op) {
      expectBlob(h, where, (op as { scale?: string }).scale, "f32", [channels]);
      expectBlob(h, where, (op as { shift?: string }).shift, "f32", [channels]);
    }
    switch (op.op) {
      case "conv2d":
        expectBlob(h, where, op.weight, "f32", [
          op.outChannels,
          op.inChannels,
          op.kernel,
          op.kernel,
        ]);
        expectBlob(h, where, op.bias, "f32", [op.outChannels]);
        break;
      case "binary_conv2d": {
        const s = [
          op.outChannels,
          op.kernel * op.kernel,
          Math.ceil(op.inChannels / 32),
        ];
        expectBlob(h, where, op.signs, "u32", s);
        expectBlob(h, where, op.nonzero, "u32", s);
        break;
      }
      case "prelu":
        expectBlob(h, where, op.weight, "f32", [channels]);
        expectBlob(h, where, op.inputShift, "f32", [channels]);
        expectBlob(h, where, op.outputShift, "f32", [channels]);
        break;
      case "linear":
        expectBlob(h, where, op.weight, "f32", [op.outFeatures, op.inFeatures]);
        expectBlob(h, where, op.bias, "f32", [op.outFeatures]);
        break;
    }
  });
}
