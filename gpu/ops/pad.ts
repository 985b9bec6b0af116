/**
 * Zero-padding along the channel axis (the parameter-free "option A" ResNet shortcut).
 *
 * @module
 */
import { grid, i32, runKernel, WGSL_INDEX } from "../kernel.ts";
import { record1 } from "../tape.ts";
import { shapeStr, Tensor } from "../tensor.ts";

const SHIFT = `struct P { total: u32, inner: u32, cin: u32, cout: u32, off: i32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.total) { return; }
  let j = i % p.inner;
  let rest = i / p.inner;
  let co = rest % p.cout;
  let n = rest / p.cout;
  let c = i32(co) - p.off;
  var v = 0.0;
  if (c >= 0 && c < i32(p.cin)) { v = x[(n * p.cin + u32(c)) * p.inner + j]; }
  y[i] = v;
}`;

/** Output channel `co` of y takes input channel `co − off` of x (zero outside). */
function shiftChannels(x: Tensor, cout: number, off: number): Tensor {
  const [n, cin] = x.shape;
  const inner = x.shape.slice(2).reduce((a, d) => a * d, 1);
  const y = Tensor.empty([n, cout, ...x.shape.slice(2)]);
  runKernel({
    name: "shift_channels",
    code: SHIFT,
    inputs: [x],
    outputs: [y],
    uniforms: [y.size, inner, cin, cout, i32(off)],
    workgroups: grid(y.size),
  });
  return y;
}

/**
 * Adds `before` zero channels in front of and `after` behind axis 1 of `[N, C, ...]`.
 *
 * @example
 * ```ts
 * import { initGpu, padChannels, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const y = padChannels(Tensor.from([1, 2], [1, 2]), 1, 1);
 * console.log(y.shape, await y.read()); // [1, 4] [0, 1, 2, 0]
 * ```
 */
export function padChannels(x: Tensor, before: number, after: number): Tensor {
  if (x.shape.length < 2 || x.dtype !== "f32") {
    throw new RangeError(`padChannels: x must be f32 [N, C, ...], got ${shapeStr(x.shape)}`);
  }
  for (const [name, v] of [["before", before], ["after", after]] as const) {
    if (!Number.isInteger(v) || v < 0) {
      throw new RangeError(`padChannels: ${name} = ${v} must be a non-negative integer`);
    }
  }
  const c = x.shape[1];
  const y = shiftChannels(x, c + before + after, before);
  record1([x], y, (g) => [shiftChannels(g, c, -before)]);
  return y;
}
