/**
 * `y[n, c, i, j] · o[c] · h[i] · w[j]` with its backward: XNOR-Net++'s factorised scale
 * Γ = α ⊗ β ⊗ γ, the `h`, `w` vectors possibly longer than the output (BiBench stores 2000
 * and slices the first H_out, W_out; the rest get zero gradient).
 *
 * @module
 */
import { grid, record1, runKernel, Tensor, WGSL_INDEX } from "@ovsw/gpu";

const HEADER = `struct P { n: u32, c: u32, h: u32, w: u32, axis: u32, len: u32 }
@group(0) @binding(0) var<uniform> p: P;`;

const SCALE = `${HEADER}
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> o: array<f32>;
@group(0) @binding(3) var<storage, read> hs: array<f32>;
@group(0) @binding(4) var<storage, read> ws: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let k = ${WGSL_INDEX.expr};
  if (k >= p.len) { return; }
  let j = k % p.w;
  let i = (k / p.w) % p.h;
  let c = (k / (p.w * p.h)) % p.c;
  out[k] = y[k] * o[c] * hs[i] * ws[j];
}`;

// One thread per entry of the scale along p.axis (1 = o, 2 = h, 3 = w): the sum over the
// other three axes of g·y·(the other two scales); entries beyond the output size get 0.
const REDUCE = `${HEADER}
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read> o: array<f32>;
@group(0) @binding(4) var<storage, read> hs: array<f32>;
@group(0) @binding(5) var<storage, read> ws: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let k = ${WGSL_INDEX.expr};
  if (k >= p.len) { return; }
  let size = select(select(p.w, p.h, p.axis == 2u), p.c, p.axis == 1u);
  if (k >= size) { out[k] = 0.0; return; }
  var c0 = 0u; var c1 = p.c; var i0 = 0u; var i1 = p.h; var j0 = 0u; var j1 = p.w;
  if (p.axis == 1u) { c0 = k; c1 = k + 1u; }
  if (p.axis == 2u) { i0 = k; i1 = k + 1u; }
  if (p.axis == 3u) { j0 = k; j1 = k + 1u; }
  var acc = 0.0;
  for (var b = 0u; b < p.n; b++) {
    for (var c = c0; c < c1; c++) {
      for (var i = i0; i < i1; i++) {
        for (var j = j0; j < j1; j++) {
          let e = ((b * p.c + c) * p.h + i) * p.w + j;
          var f = g[e] * y[e];
          if (p.axis != 1u) { f *= o[c]; }
          if (p.axis != 2u) { f *= hs[i]; }
          if (p.axis != 3u) { f *= ws[j]; }
          acc += f;
        }
      }
    }
  }
  out[k] = acc;
}`;

function scaleRaw(y: Tensor, o: Tensor, h: Tensor, w: Tensor): Tensor {
  const [n, c, hh, ww] = y.shape;
  const out = Tensor.empty(y.shape);
  runKernel({
    name: "factorised_scale",
    code: SCALE,
    inputs: [y, o, h, w],
    outputs: [out],
    uniforms: [n, c, hh, ww, 0, out.size],
    workgroups: grid(out.size),
  });
  return out;
}

function reduceRaw(g: Tensor, y: Tensor, o: Tensor, h: Tensor, w: Tensor, axis: number): Tensor {
  const [n, c, hh, ww] = y.shape;
  const like = [o, h, w][axis - 1];
  const out = Tensor.empty(like.shape);
  runKernel({
    name: "factorised_scale_grad",
    code: REDUCE,
    inputs: [g, y, o, h, w],
    outputs: [out],
    uniforms: [n, c, hh, ww, axis, out.size],
    workgroups: grid(out.size),
  });
  return out;
}

/**
 * `y · o[c] · h[i] · w[j]` for y `[N, C, H, W]`, o `[C]`, h `[≥ H]`, w `[≥ W]` (only the first
 * H, W entries are used), differentiable in all four.
 */
export function factorisedScale(y: Tensor, o: Tensor, h: Tensor, w: Tensor): Tensor {
  const [, c, hh, ww] = y.shape;
  if (y.shape.length !== 4 || o.size !== c || h.size < hh || w.size < ww) {
    throw new RangeError(
      `factorisedScale: output [${y.shape}] needs o [${c}], h [≥ ${hh}], w [≥ ${ww}]; got ` +
        `[${o.shape}], [${h.shape}], [${w.shape}]`,
    );
  }
  const out = scaleRaw(y, o, h, w);
  record1([y, o, h, w], out, (g) => [
    y.requiresGrad ? scaleRaw(g, o, h, w) : null,
    o.requiresGrad ? reduceRaw(g, y, o, h, w, 1) : null,
    h.requiresGrad ? reduceRaw(g, y, o, h, w, 2) : null,
    w.requiresGrad ? reduceRaw(g, y, o, h, w, 3) : null,
  ]);
  return out;
}
