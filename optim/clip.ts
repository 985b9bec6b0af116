/**
 * Clipping by the global L2 norm of all updates, computed on the GPU (no readback).
 *
 * @module
 */
import { f32, grid, runKernel, Tensor, WGSL_INDEX } from "@ovsw/gpu";
import { wgTreeSum } from "@ovsw/gpu/internal";
import type { GradientTransformation } from "./types.ts";
import { checkNumber, present } from "./_util.ts";

const MAX_BLOCKS = 64;

/** The workgroup tree sum of `acc` (256 invocations). */
const TREE_SUM = wgTreeSum(["acc"]);

const PARTIAL = `struct P { n: u32, off: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
var<workgroup> acc: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(workgroup_id) wid: vec3u,
    @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) l: u32) {
  var sum = 0.0;
  for (var i = wid.x * 256u + l; i < p.n; i += nwg.x * 256u) { let v = x[i]; sum += v * v; }
  acc[l] = sum;
  ${TREE_SUM}
  if (l == 0u) { part[p.off + wid.x] = acc[0]; }
}`;

const TOTAL = `struct P { n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> norm: array<f32>;
var<workgroup> acc: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(local_invocation_index) l: u32) {
  var sum = 0.0;
  for (var i = l; i < p.n; i += 256u) { sum += part[i]; }
  acc[l] = sum;
  ${TREE_SUM}
  if (l == 0u) { norm[0] = sqrt(acc[0]); }
}`;

const SCALE = `struct P { n: u32, maxNorm: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> norm: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.n) { return; }
  let g = norm[0];
  y[i] = select(x[i], x[i] / g * p.maxNorm, g >= p.maxNorm);
}`;

/**
 * Global L2 norm of a set of tensors as a one-element GPU tensor (no readback).
 *
 * @example
 * ```ts
 * import { globalNorm } from "@ovsw/optim";
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await globalNorm([Tensor.from([3], [1]), Tensor.from([4], [1])]).read()); // [5]
 * ```
 */
export function globalNorm(tensors: Tensor[]): Tensor {
  const blocks = tensors.map((t) => Math.max(1, Math.min(MAX_BLOCKS, Math.ceil(t.size / 256))));
  const total = blocks.reduce((a, b) => a + b, 0);
  const part = Tensor.empty([Math.max(1, total)]);
  let off = 0;
  tensors.forEach((t, k) => {
    runKernel({
      name: "optim_sumsq_partial",
      code: PARTIAL,
      inputs: [t],
      outputs: [part],
      uniforms: [t.size, off],
      workgroups: [blocks[k]],
    });
    off += blocks[k];
  });
  const norm = Tensor.empty([1]);
  runKernel({
    name: "optim_sumsq_total",
    code: TOTAL,
    inputs: [part],
    outputs: [norm],
    uniforms: [total],
    workgroups: [1],
  });
  part.dispose();
  return norm;
}

/**
 * Scales all updates by `maxNorm / ‖u‖` when their global L2 norm `‖u‖` is at least `maxNorm`
 * (optax semantics); otherwise leaves them unchanged. Norm and scaling stay on the GPU.
 *
 * @example
 * ```ts
 * import { adam, chain, clipByGlobalNorm } from "@ovsw/optim";
 * const tx = chain(clipByGlobalNorm(1), adam({ learningRate: 1e-3 }));
 * console.log(tx.name); // chain(clipByGlobalNorm, adam)
 * ```
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<null> {
  const max = checkNumber(maxNorm, "clipByGlobalNorm: maxNorm", 0);
  if (max === 0) throw new RangeError("clipByGlobalNorm: maxNorm must be > 0, got 0");
  return {
    name: "clipByGlobalNorm",
    init: () => null,
    update(updates, state, params) {
      const items = present("clipByGlobalNorm", updates, params);
      const out: Record<string, Tensor> = {};
      if (items.length === 0) return { updates: out, state };
      const norm = globalNorm(items.map(([, g]) => g));
      for (const [name, g] of items) {
        const y = Tensor.empty(g.shape);
        runKernel({
          name: "optim_clip_scale",
          code: SCALE,
          inputs: [g, norm],
          outputs: [y],
          uniforms: [g.size, f32(max)],
          workgroups: grid(g.size),
        });
        out[name] = y;
      }
      norm.dispose();
      return { updates: out, state };
    },
  };
}
