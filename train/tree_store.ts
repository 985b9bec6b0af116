/**
 * Stores a plain-data state tree (numbers, strings, booleans, null, arrays, objects and typed
 * arrays, as produced by the optimizer's and the flip collector's `serialize`) exactly: the
 * typed arrays go to a safetensors file, the rest to JSON with a reference per array, and
 * non-finite numbers survive the round trip.
 *
 * @module
 */
import {
  decodeSafetensors,
  encodeSafetensors,
  type SafeArray,
  type SafeDType,
  type SafeTensor,
} from "./safetensors.ts";

/** A state tree split into JSON-safe structure and its typed arrays by path. */
export interface SplitTree {
  /** JSON-safe structure; typed arrays replaced by `{ "$array": path }`. */
  json: unknown;
  /** The typed arrays, by path (dotted keys and indices). */
  arrays: Map<string, SafeTensor>;
}

function dtypeOf(a: SafeArray): SafeDType {
  if (a instanceof Float32Array) return "F32";
  if (a instanceof Float64Array) return "F64";
  if (a instanceof Uint32Array) return "U32";
  if (a instanceof Int32Array) return "I32";
  if (a instanceof Uint16Array) return "U16";
  if (a instanceof Int16Array) return "I16";
  if (a instanceof Int8Array) return "I8";
  if (a instanceof BigInt64Array) return "I64";
  if (a instanceof BigUint64Array) return "U64";
  return "U8";
}

const ARRAY_KEY = "$array";
const NUMBER_KEY = "$number";
const TYPED_KEY = "$typed";

/**
 * Splits a state tree into JSON and typed arrays.
 *
 * @example
 * ```ts
 * import { splitTree } from "@ovsw/train";
 * const { json, arrays } = splitTree({ step: 3, m: { w: new Float32Array([1, 2]) } });
 * console.log(JSON.stringify(json), [...arrays.keys()]); // {"step":3,"m":{"w":{"$array":"m.w"}}} ["m.w"]
 * ```
 */
export function splitTree(tree: unknown): SplitTree {
  const arrays = new Map<string, SafeTensor>();
  const walk = (v: unknown, path: string): unknown => {
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (v === undefined) return { [TYPED_KEY]: "undefined" };
    if (typeof v === "number") {
      if (Object.is(v, -0)) return { [NUMBER_KEY]: "-0" };
      return Number.isFinite(v) ? v : { [NUMBER_KEY]: String(v) };
    }
    if (typeof v === "bigint") return { [TYPED_KEY]: "bigint", value: String(v) };
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const a = v as unknown as SafeArray;
      let key = path === "" ? "root" : path;
      for (let n = 1; arrays.has(key); n++) key = `${path}#${n}`;
      arrays.set(key, { dtype: dtypeOf(a), shape: [a.length], data: a });
      return { [ARRAY_KEY]: key, kind: a.constructor.name };
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, path === "" ? `${i}` : `${path}.${i}`));
    if (typeof v === "object") {
      if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) {
        throw new TypeError(
          `splitTree: ${path || "root"} is a ${(v as object).constructor?.name}; only plain ` +
            "data can be stored (serialize GPU state first)",
        );
      }
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, path === "" ? k : `${path}.${k}`);
      return out;
    }
    throw new TypeError(`splitTree: ${path || "root"} has unsupported type ${typeof v}`);
  };
  return { json: walk(tree, ""), arrays };
}

function restoreArray(kind: string, t: SafeTensor): SafeArray {
  const d = t.data;
  switch (kind) {
    case "Uint8ClampedArray":
      return new Uint8ClampedArray(d.buffer, d.byteOffset, d.length) as unknown as Uint8Array;
    default:
      return d;
  }
}

/**
 * Rebuilds a tree from {@link splitTree}'s parts.
 *
 * @example
 * ```ts
 * import { joinTree, splitTree } from "@ovsw/train";
 * const parts = splitTree({ v: new Uint32Array([7]), lr: NaN });
 * const back = joinTree(parts.json, parts.arrays) as { v: Uint32Array; lr: number };
 * console.log(back.v[0], back.lr); // 7 NaN
 * ```
 */
export function joinTree(json: unknown, arrays: Map<string, SafeTensor>): unknown {
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map(walk);
    const o = v as Record<string, unknown>;
    if (typeof o[ARRAY_KEY] === "string") {
      const t = arrays.get(o[ARRAY_KEY] as string);
      if (!t) throw new Error(`state: array ${o[ARRAY_KEY]} is missing from the tensor file`);
      return restoreArray(String(o.kind ?? ""), t);
    }
    if (typeof o[NUMBER_KEY] === "string") return Number(o[NUMBER_KEY]);
    if (o[TYPED_KEY] === "undefined") return undefined;
    if (o[TYPED_KEY] === "bigint") return BigInt(o.value as string);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = walk(x);
    return out;
  };
  return walk(json);
}

/**
 * Writes a state tree as `<base>.json` and `<base>.safetensors` bytes (returned, not written).
 *
 * @example
 * ```ts
 * import { encodeTree } from "@ovsw/train";
 * const { json, tensors } = encodeTree({ step: 1, buf: new Float32Array(4) });
 * console.log(json.length > 0, tensors.length > 8); // true true
 * ```
 */
export function encodeTree(tree: unknown): { json: string; tensors: Uint8Array } {
  const { json, arrays } = splitTree(tree);
  return { json: JSON.stringify(json), tensors: encodeSafetensors(arrays) };
}

/**
 * Inverse of {@link encodeTree}; `source` names the files in errors.
 *
 * @example
 * ```ts
 * import { decodeTree, encodeTree } from "@ovsw/train";
 * const { json, tensors } = encodeTree({ a: new Int32Array([-1]) });
 * console.log((decodeTree(json, tensors) as { a: Int32Array }).a[0]); // -1
 * ```
 */
export function decodeTree(json: string, tensors: Uint8Array, source = "state"): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new Error(`${source}: invalid JSON (${(e as Error).message})`);
  }
  return joinTree(parsed, decodeSafetensors(tensors, `${source}.safetensors`).tensors);
}
