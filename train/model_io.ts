/**
 * Model weights ↔ safetensors tensors: parameters and buffers by their PyTorch-style names,
 * `num_batches_tracked` as int64 like PyTorch's `state_dict`.
 *
 * @module
 */
import { shapeStr, type Tensor, writeInOrder } from "@ovsw/gpu";
import { RunDirError } from "./errors.ts";
import type { SafeTensor } from "./safetensors.ts";

/** The part of a model that weights I/O needs (any `@ovsw/layers` Module). */
export interface NamedTensors {
  /** Parameters by dotted name. */
  namedParameters(): [string, Tensor][];
  /** Buffers (BN running statistics) by dotted name. */
  namedBuffers(): [string, Tensor][];
}

function isCounter(name: string): boolean {
  return name.endsWith("num_batches_tracked");
}

/**
 * Reads every parameter and buffer back (all readbacks in flight together).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { readModelWeights } from "@ovsw/train";
 * await initGpu();
 * const w = Tensor.from([1, 2], [2]);
 * const weights = await readModelWeights({ namedParameters: () => [["w", w]], namedBuffers: () => [] });
 * console.log(weights.get("w")!.data); // Float32Array [1, 2]
 * ```
 */
export async function readModelWeights(model: NamedTensors): Promise<Map<string, SafeTensor>> {
  const all = [...model.namedParameters(), ...model.namedBuffers()];
  const data = await Promise.all(all.map(([, t]) => t.read()));
  const out = new Map<string, SafeTensor>();
  all.forEach(([name, t], i) => {
    out.set(
      name,
      isCounter(name)
        ? { dtype: "I64", shape: [...t.shape], data: BigInt64Array.from(data[i], (v) => BigInt(v)) }
        : { dtype: "F32", shape: [...t.shape], data: data[i] },
    );
  });
  return out;
}

/**
 * Writes weights into the model's existing tensors (in stream order, so no pending GPU work
 * sees them early). Every name must be present with the same shape and every value finite (a
 * NaN or ±Inf is refused, naming the tensor); `source` names the file in errors.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { loadModelWeights } from "@ovsw/train";
 * await initGpu();
 * const w = Tensor.zeros([2]);
 * loadModelWeights({ namedParameters: () => [["w", w]], namedBuffers: () => [] },
 *   new Map([["w", { dtype: "F32", shape: [2], data: new Float32Array([3, 4]) }]]), "ckpt");
 * console.log(await w.read()); // Float32Array [3, 4]
 * ```
 */
export function loadModelWeights(
  model: NamedTensors,
  weights: Map<string, SafeTensor>,
  source: string,
): void {
  const all = [...model.namedParameters(), ...model.namedBuffers()];
  const names = new Set(all.map(([n]) => n));
  const missing = all.filter(([n]) => !weights.has(n)).map(([n]) => n);
  const extra = [...weights.keys()].filter((n) => !names.has(n));
  if (missing.length > 0 || extra.length > 0) {
    const list = (xs: string[]) => xs.slice(0, 3).join(", ") + (xs.length > 3 ? ", ..." : "");
    throw new RunDirError(
      `${source} does not match the model: ` +
        (missing.length > 0 ? `missing ${list(missing)}` : "") +
        (missing.length > 0 && extra.length > 0 ? "; " : "") +
        (extra.length > 0 ? `unexpected ${list(extra)}` : ""),
    );
  }
  const staged: [Tensor, Float32Array<ArrayBuffer>][] = [];
  for (const [name, t] of all) {
    const w = weights.get(name)!;
    if (shapeStr(w.shape) !== shapeStr(t.shape)) {
      throw new RunDirError(
        `${source}: ${name} has shape ${shapeStr(w.shape)}, the model ${shapeStr(t.shape)}`,
      );
    }
    let data: Float32Array<ArrayBuffer>;
    if (w.dtype === "F32") {
      data = new Float32Array(w.data as Float32Array);
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new RunDirError(
          `${source}: ${name} holds ${data[bad]} at element ${bad}; refusing non-finite weights`,
        );
      }
    } else if (w.dtype === "I64" || w.dtype === "U64") {
      data = Float32Array.from(w.data as BigInt64Array, (v) => Number(v));
    } else {
      throw new RunDirError(`${source}: ${name} has dtype ${w.dtype}; expected F32 (or I64)`);
    }
    staged.push([t, data]);
  }
  for (const [t, data] of staged) writeInOrder(t.buffer, data);
}
