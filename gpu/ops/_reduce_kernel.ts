/**
 * Generic reduction and broadcast kernels over an {@link AxesPlan}, used by the reduction,
 * channel, normalisation and pooling ops. Reductions use one 256-wide workgroup per output
 * with a shared-memory tree (split into chunks plus a second pass when there are few outputs
 * and many elements), or one invocation per output when each output sums only a few values.
 *
 * @module
 */
import { f32, grid, runKernel, type Uniform, WGSL_INDEX } from "../kernel.ts";
import { shapeStr, Tensor } from "../tensor.ts";
import {
  type AxesPlan,
  dimFields,
  dimValues,
  offsetCode,
  outIndexCode,
  outIndexValues,
  planAxes,
} from "./_layout.ts";
import { WG_TREE_SUM } from "./_tree_sum.ts";

const FULL_NAMES = ["a", "b", "c", "d"];

/** What {@link reduceMap} reduces. */
export interface ReduceSpec {
  /** Kernel name (for labels and errors). */
  name: string;
  /** Input-shaped f32 tensors, visible in `value` as `a`, `b`, `c`, `d`. */
  full: Tensor[];
  /** Per-output f32 tensors, visible as arrays `q0`, `q1`, … (index them with `o`). */
  perOut?: Tensor[];
  /** The reduction plan over the full tensors' shape. */
  plan: AxesPlan;
  /** WGSL f32 expression summed over the reduced elements, e.g. `a * a`. */
  value: string;
  /**
   * WGSL f32 expression of the sum `acc` written to output `o`, e.g. `acc * p.s0` (may read
   * `q0[o]`, …).
   */
  post?: string;
  /** f32 uniforms visible as `p.s0`, `p.s1`, …. */
  scalars?: number[];
  /** Shape of the result (`plan.nOut` elements); defaults to `plan.outShape`. */
  outShape?: readonly number[];
}

function header(spec: ReduceSpec, extra: string[]): string {
  const scalars = spec.scalars ?? [];
  const fields = [
    "nout: u32",
    "nred: u32",
    "chunks: u32",
    "clen: u32",
    ...scalars.map((_, i) => `s${i}: f32`),
    ...extra,
  ];
  const full = spec.full.map((_, i) =>
    `@group(0) @binding(${i + 1}) var<storage, read> ${FULL_NAMES[i]}_: array<f32>;`
  );
  const per = (spec.perOut ?? []).map((_, j) =>
    `@group(0) @binding(${spec.full.length + j + 1}) var<storage, read> q${j}: array<f32>;`
  );
  const outBinding = spec.full.length + (spec.perOut ?? []).length + 1;
  return `struct P { ${fields.join(", ")} }
@group(0) @binding(0) var<uniform> p: P;
${full.join("\n")}
${per.join("\n")}
@group(0) @binding(${outBinding}) var<storage, read_write> y_: array<f32>;`;
}

function loads(spec: ReduceSpec, idx: string): string {
  return spec.full.map((_, i) => `let ${FULL_NAMES[i]} = ${FULL_NAMES[i]}_[${idx}];`).join(" ");
}

function wgCode(spec: ReduceSpec, post: string): string {
  const { plan } = spec;
  return `${header(spec, [...dimFields(plan.kept, "k"), ...dimFields(plan.red, "r")])}
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(workgroup_id) wid: vec3u,
    @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) l: u32) {
  let o = wid.x + wid.y * nwg.x;
  if (o >= p.nout) { return; }
  let chunk = wid.z;
  ${offsetCode(plan.kept, "k", "o", "base")}
  let start = chunk * p.clen;
  let end = min(p.nred, start + p.clen);
  var acc = 0.0;
  for (var r = start + l; r < end; r += 256u) {
    ${offsetCode(plan.red, "r", "r", "ro")}
    let idx = base + ro;
    ${loads(spec, "idx")}
    acc += ${spec.value};
  }
  part[l] = acc;
  ${WG_TREE_SUM}
  if (l == 0u) {
    let acc = part[0];
    y_[o * p.chunks + chunk] = ${post};
  }
}`;
}

function serialCode(spec: ReduceSpec): string {
  const { plan } = spec;
  return `${header(spec, [...dimFields(plan.kept, "k"), ...dimFields(plan.red, "r")])}
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let o = ${WGSL_INDEX.expr};
  if (o >= p.nout) { return; }
  ${offsetCode(plan.kept, "k", "o", "base")}
  var acc = 0.0;
  for (var r = 0u; r < p.nred; r++) {
    ${offsetCode(plan.red, "r", "r", "ro")}
    let idx = base + ro;
    ${loads(spec, "idx")}
    acc += ${spec.value};
  }
  y_[o] = ${spec.post ?? "acc"};
}`;
}

function checkFull(name: string, full: Tensor[], shape: readonly number[]): void {
  for (const t of full) {
    if (t.dtype !== "f32") throw new TypeError(`${name}: expected f32 tensors, got ${t.dtype}`);
    if (t.size !== shape.reduce((a, d) => a * d, 1)) {
      throw new RangeError(
        `${name}: tensor ${shapeStr(t.shape)} does not match ${shapeStr(shape)}`,
      );
    }
  }
}

/** 2-D workgroup counts for `n` workgroups (x ≤ 65535). */
function groups2d(n: number): [number, number] {
  if (n <= 65535) return [n, 1];
  const y = Math.ceil(n / 65535);
  return [Math.ceil(n / y), y];
}

/**
 * Sums `value` over the plan's reduced elements for every output, then applies `post`.
 * One or two dispatches. No autograd.
 */
export function reduceMap(spec: ReduceSpec): Tensor {
  const { plan, name } = spec;
  checkFull(name, spec.full, plan.shape);
  const outShape = spec.outShape ?? plan.outShape;
  const y = Tensor.empty(outShape);
  if (plan.nOut === 0) return y;
  const scalars: Uniform[] = (spec.scalars ?? []).map(f32);
  const dims = [...dimValues(plan.kept), ...dimValues(plan.red)];
  const inputs = [...spec.full, ...(spec.perOut ?? [])];
  const post = spec.post ?? "acc";
  const serial = plan.nRed <= 16 || (plan.nRed <= 1024 && plan.nOut >= 1024);
  if (serial) {
    runKernel({
      name,
      code: serialCode(spec),
      inputs,
      outputs: [y],
      uniforms: [plan.nOut, plan.nRed, 1, plan.nRed, ...scalars, ...dims],
      workgroups: grid(plan.nOut),
    });
    return y;
  }
  const chunks = Math.max(
    1,
    Math.min(Math.ceil(plan.nRed / 16384), Math.ceil(256 / plan.nOut), 256),
  );
  const clen = Math.ceil(plan.nRed / chunks);
  const target = chunks === 1 ? y : Tensor.empty([plan.nOut, chunks]);
  runKernel({
    name,
    code: wgCode(spec, chunks === 1 ? post : "acc"),
    inputs,
    outputs: [target],
    uniforms: [plan.nOut, plan.nRed, chunks, clen, ...scalars, ...dims],
    workgroups: [...groups2d(plan.nOut), chunks],
  });
  if (chunks === 1) return y;
  y.dispose();
  const partial = target;
  const out = reduceMap({
    name: `${name}_partials`,
    full: [partial],
    perOut: spec.perOut,
    plan: planAxes(name, [plan.nOut, chunks], [1]),
    value: "a",
    post,
    scalars: spec.scalars,
    outShape,
  });
  partial.dispose();
  return out;
}

/** What {@link expandMap} computes. */
export interface ExpandSpec {
  /** Kernel name. */
  name: string;
  /** Input-shaped f32 tensors, visible as `a`, `b`, `c`, `d` at the element. */
  full: Tensor[];
  /** Per-output (reduced-shape) f32 tensors, visible as arrays `q0`, `q1`, … (index with `o`). */
  perOut: Tensor[];
  /** The plan whose kept dims index the per-output tensors. */
  plan: AxesPlan;
  /** WGSL f32 expression for each element; `i` is the element, `o` its output index. */
  expr: string;
  /** f32 uniforms visible as `p.s0`, `p.s1`, …. */
  scalars?: number[];
  /** Result shape; defaults to `plan.shape`. */
  outShape?: readonly number[];
}

/**
 * Computes an input-shaped tensor from input-shaped and per-output tensors (the broadcast
 * of a reduction's kept dims). One dispatch. No autograd.
 */
export function expandMap(spec: ExpandSpec): Tensor {
  const { plan, name } = spec;
  checkFull(name, spec.full, plan.shape);
  const scalars = spec.scalars ?? [];
  const fields = [
    "n: u32",
    "nout: u32",
    ...scalars.map((_, i) => `s${i}: f32`),
    ...plan.dims.flatMap((_, d) => [`e${d}: u32`, `et${d}: u32`]),
  ];
  const full = spec.full.map((_, i) =>
    `@group(0) @binding(${i + 1}) var<storage, read> ${FULL_NAMES[i]}_: array<f32>;`
  );
  const per = spec.perOut.map((_, j) =>
    `@group(0) @binding(${spec.full.length + j + 1}) var<storage, read> q${j}: array<f32>;`
  );
  const code = `struct P { ${fields.join(", ")} }
@group(0) @binding(0) var<uniform> p: P;
${full.join("\n")}
${per.join("\n")}
@group(0) @binding(${
    spec.full.length + spec.perOut.length + 1
  }) var<storage, read_write> y_: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.n) { return; }
  ${outIndexCode(plan.dims)}
  ${spec.full.map((_, k) => `let ${FULL_NAMES[k]} = ${FULL_NAMES[k]}_[i];`).join(" ")}
  y_[i] = ${spec.expr};
}`;
  const n = plan.shape.reduce((a, d) => a * d, 1);
  const y = Tensor.empty(spec.outShape ?? plan.shape);
  runKernel({
    name,
    code,
    inputs: [...spec.full, ...spec.perOut],
    outputs: [y],
    uniforms: [n, plan.nOut, ...scalars.map(f32), ...outIndexValues(plan)],
    workgroups: grid(n),
  });
  return y;
}
