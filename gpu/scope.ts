/**
 * Lifetime scopes: every tensor created inside {@link tidy} is disposed when the scope ends,
 * except the tensors it returns and those passed to {@link keep}.
 *
 * @module
 */
import type { Tensor } from "./tensor.ts";
import { poolBytes } from "./_engine.ts";
import { liveTensorStats } from "./tensor.ts";
import { exitOutermost, scopes, TENSOR_BRAND, track } from "./_scope_stack.ts";

/**
 * Takes a tensor out of every scope, so that it outlives them (parameters, optimizer state).
 * Returns it for chaining.
 *
 * @example
 * ```ts
 * import { initGpu, keep, Tensor, tidy } from "@ovsw/gpu";
 * await initGpu();
 * let kept: Tensor | undefined;
 * tidy(() => { kept = keep(Tensor.zeros([4])); });
 * console.log(kept!.disposed); // false
 * ```
 */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(value: unknown, out: Set<Tensor>, seen: Set<unknown>): void {
  if (value === null || typeof value !== "object" || seen.has(value)) return;
  seen.add(value);
  if ((value as { [TENSOR_BRAND]?: boolean })[TENSOR_BRAND] === true) {
    out.add(value as Tensor);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, seen);
  }
}

/**
 * Runs `fn` in a scope: tensors it creates are disposed at the end unless returned (in an
 * array, Map or plain object) or kept. Returned tensors move to the enclosing scope.
 *
 * @example
 * ```ts
 * import { add, initGpu, Tensor, tidy } from "@ovsw/gpu";
 * await initGpu();
 * const a = Tensor.from([1, 2], [2]);
 * const c = tidy(() => add(add(a, a), a)); // the intermediate is freed
 * console.log(await c.read()); // [3, 6]
 * ```
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    if (scopes.length === 0) exitOutermost();
    throw e;
  }
  if (result instanceof Promise) {
    scopes.pop();
    throw new TypeError("tidy() takes a synchronous function; await outside the scope");
  }
  scopes.pop();
  const keepSet = new Set<Tensor>();
  collect(result, keepSet, new Set());
  for (const t of scope) {
    if (keepSet.has(t)) track(t);
    else t.dispose();
  }
  if (scopes.length === 0) exitOutermost();
  return result;
}

/** Live GPU memory, as reported by {@link memory}. */
export interface MemoryReport {
  /** Tensors not yet disposed. */
  tensors: number;
  /** Bytes of their distinct storages. */
  bytes: number;
  /** Bytes of all buffers the pool created (live plus idle). */
  allocatedBytes: number;
  /** Bytes idle in the pool, ready for reuse. */
  pooledBytes: number;
  /** Depth of nested tidy scopes right now. */
  scopeDepth: number;
}

/**
 * Live tensors and bytes, plus what the pool holds.
 *
 * @example
 * ```ts
 * import { memory } from "@ovsw/gpu";
 * const { tensors, bytes } = memory();
 * console.log(tensors, bytes);
 * ```
 */
export function memory(): MemoryReport {
  const live = liveTensorStats();
  const pool = poolBytes();
  return {
    tensors: live.tensors,
    bytes: live.bytes,
    allocatedBytes: pool.allocated,
    pooledBytes: pool.pooled,
    scopeDepth: scopes.length,
  };
}
