/**
 * The WGSL kernels of the inference engine: one invocation per output element, parameters in
 * a uniform struct of u32, flat 2-D dispatch (`gid.x + gid.y · 64 · groups.x`).
 *
 * @module
 */

/** Invocations per workgroup of every kernel. */
export const WORKGROUP = 64;

const INDEX = `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  if (i >= p.total) { return; }`;

/** The epilogue: `v·scale[c] + shift[c] (+ res[i])`, then Hardtanh when `p.act == 1`. */
const EPILOGUE = `  v = v * scale[ch] + shift[ch];
  if (p.has_res != 0u) { v += res[i]; }
  if (p.act == 1u) { v = clamp(v, -1.0, 1.0); }
  y[i] = v;
}`;

/** The epilogue's bindings (scale, shift, residual, output), numbered from `first`. */
function epilogueBindings(first: number): string {
  return ["scale", "shift", "res"].map((n, j) =>
    `@group(0) @binding(${first + j}) var<storage, read> ${n}: array<f32>;`
  ).join("\n") + `\n@group(0) @binding(${first + 3}) var<storage, read_write> y: array<f32>;`;
}

/** Compile-time window geometry of a conv kernel. */
function windowConstants(k: number, stride: number, pad: number): string {
  return `const K = ${k}u;\nconst STRIDE = ${stride}u;\nconst PAD = ${pad};`;
}

/** Packs sign(x) of `[N, C, H, W]` into `[N, H·W, ⌈C/32⌉]` (negative bits, non-zero bits). */
export const PACK = `struct P { total: u32, c: u32, hw: u32, cw: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> bits: array<vec2<u32>>;
${INDEX}
  let w = i % p.cw;
  let pix = (i / p.cw) % p.hw;
  let n = i / (p.cw * p.hw);
  let c0 = w * 32u;
  let cend = min(c0 + 32u, p.c);
  var s = 0u;
  var nz = 0u;
  for (var c = c0; c < cend; c++) {
    let v = x[(n * p.c + c) * p.hw + pix];
    let b = 1u << (c - c0);
    s |= select(0u, b, v < 0.0);
    nz |= select(0u, b, v != 0.0);
  }
  bits[i] = vec2<u32>(s, nz);
}`;

/** Output pixels per invocation of the binary conv. */
export const BINARY_PIXELS = 4;

/**
 * XNOR-popcount conv of packed activations `[N, H·W, CW]` with packed weights
 * `[⌈O/4⌉, k·k, CW, 2]` of `vec4<u32>` (the sign and non-zero words of four output channels):
 * one invocation computes {@link BINARY_PIXELS} output pixels of four channels, invocation
 * `i = og·tiles + t` (neighbours share their weights). Kernel size, channel words, stride and
 * padding are compile-time constants. `dense`: no weight is 0, so the count of non-zero
 * products is the activation's alone (one scalar popcount instead of four).
 */
export function binaryConvCode(
  k: number,
  cw: number,
  stride: number,
  pad: number,
  dense = false,
): string {
  const J = [...Array(BINARY_PIXELS).keys()];
  const each = (f: (j: number) => string) => J.map(f).join("\n");
  return `struct P {
  total: u32, h: u32, w: u32, o: u32, ho: u32, wo: u32, m: u32, tiles: u32, has_res: u32,
  act: u32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> bits: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read> wts: array<vec4<u32>>;
${epilogueBindings(3)}
const CW = ${cw}u;
${windowConstants(k, stride, pad)}
${INDEX}
  let howo = p.ho * p.wo;
  let og = i / p.tiles;
  let tile = i % p.tiles;
${
    each((j) =>
      `  let px${j} = tile * ${BINARY_PIXELS}u + ${j}u;
  let ok${j} = px${j} < p.m;
  let pc${j} = min(px${j}, p.m - 1u);
  let n${j} = pc${j} / howo;
  let r${j} = pc${j} % howo;
  let oy${j} = i32((r${j} / p.wo) * STRIDE) - PAD;
  let ox${j} = i32((r${j} % p.wo) * STRIDE) - PAD;
  var t${j} = vec4<u32>(0u);
  var d${j} = vec4<u32>(0u);`
    )
  }
  for (var ky = 0u; ky < K; ky++) {
    for (var kx = 0u; kx < K; kx++) {
      let wb = ((og * K + ky) * K + kx) * CW;
${
    each((j) =>
      `      let iy${j} = oy${j} + i32(ky);
      let ix${j} = ox${j} + i32(kx);
      let mk${j} = select(0u, 0xffffffffu,
        iy${j} >= 0 && iy${j} < i32(p.h) && ix${j} >= 0 && ix${j} < i32(p.w));
      let ab${j} = ((n${j} * p.h + u32(clamp(iy${j}, 0, i32(p.h) - 1))) * p.w +
        u32(clamp(ix${j}, 0, i32(p.w) - 1))) * CW;`
    )
  }
      for (var j = 0u; j < CW; j++) {
        let ws = wts[(wb + j) * 2u];
        let wn = wts[(wb + j) * 2u + 1u];
${
    each((j) =>
      `        { let a = bits[ab${j} + j];
          let m = vec4<u32>(a.y & mk${j}) & wn;
          ${dense ? `t${j} += vec4<u32>(countOneBits(a.y & mk${j}));` : `t${j} += countOneBits(m);`}
          d${j} += countOneBits(m & (vec4<u32>(a.x) ^ ws)); }`
    )
  }
      }
    }
  }
${
    each((j) =>
      `  if (ok${j}) {
    let acc = vec4<f32>(vec4<i32>(t${j}) - 2i * vec4<i32>(d${j}));
    for (var q = 0u; q < 4u; q++) {
      let ch = og * 4u + q;
      if (ch >= p.o) { break; }
      let oi = (n${j} * p.o + ch) * howo + r${j};
      var v = acc[q] * scale[ch] + shift[ch];
      if (p.has_res != 0u) { v += res[oi]; }
      if (p.act == 1u) { v = clamp(v, -1.0, 1.0); }
      y[oi] = v;
    }
  }`
    )
  }
}`;
}

/** Output channels per invocation of the float conv. */
export const CONV_CHANNELS = 8;

/**
 * Float direct convolution with zero padding, optional bias, then the epilogue: one invocation
 * computes one output pixel of {@link CONV_CHANNELS} channels (`i = (n·⌈O/8⌉ + og)·Ho·Wo +
 * pix`), reusing each input load; input channels, kernel size, stride and padding are
 * compile-time constants.
 */
export function convCode(c: number, k: number, stride: number, pad: number): string {
  const Q = [...Array(CONV_CHANNELS).keys()];
  return `struct P {
  total: u32, h: u32, w: u32, o: u32, ho: u32, wo: u32, og: u32, has_bias: u32, has_res: u32,
  act: u32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
${epilogueBindings(4)}
const C = ${c}u;
${windowConstants(k, stride, pad)}
${INDEX}
  let howo = p.ho * p.wo;
  let pix = i % howo;
  let og = (i / howo) % p.og;
  let n = i / (howo * p.og);
  let y0 = i32((pix / p.wo) * STRIDE) - PAD;
  let x0 = i32((pix % p.wo) * STRIDE) - PAD;
${
    Q.map((q) =>
      `  let o${q} = min(og * ${CONV_CHANNELS}u + ${q}u, p.o - 1u);
  var v${q} = 0.0;`
    ).join("\n")
  }
  for (var c = 0u; c < C; c++) {
    let xb = (n * C + c) * p.h;
    for (var ky = 0u; ky < K; ky++) {
      let iy = y0 + i32(ky);
      let rowOk = iy >= 0 && iy < i32(p.h);
      let row = (xb + u32(clamp(iy, 0, i32(p.h) - 1))) * p.w;
      for (var kx = 0u; kx < K; kx++) {
        let ix = x0 + i32(kx);
        let ok = rowOk && ix >= 0 && ix < i32(p.w);
        let xv = select(0.0, x[row + u32(clamp(ix, 0, i32(p.w) - 1))], ok);
        let t = (c * K + ky) * K + kx;
${Q.map((q) => `        v${q} += xv * wt[o${q} * C * K * K + t];`).join("\n")}
      }
    }
  }
${
    Q.map((q) =>
      `  if (og * ${CONV_CHANNELS}u + ${q}u < p.o) {
    let ch = o${q};
    let oi = (n * p.o + ch) * howo + pix;
    var v = v${q};
    if (p.has_bias != 0u) { v += bias[ch]; }
    v = v * scale[ch] + shift[ch];
    if (p.has_res != 0u) { v += res[oi]; }
    if (p.act == 1u) { v = clamp(v, -1.0, 1.0); }
    y[oi] = v;
  }`
    ).join("\n")
  }
}`;
}

/** Per-channel affine (a folded BatchNorm) with residual and activation. */
export const AFFINE = `struct P { total: u32, c: u32, inner: u32, has_res: u32, act: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
${epilogueBindings(2)}
${INDEX}
  let ch = (i / p.inner) % p.c;
  var v = x[i];
${EPILOGUE}`;

/** Max (padding −∞) or average (no padding) pooling; `p.avg == 1` for average. */
export const POOL = `struct P {
  total: u32, h: u32, w: u32, k: u32, stride: u32, pad: u32, ho: u32, wo: u32, avg: u32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${INDEX}
  let ox = i % p.wo;
  let oy = (i / p.wo) % p.ho;
  let plane = i / (p.wo * p.ho);
  var mx = -3.4028234663852886e38;
  var sum = 0.0;
  for (var ky = 0u; ky < p.k; ky++) {
    let iy = i32(oy * p.stride + ky) - i32(p.pad);
    if (iy < 0 || iy >= i32(p.h)) { continue; }
    for (var kx = 0u; kx < p.k; kx++) {
      let ix = i32(ox * p.stride + kx) - i32(p.pad);
      if (ix < 0 || ix >= i32(p.w)) { continue; }
      let v = x[(plane * p.h + u32(iy)) * p.w + u32(ix)];
      mx = max(mx, v);
      sum += v;
    }
  }
  y[i] = select(mx, sum / f32(p.k * p.k), p.avg == 1u);
}`;

/** Mean over each `[H, W]` plane: `[N, C, H, W] → [N, C]`. */
export const GLOBAL_AVG = `struct P { total: u32, hw: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${INDEX}
  var sum = 0.0;
  for (var j = 0u; j < p.hw; j++) { sum += x[i * p.hw + j]; }
  y[i] = sum / f32(p.hw);
}`;

/** Zero channels before and after. */
export const PAD_CHANNELS = `struct P { total: u32, c: u32, cout: u32, hw: u32, before: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${INDEX}
  let pix = i % p.hw;
  let co = (i / p.hw) % p.cout;
  let n = i / (p.hw * p.cout);
  let ok = co >= p.before && co < p.before + p.c;
  let src = (n * p.c + select(0u, co - p.before, ok)) * p.hw + pix;
  y[i] = select(0.0, x[src], ok);
}`;

/** PReLU, one slope per channel, with a shift before (`before`) and after (`after`). */
export const PRELU = `struct P { total: u32, c: u32, inner: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> before: array<f32>;
@group(0) @binding(4) var<storage, read> after: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
${INDEX}
  let c = (i / p.inner) % p.c;
  let v = x[i] + before[c];
  y[i] = select(a[c] * v, v, v > 0.0) + after[c];
}`;

/** Per-sample mean of `[N, size]`: one workgroup per sample, a tree sum in workgroup memory. */
export const SAMPLE_MEAN = `struct P { total: u32, n: u32, size: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
var<workgroup> part: array<f32, ${WORKGROUP}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) l: u32) {
  let s = wg.x + wg.y * nwg.x;
  var acc = 0.0;
  if (s < p.n) {
    for (var j = l; j < p.size; j += ${WORKGROUP}u) { acc += x[s * p.size + j]; }
  }
  part[l] = acc;
  workgroupBarrier();
  for (var w = ${WORKGROUP / 2}u; w > 0u; w = w / 2u) {
    if (l < w) { part[l] += part[l + w]; }
    workgroupBarrier();
  }
  if (l == 0u && s < p.n) { y[s] = part[0] / f32(p.size); }
}`;

/** `y[i] = x[i] − mean[i / size]`: each sample minus its mean. */
export const SAMPLE_CENTRE = `struct P { total: u32, size: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
${INDEX}
  y[i] = x[i] - mean[i / p.size];
}`;

/** Fully connected `y[n, o] = Σ_j x[n, j]·W[o, j] (+ b[o])`. */
export const LINEAR = `struct P { total: u32, inf: u32, outf: u32, has_bias: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
${INDEX}
  let o = i % p.outf;
  let n = i / p.outf;
  var v = 0.0;
  for (var j = 0u; j < p.inf; j++) { v += x[n * p.inf + j] * wt[o * p.inf + j]; }
  if (p.has_bias != 0u) { v += bias[o]; }
  y[i] = v;
}`;
