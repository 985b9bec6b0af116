/**
 * Fully connected layer `x · wᵀ + b` (PyTorch's `F.linear` layout), with its backward.
 *
 * @module
 */
import { runKernel } from "../kernel.ts";
import { record1 } from "../tape.ts";
import { shapeStr, Tensor } from "../tensor.ts";
import { matmulRaw } from "./matmul.ts";

const ADD_BIAS = `struct P { n: u32, cols: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u,
    @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i < p.n) { y[i] = y[i] + b[i % p.cols]; }
}`;

const SUM_ROWS = `struct P { rows: u32, cols: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  if (j >= p.cols) { return; }
  var s = 0.0;
  for (var r = 0u; r < p.rows; r++) { s += g[r * p.cols + j]; }
  y[j] = s;
}`;

function groups(n: number): [number, number] {
  const g = Math.ceil(n / 64);
  if (g <= 65535) return [g, 1];
  const y = Math.ceil(g / 65535);
  return [Math.ceil(g / y), y];
}

/**
 * Column sums of a [rows, cols] matrix (the bias gradient of {@link linear}); no autograd.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { sumRows } from "@ovsw/gpu/internal";
 * await initGpu();
 * console.log(await sumRows(Tensor.from([1, 2, 3, 4], [2, 2])).read()); // [4, 6]
 * ```
 */
export function sumRows(g: Tensor): Tensor {
  if (g.shape.length !== 2) throw new RangeError(`sumRows: expected 2-D, got ${shapeStr(g.shape)}`);
  const [rows, cols] = g.shape;
  const y = Tensor.empty([cols]);
  if (cols === 0) return y;
  if (cols > 65535 * 64) throw new RangeError(`sumRows: ${cols} columns exceed the dispatch limit`);
  runKernel({
    name: "sum_rows",
    code: SUM_ROWS,
    inputs: [g],
    outputs: [y],
    uniforms: [rows, cols],
    workgroups: [Math.ceil(cols / 64)],
  });
  return y;
}

/**
 * `x · wᵀ + b` with x [N, in], w [out, in] and an optional bias b [out]; result [N, out].
 * Differentiable in x, w and b.
 *
 * @example
 * ```ts
 * import { initGpu, linear, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([1, 2], [1, 2]);
 * const w = Tensor.from([1, 1, 1, -1], [2, 2]);
 * const b = Tensor.from([10, 20], [2]);
 * console.log(await linear(x, w, b).read()); // [13, 19]
 * ```
 */
export function linear(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  if (x.shape.length !== 2) {
    throw new RangeError(`linear: input must be [N, in], got ${shapeStr(x.shape)}`);
  }
  if (w.shape.length !== 2 || w.shape[1] !== x.shape[1]) {
    throw new RangeError(
      `linear: weight ${shapeStr(w.shape)} does not match input ${shapeStr(x.shape)} ` +
        `(expected [out, ${x.shape[1]}])`,
    );
  }
  const out = w.shape[0];
  if (b && (b.shape.length !== 1 || b.shape[0] !== out)) {
    throw new RangeError(`linear: bias ${shapeStr(b.shape)} should be [${out}]`);
  }
  if (b && b.dtype !== "f32") throw new TypeError(`linear: bias must be f32, got ${b.dtype}`);
  const y = matmulRaw(x, w, false, true);
  if (b && y.size > 0) {
    runKernel({
      name: "add_bias",
      code: ADD_BIAS,
      inputs: [b],
      outputs: [y],
      uniforms: [y.size, out],
      workgroups: groups(y.size),
    });
  }
  const inputs = b ? [x, w, b] : [x, w];
  record1(inputs, y, (g) => [
    x.requiresGrad ? matmulRaw(g, w, false, false) : null,
    w.requiresGrad ? matmulRaw(g, x, true, false) : null,
    b?.requiresGrad ? sumRows(g) : null,
  ]);
  return y;
}
