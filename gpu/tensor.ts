/**
 * GPU tensors: contiguous f32 or u32 data with a shape, backed by a pooled buffer.
 *
 * Lifetime: a tensor lives until `dispose()` or until the {@link tidy} scope that created it
 * ends. Reshaped views share the storage, which returns to the pool when the last view goes.
 *
 * @module
 */
import { acquireBuffer, readBuffer, releaseBuffer, writeInOrder } from "./_engine.ts";
import { fillKernel } from "./_fill.ts";
import { TENSOR_BRAND, track, untrack } from "./_scope_stack.ts";
import { poisonEnabled } from "./_poison.ts";

/** Element types: `f32` for values, `u32` for packed bits, counters and indices. */
export type DType = "f32" | "u32";

/**
 * What kind of parameter a tensor is, so optimizers can route on it: `binary` for the latent
 * weights of binary convs/linears (AGS, SAD and the flip collector touch only these), `float`
 * for other weights with two or more dimensions, `vector` for 1-D parameters (BN γ/β, biases,
 * PReLU slopes, learned scales).
 */
export type ParamTag = "binary" | "float" | "vector";

/** Shared, reference-counted GPU storage behind one or more tensor views. */
class Storage {
  refs = 1;
  constructor(readonly buffer: GPUBuffer, readonly bytes: number) {}
}

let nextId = 1;
let liveTensors = 0;
let liveBytes = 0;

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`invalid shape [${shape.join(", ")}]`);
    n *= d;
  }
  return n;
}

/** Formats a shape for error messages, e.g. `[2, 3]`. */
export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * A contiguous, row-major GPU tensor.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const t = Tensor.from([1, 2, 3, 4], [2, 2]);
 * console.log(await t.read()); // Float32Array [1, 2, 3, 4]
 * t.dispose();
 * ```
 */
export class Tensor {
  /** Unique id, stable for the tensor's life (used by the autograd tape). */
  readonly id: number = nextId++;
  /** Number of elements. */
  readonly size: number;
  /** Whether gradients flow to this tensor (parameters, and op outputs that depend on them). */
  requiresGrad = false;
  /** Optional name, used in error messages and checkpoints. */
  name?: string;
  /** Parameter kind for optimizer routing; unset for non-parameters. */
  tag?: ParamTag;
  #storage: Storage | null;
  /** Marks instances as tensors for scope bookkeeping. */
  readonly [TENSOR_BRAND] = true;

  private constructor(
    storage: Storage,
    /** Dimensions, outermost first. */
    readonly shape: readonly number[],
    /** Element type. */
    readonly dtype: DType,
  ) {
    this.#storage = storage;
    this.size = sizeOf(shape);
    liveTensors++;
    track(this);
  }

  /** Allocates an uninitialised tensor (poisoned in tests). Ops create their outputs with it. */
  static empty(shape: readonly number[], dtype: DType = "f32"): Tensor {
    const bytes = Math.max(4, sizeOf(shape) * 4);
    const storage = new Storage(acquireBuffer(bytes), bytes);
    liveBytes += storage.bytes;
    const t = new Tensor(storage, [...shape], dtype);
    if (poisonEnabled()) fillKernel(t, dtype === "f32" ? 0x7fc00000 : 0xdeadbeef);
    return t;
  }

  /** Uploads host data (a typed array or plain numbers) as a new tensor of the given shape. */
  static from(
    data: ArrayLike<number> | Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>,
    shape: readonly number[],
    dtype: DType = data instanceof Uint32Array ? "u32" : "f32",
  ): Tensor {
    const n = sizeOf(shape);
    if (data.length !== n) {
      throw new RangeError(
        `Tensor.from: ${data.length} values do not fit shape ${shapeStr(shape)}`,
      );
    }
    const bytes = Math.max(4, n * 4);
    const storage = new Storage(acquireBuffer(bytes), bytes);
    liveBytes += storage.bytes;
    const t = new Tensor(storage, [...shape], dtype);
    const typed = dtype === "f32"
      ? (data instanceof Float32Array ? data : Float32Array.from(data))
      : (data instanceof Uint32Array ? data : Uint32Array.from(data));
    if (n > 0) writeInOrder(storage.buffer, typed);
    return t;
  }

  /** A tensor filled with one value (f32 value, or u32 bits for `u32`). */
  static full(shape: readonly number[], value: number, dtype: DType = "f32"): Tensor {
    const bytes = Math.max(4, sizeOf(shape) * 4);
    const storage = new Storage(acquireBuffer(bytes), bytes);
    liveBytes += storage.bytes;
    const t = new Tensor(storage, [...shape], dtype);
    const bits = dtype === "f32"
      ? new Uint32Array(new Float32Array([value]).buffer)[0]
      : value >>> 0;
    fillKernel(t, bits);
    return t;
  }

  /** A tensor of zeros. */
  static zeros(shape: readonly number[], dtype: DType = "f32"): Tensor {
    return Tensor.full(shape, 0, dtype);
  }

  /** The GPU buffer (throws if disposed). Its size may exceed `bytes` (pool size class). */
  get buffer(): GPUBuffer {
    if (!this.#storage) {
      throw new Error(
        `tensor ${this.name ?? this.id} ${shapeStr(this.shape)} was already disposed`,
      );
    }
    return this.#storage.buffer;
  }

  /** Bytes of data (size × 4). */
  get bytes(): number {
    return this.size * 4;
  }

  /** Whether `dispose()` has run. */
  get disposed(): boolean {
    return this.#storage === null;
  }

  /** Whether two tensors share storage (a reshape view of each other). */
  sharesStorageWith(other: Tensor): boolean {
    return this.#storage !== null && this.#storage === other.#storage;
  }

  /** A view with another shape of the same number of elements; shares storage. */
  view(shape: readonly number[]): Tensor {
    const storage = this.#storage;
    if (!storage) this.buffer; // throws
    const resolved = resolveShape(shape, this.size, this.shape);
    storage!.refs++;
    return new Tensor(storage!, resolved, this.dtype);
  }

  /** Copies the data to the host. Always explicit and asynchronous. */
  async read(): Promise<Float32Array> {
    if (this.dtype !== "f32") {
      throw new TypeError(`read(): tensor is ${this.dtype}; use readU32()`);
    }
    return new Float32Array(await readBuffer(this.buffer, this.bytes));
  }

  /** Copies u32 data to the host. */
  async readU32(): Promise<Uint32Array> {
    return new Uint32Array(await readBuffer(this.buffer, this.bytes));
  }

  /** Releases this view; the buffer returns to the pool when no view is left. Idempotent. */
  dispose(): void {
    const storage = this.#storage;
    if (!storage) return;
    this.#storage = null;
    liveTensors--;
    untrack(this);
    if (--storage.refs === 0) {
      liveBytes -= storage.bytes;
      releaseBuffer(storage.buffer);
    }
  }

  /** Short description, e.g. `Tensor(f32 [2, 3])`. */
  toString(): string {
    return `Tensor(${this.dtype} ${shapeStr(this.shape)}${this.name ? " " + this.name : ""})`;
  }
}

/** Resolves a shape that may contain one `-1` against a known element count. */
export function resolveShape(
  shape: readonly number[],
  size: number,
  from: readonly number[] = [],
): number[] {
  const out = [...shape];
  const minus = out.indexOf(-1);
  if (minus >= 0) {
    const rest = out.reduce((a, d, i) => (i === minus ? a : a * d), 1);
    out[minus] = rest === 0 ? 0 : size / rest;
  }
  if (!out.every((d) => Number.isInteger(d) && d >= 0) || sizeOf(out) !== size) {
    throw new RangeError(
      `cannot reshape ${shapeStr(from)} (${size} elements) to ${shapeStr(shape)}`,
    );
  }
  return out;
}

/**
 * Live tensors and their bytes (distinct storages), for leak checks.
 *
 * @example
 * ```ts
 * import { liveTensorStats } from "@ovsw/gpu";
 * console.log(liveTensorStats().tensors);
 * ```
 */
export function liveTensorStats(): { tensors: number; bytes: number } {
  return { tensors: liveTensors, bytes: liveBytes };
}
