/**
 * Index plans for ops that reduce over, or broadcast along, a set of axes of a contiguous
 * tensor. Adjacent axes of the same kind (kept or reduced) are merged and size-1 axes dropped,
 * so `[N, C, H, W]` over axes `[0, 2, 3]` becomes reduced `N`, kept `C`, reduced `H·W`.
 * The WGSL snippets unroll the index arithmetic for the merged rank; sizes and strides travel
 * as uniforms, so one pipeline serves every shape with the same pattern.
 *
 * @module
 */
import type { Uniform } from "../kernel.ts";
import { shapeStr, type Tensor } from "../tensor.ts";

/** One merged dimension: its size, its stride in the input and whether it is reduced. */
export interface MergedDim {
  /** Number of elements along the merged dimension. */
  size: number;
  /** Stride of the merged dimension in the (contiguous) input, in elements. */
  stride: number;
  /** Whether the dimension is reduced (true) or kept (false). */
  reduced: boolean;
}

/** How a reduction over some axes of a shape maps onto flat indices. */
export interface AxesPlan {
  /** The input shape. */
  shape: readonly number[];
  /** Normalised, sorted, de-duplicated axes. */
  axes: number[];
  /** Merged dimensions, outermost first. */
  dims: MergedDim[];
  /** Kept merged dimensions, outermost first. */
  kept: MergedDim[];
  /** Reduced merged dimensions, outermost first. */
  red: MergedDim[];
  /** Number of outputs (product of kept sizes). */
  nOut: number;
  /** Elements reduced into each output (product of reduced sizes). */
  nRed: number;
  /** Output shape with reduced axes removed. */
  outShape: number[];
  /** Output shape with reduced axes kept as size 1. */
  keepShape: number[];
  /** Pattern key (kinds of merged dims), e.g. `rkr`. */
  key: string;
}

/** Normalises axes (negative counts from the end) and checks them against a shape. */
export function normaliseAxes(
  op: string,
  shape: readonly number[],
  axes: readonly number[],
): number[] {
  const rank = shape.length;
  const out = new Set<number>();
  for (const a of axes) {
    const ax = a < 0 ? a + rank : a;
    if (!Number.isInteger(ax) || ax < 0 || ax >= rank) {
      throw new RangeError(`${op}: axis ${a} is out of range for shape ${shapeStr(shape)}`);
    }
    out.add(ax);
  }
  return [...out].sort((x, y) => x - y);
}

/** Builds the plan for reducing `shape` over `axes`. */
export function planAxes(op: string, shape: readonly number[], axes: readonly number[]): AxesPlan {
  const ax = normaliseAxes(op, shape, axes);
  const isRed = shape.map((_, i) => ax.includes(i));
  const strides: number[] = new Array(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  // Merge from the innermost dimension outwards.
  const rev: MergedDim[] = [];
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    const last = rev[rev.length - 1];
    if (last && last.reduced === isRed[i]) {
      last.size *= shape[i];
    } else {
      rev.push({ size: shape[i], stride: strides[i], reduced: isRed[i] });
    }
  }
  const dims = rev.reverse();
  const kept = dims.filter((d) => !d.reduced);
  const red = dims.filter((d) => d.reduced);
  const nOut = kept.reduce((a, d) => a * d.size, 1);
  const nRed = red.reduce((a, d) => a * d.size, 1);
  return {
    shape,
    axes: ax,
    dims,
    kept,
    red,
    nOut,
    nRed,
    outShape: shape.filter((_, i) => !isRed[i]),
    keepShape: shape.map((d, i) => (isRed[i] ? 1 : d)),
    key: dims.map((d) => (d.reduced ? "r" : "k")).join(""),
  };
}

/**
 * WGSL statements that set `${out}` to the input offset of flat index `${idx}` over `dims`
 * (row-major over those dims), reading sizes/strides from uniforms `p.${prefix}N` / `p.${prefix}tN`.
 */
export function offsetCode(dims: MergedDim[], prefix: string, idx: string, out: string): string {
  if (dims.length === 0) return `let ${out} = 0u;`;
  if (dims.length === 1) return `let ${out} = ${idx} * p.${prefix}t0;`;
  const lines = [`var ${out}_rem = ${idx};`, `var ${out} = 0u;`];
  for (let d = dims.length - 1; d >= 1; d--) {
    lines.push(`${out} += (${out}_rem % p.${prefix}${d}) * p.${prefix}t${d};`);
    lines.push(`${out}_rem = ${out}_rem / p.${prefix}${d};`);
  }
  lines.push(`${out} += ${out}_rem * p.${prefix}t0;`);
  return lines.join(" ");
}

/** Uniform struct fields (`prefixN: u32, prefixtN: u32`) for {@link offsetCode}. */
export function dimFields(dims: MergedDim[], prefix: string): string[] {
  return dims.flatMap((_, d) => [`${prefix}${d}: u32`, `${prefix}t${d}: u32`]);
}

/** Uniform values matching {@link dimFields}. */
export function dimValues(dims: MergedDim[]): Uniform[] {
  return dims.flatMap((d) => [d.size, d.stride]);
}

/**
 * WGSL statements that set `o` (the output index) from the flat input index `i`, for
 * broadcasting per-output values back over the input shape. Uses uniforms `p.eN` (merged
 * sizes) and `p.etN` (output strides of kept dims, 0 for reduced dims).
 */
export function outIndexCode(dims: MergedDim[]): string {
  if (dims.length === 0) return "let o = 0u;";
  const lines = ["var o_rem = i;", "var o = 0u;"];
  for (let d = dims.length - 1; d >= 1; d--) {
    if (!dims[d].reduced) lines.push(`o += (o_rem % p.e${d}) * p.et${d};`);
    lines.push(`o_rem = o_rem / p.e${d};`);
  }
  if (!dims[0].reduced) lines.push("o += o_rem * p.et0;");
  return lines.join(" ");
}

/** Uniform values for {@link outIndexCode}: merged sizes and output strides. */
export function outIndexValues(plan: AxesPlan): Uniform[] {
  const ostride = new Map<MergedDim, number>();
  let s = 1;
  for (let k = plan.kept.length - 1; k >= 0; k--) {
    ostride.set(plan.kept[k], s);
    s *= plan.kept[k].size;
  }
  return plan.dims.flatMap((d) => [d.size, ostride.get(d) ?? 0]);
}

/** The plan that reduces everything but axis 1 (the channel axis), after checking shapes. */
export function channelPlan(op: string, x: Tensor, v: Tensor): AxesPlan {
  if (x.shape.length < 2) {
    throw new RangeError(`${op}: x must be [N, C, ...], got ${shapeStr(x.shape)}`);
  }
  const c = x.shape[1];
  if (v.size !== c) {
    throw new RangeError(
      `${op}: per-channel tensor ${shapeStr(v.shape)} does not match ${c} channels of ${
        shapeStr(x.shape)
      }`,
    );
  }
  if (x.dtype !== "f32" || v.dtype !== "f32") throw new TypeError(`${op}: expected f32 tensors`);
  return planAxes(op, x.shape, x.shape.map((_, i) => i).filter((i) => i !== 1));
}

/** Checks logits `[N, K]` and labels u32 `[N]`. */
export function checkLogitsLabels(op: string, logits: Tensor, labels: Tensor): [number, number] {
  if (logits.shape.length !== 2 || logits.dtype !== "f32") {
    throw new RangeError(
      `${op}: logits must be f32 [N, K], got ${logits.dtype} ${shapeStr(logits.shape)}`,
    );
  }
  const [n, k] = logits.shape;
  if (labels.dtype !== "u32" || labels.size !== n) {
    throw new RangeError(
      `${op}: labels must be u32 [${n}] for logits ${shapeStr(logits.shape)}, got ${labels.dtype} ${
        shapeStr(labels.shape)
      }`,
    );
  }
  if (k < 1) throw new RangeError(`${op}: logits ${shapeStr(logits.shape)} have no classes`);
  return [n, k];
}
