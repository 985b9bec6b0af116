/**
 * Optimizer state to plain data and back (for checkpoints), and freeing it.
 *
 * @module
 */
import { keep, shapeStr, Tensor } from "@ovsw/gpu";
import type { OptState } from "./types.ts";

/** A tensor in serialized state: its dtype, shape and data (typed array, or numbers from JSON). */
export interface SerializedTensor {
  /** Marks the object as a tensor. */
  "@tensor": true;
  /** Element type. */
  dtype: "f32" | "u32";
  /** Shape. */
  shape: number[];
  /** The elements, row-major. */
  data: Float32Array | Uint32Array | number[];
}

/** Plain-data optimizer state: the state tree with every tensor replaced by its data. */
export type SerializedState =
  | SerializedTensor
  | number
  | string
  | boolean
  | null
  | SerializedState[]
  | { [key: string]: SerializedState };

function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function fmt(path: string): string {
  return path === "" ? "(root)" : path;
}

/**
 * Reads every tensor of the state back and returns a plain tree (typed arrays for tensor data).
 * Async because of the readbacks; all reads are kept in flight together. Use it only when
 * checkpointing.
 *
 * @example
 * ```ts
 * import { restoreState, serializeState, sgd } from "@ovsw/optim";
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const tx = sgd({ learningRate: 0.1, momentum: 0.9 });
 * const state = tx.init({ w: Tensor.zeros([3]) });
 * const plain = await serializeState(state);
 * const again = restoreState(plain, state);
 * console.log(again.count); // 0
 * ```
 */
export async function serializeState(state: OptState): Promise<SerializedState> {
  const reads: Promise<void>[] = [];
  const walk = (v: unknown, path: string): SerializedState => {
    if (isTensor(v)) {
      const t: SerializedTensor = {
        "@tensor": true,
        dtype: v.dtype,
        shape: [...v.shape],
        data: new Float32Array(0),
      };
      reads.push(
        (v.dtype === "f32" ? v.read() : v.readU32()).then((d) => {
          t.data = d;
        }),
      );
      return t;
    }
    if (v === null || typeof v === "number" || typeof v === "string" || typeof v === "boolean") {
      return v;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (isPlainObject(v)) {
      const out: { [key: string]: SerializedState } = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, path ? `${path}.${k}` : k);
      return out;
    }
    throw new TypeError(`serializeState: ${fmt(path)} is not serialisable (${String(v)})`);
  };
  const tree = walk(state, "");
  await Promise.all(reads);
  return tree;
}

function isSerializedTensor(v: unknown): v is SerializedTensor {
  return isPlainObject(v) && v["@tensor"] === true;
}

/**
 * Rebuilds optimizer state from {@link serializeState}'s output (or the same tree after a JSON
 * round trip), uploading every tensor as a new kept tensor. When `like` is given (a fresh
 * `init(params)` state of the same optimizer), the structure, shapes and kinds are checked
 * against it first, with an error naming the first mismatch. `like` is not modified: dispose
 * it with {@link disposeState} if it is no longer needed.
 *
 * @example
 * ```ts
 * import { restoreState } from "@ovsw/optim";
 * import { initGpu } from "@ovsw/gpu";
 * await initGpu();
 * const state = restoreState({ kind: "x", count: 3, t: { "@tensor": true, dtype: "f32", shape: [2], data: [1, 2] } });
 * console.log(state);
 * ```
 */
export function restoreState<S extends OptState>(plain: SerializedState, like?: S): S {
  if (like !== undefined) check(plain, like, "");
  const walk = (v: unknown, path: string): OptState => {
    if (isSerializedTensor(v)) {
      const shape = v.shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new TypeError(`restoreState: ${fmt(path)} has an invalid shape ${String(shape)}`);
      }
      const n = shape.reduce((a, d) => a * d, 1);
      if (!v.data || v.data.length !== n) {
        throw new RangeError(
          `restoreState: ${fmt(path)} has ${v.data?.length ?? 0} values for shape ` +
            `${shapeStr(shape)} (${n})`,
        );
      }
      if (v.dtype !== "f32" && v.dtype !== "u32") {
        throw new TypeError(`restoreState: ${fmt(path)} has unknown dtype ${String(v.dtype)}`);
      }
      const data = v.dtype === "f32"
        ? (v.data instanceof Float32Array ? v.data : Float32Array.from(v.data))
        : (v.data instanceof Uint32Array ? v.data : Uint32Array.from(v.data));
      return keep(Tensor.from(data as Float32Array<ArrayBuffer>, shape, v.dtype));
    }
    if (v === null || typeof v === "number" || typeof v === "string" || typeof v === "boolean") {
      return v;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (isPlainObject(v)) {
      const out: { [key: string]: OptState } = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, path ? `${path}.${k}` : k);
      return out;
    }
    throw new TypeError(`restoreState: ${fmt(path)} is not plain data (${String(v)})`);
  };
  return walk(plain, "") as S;
}

function check(plain: unknown, like: unknown, path: string): void {
  const where = `restoreState: optimizer state at ${fmt(path)}`;
  if (isTensor(like)) {
    if (!isSerializedTensor(plain)) throw new TypeError(`${where} should be a tensor`);
    if (shapeStr(plain.shape) !== shapeStr(like.shape) || plain.dtype !== like.dtype) {
      throw new RangeError(
        `${where} has ${plain.dtype} ${shapeStr(plain.shape)}, the optimizer expects ` +
          `${like.dtype} ${shapeStr(like.shape)}`,
      );
    }
    return;
  }
  if (Array.isArray(like)) {
    if (!Array.isArray(plain) || plain.length !== like.length) {
      throw new TypeError(`${where} should be a list of ${like.length} entries`);
    }
    like.forEach((x, i) => check(plain[i], x, `${path}[${i}]`));
    return;
  }
  if (isPlainObject(like)) {
    if (!isPlainObject(plain) || isSerializedTensor(plain)) {
      throw new TypeError(`${where} should be an object`);
    }
    const want = Object.keys(like).sort();
    const got = Object.keys(plain).sort();
    const missing = want.filter((k) => !(k in plain));
    const extra = got.filter((k) => !(k in like));
    if (missing.length || extra.length) {
      throw new Error(
        `${where}: ${missing.length ? `missing ${missing.join(", ")}` : ""}` +
          `${missing.length && extra.length ? "; " : ""}` +
          `${extra.length ? `unexpected ${extra.join(", ")}` : ""}`,
      );
    }
    for (const k of want) check(plain[k], like[k], path ? `${path}.${k}` : k);
    return;
  }
  if (typeof like === "string" && plain !== like) {
    throw new Error(`${where} is "${String(plain)}", the optimizer expects "${like}"`);
  }
  if (like !== null && typeof plain !== typeof like) {
    throw new TypeError(`${where} should be a ${typeof like}, got ${String(plain)}`);
  }
}

/**
 * Disposes every tensor of a state tree (e.g. the old state after {@link restoreState}).
 *
 * @example
 * ```ts
 * import { disposeState, sgd } from "@ovsw/optim";
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const state = sgd({ learningRate: 0.1, momentum: 0.9 }).init({ w: Tensor.zeros([3]) });
 * disposeState(state);
 * ```
 */
export function disposeState(state: OptState): void {
  if (isTensor(state)) state.dispose();
  else if (Array.isArray(state)) state.forEach(disposeState);
  else if (isPlainObject(state)) Object.values(state).forEach((v) => disposeState(v as OptState));
}
