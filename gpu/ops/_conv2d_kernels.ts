/**
 * WGSL generators for the implicit-GEMM convolutions (no im2col is materialised).
 *
 * Every kernel computes a `tm × tn` register tile per invocation (see {@link denseTiling}):
 *
 * * forward: rows = output channels, columns = output pixels (n, oh, ow), reduction over
 *   (c, kh, kw); the weight is read from a `[C·kh·kw, O]` copy so output channels are contiguous;
 * * grad-input: rows = input channels, columns = input pixels (n, ih, iw), reduction over
 *   (o, kh, kw); the weight is read from an `[O·kh·kw, C]` copy;
 * * grad-weight: rows = output channels, columns = taps (c, kh, kw), reduction over the output
 *   pixels of a slice of image rows (split-K over the batch), then a sum over slices.
 *
 * Kernel size and stride are compiled in (few distinct values); all sizes and the padding are
 * uniforms. Out-of-range rows/columns are clamped on load and skipped on store; padding taps
 * are masked with `select`. Index arithmetic is u32 and may wrap for taps in the padding: a
 * wrapped coordinate is always ≥ the bound, so the mask rejects it.
 *
 * @module
 */
import type { DenseTiling } from "./matmul_tiling.ts";

/** Compile-time parameters of a conv kernel. */
export interface ConvVariant {
  /** Kernel height. */
  kh: number;
  /** Kernel width. */
  kw: number;
  /** Stride (both axes). */
  stride: number;
  /** Whether the row operand (weight copy) is read as vec4 (its row count is a multiple of 4). */
  aVec: boolean;
}

/** Uniform block shared by the conv kernels, in this order. */
export const CONV_UNIFORMS =
  "struct P { N: u32, C: u32, H: u32, W: u32, O: u32, OH: u32, OW: u32, pad: u32, " +
  "cols: u32, rowsPerSlice: u32 }";

const cache = new Map<string, string>();

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function cached(key: unknown[], make: () => string): string {
  const k = JSON.stringify(key);
  let code = cache.get(k);
  if (!code) {
    code = make();
    cache.set(k, code);
  }
  return code;
}

/** Lines that accumulate `acc{r}_{q} += a{r} · b{4q..4q+3}` for one reduction step. */
function fmaLines(tm: number, tn: number, a: (r: number) => string, b: (c: number) => string) {
  const out: string[] = [];
  for (const r of range(tm)) {
    for (const q of range(tn / 4)) {
      out.push(
        `      acc${r}_${q} = fma(vec4<f32>(${a(r)}), vec4<f32>(${
          range(4).map((t) => b(q * 4 + t)).join(", ")
        }), acc${r}_${q});`,
      );
    }
  }
  return out.join("\n");
}

/** Row-operand loads `a{r}` for rows i0.. of a [K, M] matrix at reduction index `kExpr`. */
function rowLoads(tm: number, aVec: boolean, kExpr: string, mExpr: string): string {
  const out: string[] = [];
  if (aVec) {
    for (const rq of range(tm / 4)) out.push(`      let va${rq} = A[(${kExpr}) * M4 + iq${rq}];`);
  } else {
    for (const r of range(tm)) out.push(`      let a${r} = A[(${kExpr}) * ${mExpr} + ir${r}];`);
  }
  return out.join("\n");
}

function rowRef(aVec: boolean): (r: number) => string {
  return aVec ? (r) => `va${r >> 2}[${r & 3}]` : (r) => `a${r}`;
}

/** Clamped row indices (ir*, or iq* for vec4 quads) for rows i0.. of an M-row operand. */
function rowIndexLines(tm: number, aVec: boolean, M: string): string {
  if (aVec) {
    return [`  let M4 = ${M} >> 2u;`].concat(
      range(tm / 4).map((rq) => `  let iq${rq} = min((i0 >> 2u) + ${rq}u, M4 - 1u);`),
    ).join("\n");
  }
  return range(tm).map((r) => `  let ir${r} = min(i0 + ${r}u, ${M} - 1u);`).join("\n");
}

function accDecl(tm: number, tn: number): string {
  return range(tm).flatMap((r) => range(tn / 4).map((q) => `  var acc${r}_${q} = vec4<f32>(0.0);`))
    .join("\n");
}

function header(aVec: boolean, t: DenseTiling): string {
  return `${CONV_UNIFORMS}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> A: ${aVec ? "array<vec4<f32>>" : "array<f32>"};
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(${t.wx}, ${t.wy}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j0 = gid.x * ${t.tn}u;
  let i0 = gid.y * ${t.tm}u;`;
}

/**
 * The reduction and store of the gather kernels (forward, grad-input), which differ only in
 * names: for each `k` < `K` (plane `k · planeSize` of B) and tap (i, j), the row loads and the
 * masked gathers `B[plane + ro{c}_{i} + co{c}_{j}]` (valid when `rv{c}_{i} && cv{c}_{j}`)
 * accumulate; then column `c` (pixel `r{c}` of sample `n{c}`) of each of the `rows` rows is
 * stored at `Y[base + row · size]`, `base = n{c} · rows · size + r{c}`.
 */
function gatherTail(
  v: ConvVariant,
  t: DenseTiling,
  red: { k: string; K: string; plane: string; planeSize: string },
  out: { rows: string; base: string; size: string },
): string[] {
  const { tm, tn } = t;
  const L: string[] = [];
  L.push(`  for (var ${red.k} = 0u; ${red.k} < ${red.K}; ${red.k}++) {
    let ${red.plane} = ${red.k} * ${red.planeSize};
    let kb = ${red.k} * ${v.kh * v.kw}u;`);
  for (const i of range(v.kh)) {
    for (const j of range(v.kw)) {
      L.push(`    {`);
      L.push(rowLoads(tm, v.aVec, `kb + ${i * v.kw + j}u`, out.rows));
      for (const c of range(tn)) {
        L.push(
          `      let b${c} = select(0.0, B[${red.plane} + ro${c}_${i} + co${c}_${j}], rv${c}_${i} && cv${c}_${j});`,
        );
      }
      L.push(fmaLines(tm, tn, rowRef(v.aVec), (c) => `b${c}`));
      L.push(`    }`);
    }
  }
  L.push(`  }`);
  for (const c of range(tn)) {
    L.push(`  if (j0 + ${c}u < p.cols) {
    let ${out.base} = n${c} * ${out.rows} * ${out.size} + r${c};`);
    for (const r of range(tm)) {
      L.push(
        `    if (i0 + ${r}u < ${out.rows}) { Y[${out.base} + (i0 + ${r}u) * ${out.size}] = acc${r}_${
          c >> 2
        }[${c & 3}]; }`,
      );
    }
    L.push(`  }`);
  }
  return L;
}

/**
 * Forward: Y[n, o, oh, ow] = Σ A[(c·kh·kw + tap), o] · X[n, c, oh·s − pad + i, ow·s − pad + j].
 * Bindings: A = weight as [C·kh·kw, O], B = x, Y = y. Columns: N·OH·OW output pixels.
 */
export function convForwardCode(v: ConvVariant, t: DenseTiling): string {
  return cached(["fwd", v, t], () => {
    const { tm, tn } = t;
    const L: string[] = [header(v.aVec, t)];
    L.push(`  if (j0 >= p.cols || i0 >= p.O) { return; }
  let OHW = p.OH * p.OW;
  let HW = p.H * p.W;`);
    L.push(rowIndexLines(tm, v.aVec, "p.O"));
    for (const c of range(tn)) {
      L.push(`  let q${c} = min(j0 + ${c}u, p.cols - 1u);
  let n${c} = q${c} / OHW;
  let r${c} = q${c} - n${c} * OHW;
  let oh${c} = r${c} / p.OW;
  let ow${c} = r${c} - oh${c} * p.OW;
  let xb${c} = n${c} * p.C * HW;
  let ih${c} = oh${c} * ${v.stride}u - p.pad;
  let iw${c} = ow${c} * ${v.stride}u - p.pad;`);
      for (const i of range(v.kh)) {
        L.push(`  let rv${c}_${i} = ih${c} + ${i}u < p.H;`);
        L.push(`  let ro${c}_${i} = xb${c} + (ih${c} + ${i}u) * p.W;`);
      }
      for (const j of range(v.kw)) {
        L.push(`  let cv${c}_${j} = iw${c} + ${j}u < p.W;`);
        L.push(`  let co${c}_${j} = iw${c} + ${j}u;`);
      }
    }
    L.push(accDecl(tm, tn));
    L.push(...gatherTail(v, t, { k: "c", K: "p.C", plane: "xc", planeSize: "HW" }, {
      rows: "p.O",
      base: "yb",
      size: "OHW",
    }));
    L.push(`}`);
    return L.join("\n");
  });
}

/** Compile-time parameters of the row-tiled stride-1 forward kernel. */
export interface ConvRowVariant {
  /** Kernel height. */
  kh: number;
  /** Kernel width. */
  kw: number;
  /** Zero padding (both axes), compiled in. */
  pad: number;
  /** Whether the weight copy [C·kh·kw, O] is read as vec4 (O % 4 == 0). */
  aVec: boolean;
}

/**
 * Whether {@link convForwardRowCode} applies: stride 1, each column tile inside one output row
 * (OW % tn == 0) and input rows made of whole vec4 (W % 4 == 0).
 */
export function rowKernelApplies(stride: number, W: number, OW: number, t: DenseTiling): boolean {
  return stride === 1 && W % 4 === 0 && OW % t.tn === 0;
}

/**
 * Forward, stride 1, row-tiled: one invocation computes `tm` output channels × `tn` adjacent
 * pixels of one output row. For every (c, kernel row) it reads the needed stretch of the input
 * row as a few aligned vec4 (masked as a whole at the borders) and reuses it for every kernel
 * column. Bindings: A = weight as [C·kh·kw, O], B = x (vec4), Y = y (vec4). Columns: N·OH·OW.
 */
export function convForwardRowCode(v: ConvRowVariant, t: DenseTiling): string {
  return cached(["fwdrow", v, t], () => {
    const { tm, tn } = t;
    const KK = v.kh * v.kw;
    const lead = 4 * Math.ceil(v.pad / 4); // columns loaded left of the tile
    const off = lead - v.pad; // window index of tap 0 for pixel 0
    const nv = Math.ceil((off + tn + v.kw - 1) / 4);
    const L: string[] = [];
    L.push(`${CONV_UNIFORMS}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> A: ${v.aVec ? "array<vec4<f32>>" : "array<f32>"};
@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> Y: array<vec4<f32>>;
@compute @workgroup_size(${t.wx}, ${t.wy}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j0 = gid.x * ${tn}u;
  let i0 = gid.y * ${tm}u;
  if (j0 >= p.cols || i0 >= p.O) { return; }
  let OHW = p.OH * p.OW;
  let HW4 = (p.H * p.W) >> 2u;
  let W4 = p.W >> 2u;
  let n = j0 / OHW;
  let r = j0 - n * OHW;
  let oh = r / p.OW;
  let ow0 = r - oh * p.OW;
  let ih = oh - ${v.pad}u;
  let c0 = ow0 - ${lead}u;
  let xb = n * p.C * HW4;`);
    L.push(rowIndexLines(tm, v.aVec, "p.O"));
    for (const i of range(v.kh)) {
      L.push(`  let rv${i} = ih + ${i}u < p.H;`);
      L.push(`  let ro${i} = (ih + ${i}u) * W4;`);
    }
    for (const e of range(nv)) {
      L.push(`  let cv${e} = c0 + ${4 * e}u < p.W;`);
      L.push(`  let ci${e} = (c0 + ${4 * e}u) >> 2u;`);
    }
    L.push(accDecl(tm, tn));
    L.push(`  for (var c = 0u; c < p.C; c++) {
    let xc = xb + c * HW4;
    let kb = c * ${KK}u;`);
    const win = (e: number) => `x${e >> 2}[${e & 3}]`;
    for (const i of range(v.kh)) {
      L.push(`    {`);
      for (const e of range(nv)) {
        L.push(
          `    let x${e} = select(vec4<f32>(0.0), B[xc + ro${i} + ci${e}], rv${i} && cv${e});`,
        );
      }
      for (const j of range(v.kw)) {
        L.push(`    {`);
        L.push(rowLoads(tm, v.aVec, `kb + ${i * v.kw + j}u`, "p.O"));
        for (const r of range(tm)) {
          for (const q of range(tn / 4)) {
            const base = off + 4 * q + j;
            const bvec = base % 4 === 0
              ? `x${base >> 2}`
              : `vec4<f32>(${range(4).map((k) => win(base + k)).join(", ")})`;
            const a = v.aVec ? `va${r >> 2}[${r & 3}]` : `a${r}`;
            L.push(`      acc${r}_${q} = fma(vec4<f32>(${a}), ${bvec}, acc${r}_${q});`);
          }
        }
        L.push(`    }`);
      }
      L.push(`    }`);
    }
    L.push(`  }
  let yb = (n * p.O * OHW + oh * p.OW + ow0) >> 2u;
  let OHW4 = OHW >> 2u;`);
    for (const r of range(tm)) {
      L.push(`  if (i0 + ${r}u < p.O) {`);
      for (const q of range(tn / 4)) {
        L.push(`    Y[yb + (i0 + ${r}u) * OHW4 + ${q}u] = acc${r}_${q};`);
      }
      L.push(`  }`);
    }
    L.push(`}`);
    return L.join("\n");
  });
}

/**
 * Grad-input: DX[n, c, ih, iw] = Σ A[(o·kh·kw + tap), c] · DY[n, o, (ih + pad − i)/s, (iw + pad − j)/s]
 * over taps where the division is exact and in range. Bindings: A = weight as [O·kh·kw, C],
 * B = dy, Y = dx. Columns: N·H·W input pixels.
 */
export function convGradInputCode(v: ConvVariant, t: DenseTiling): string {
  return cached(["dx", v, t], () => {
    const { tm, tn } = t;
    const s = v.stride;
    const L: string[] = [header(v.aVec, t)];
    L.push(`  if (j0 >= p.cols || i0 >= p.C) { return; }
  let OHW = p.OH * p.OW;
  let HW = p.H * p.W;`);
    L.push(rowIndexLines(tm, v.aVec, "p.C"));
    for (const c of range(tn)) {
      L.push(`  let q${c} = min(j0 + ${c}u, p.cols - 1u);
  let n${c} = q${c} / HW;
  let r${c} = q${c} - n${c} * HW;
  let ih${c} = r${c} / p.W + p.pad;
  let iw${c} = r${c} % p.W + p.pad;
  let db${c} = n${c} * p.O * OHW;`);
      for (const i of range(v.kh)) {
        const th = `(ih${c} - ${i}u)`;
        const valid = s === 1 ? `${th} < p.OH` : `${th} % ${s}u == 0u && ${th} / ${s}u < p.OH`;
        L.push(`  let rv${c}_${i} = ${valid};`);
        L.push(`  let ro${c}_${i} = db${c} + ${s === 1 ? th : `${th} / ${s}u`} * p.OW;`);
      }
      for (const j of range(v.kw)) {
        const tw = `(iw${c} - ${j}u)`;
        const valid = s === 1 ? `${tw} < p.OW` : `${tw} % ${s}u == 0u && ${tw} / ${s}u < p.OW`;
        L.push(`  let cv${c}_${j} = ${valid};`);
        L.push(`  let co${c}_${j} = ${s === 1 ? tw : `${tw} / ${s}u`};`);
      }
    }
    L.push(accDecl(tm, tn));
    L.push(...gatherTail(v, t, { k: "o", K: "p.O", plane: "ob", planeSize: "OHW" }, {
      rows: "p.C",
      base: "xb",
      size: "HW",
    }));
    L.push(`}`);
    return L.join("\n");
  });
}

/**
 * Grad-weight, one slice of image rows per `gid.z`: Y[z, o, tap'] = Σ over rows (n, oh) of the
 * slice and ow of DY[n, o, oh, ow] · X[n, c, oh·s − pad + i, ow·s − pad + j], tap' = (c, i, j).
 * Bindings: A = dy, B = x, Y = partial sums [slices, O, C·kh·kw]. Columns: C·kh·kw.
 */
export function convGradWeightCode(v: Omit<ConvVariant, "aVec">, t: DenseTiling): string {
  return cached(["dw", v, t], () => {
    const { tm, tn } = t;
    const KK = v.kh * v.kw;
    const s = v.stride;
    const L: string[] = [header(false, t)];
    L.push(`  if (j0 >= p.cols || i0 >= p.O) { return; }
  let OHW = p.OH * p.OW;
  let HW = p.H * p.W;
  let rowStart = gid.z * p.rowsPerSlice;
  let rowEnd = min(rowStart + p.rowsPerSlice, p.N * p.OH);`);
    for (const r of range(tm)) L.push(`  let ao${r} = min(i0 + ${r}u, p.O - 1u) * OHW;`);
    for (const c of range(tn)) {
      L.push(`  let q${c} = min(j0 + ${c}u, p.cols - 1u);
  let cc${c} = q${c} / ${KK}u;
  let tap${c} = q${c} - cc${c} * ${KK}u;
  let kh${c} = tap${c} / ${v.kw}u;
  let dh${c} = kh${c} - p.pad;
  let dw${c} = (tap${c} - kh${c} * ${v.kw}u) - p.pad;
  let xo${c} = cc${c} * HW;`);
    }
    L.push(accDecl(tm, tn));
    L.push(`  for (var row = rowStart; row < rowEnd; row++) {
    let n = row / p.OH;
    let oh = row - n * p.OH;
    let db = n * p.O * OHW + oh * p.OW;
    let xb = n * p.C * HW;`);
    for (const c of range(tn)) {
      L.push(`    let ih${c} = oh * ${s}u + dh${c};
    let rv${c} = ih${c} < p.H;
    let rb${c} = xb + xo${c} + ih${c} * p.W;`);
    }
    L.push(`    for (var ow = 0u; ow < p.OW; ow++) {
      let iw = ow * ${s}u;`);
    for (const r of range(tm)) L.push(`      let a${r} = A[db + ao${r} + ow];`);
    for (const c of range(tn)) {
      L.push(`      let iw${c} = iw + dw${c};
      let b${c} = select(0.0, B[rb${c} + iw${c}], rv${c} && iw${c} < p.W);`);
    }
    L.push(fmaLines(tm, tn, (r) => `a${r}`, (c) => `b${c}`));
    L.push(`    }
  }
  let zb = gid.z * p.O * p.cols;`);
    for (const r of range(tm)) {
      L.push(`  if (i0 + ${r}u < p.O) {
    let yr = zb + (i0 + ${r}u) * p.cols;`);
      for (const c of range(tn)) {
        L.push(
          `    if (j0 + ${c}u < p.cols) { Y[yr + j0 + ${c}u] = acc${r}_${c >> 2}[${c & 3}]; }`,
        );
      }
      L.push(`  }`);
    }
    L.push(`}`);
    return L.join("\n");
  });
}

/** Compile-time parameters of the row-tiled stride-1 grad-weight kernel. */
export interface ConvWeightRowVariant {
  /** Kernel height. */
  kh: number;
  /** Kernel width. */
  kw: number;
  /** Zero padding, compiled in. */
  pad: number;
  /** (c, kernel row) pairs per invocation; each pair covers all `kw` taps. */
  tc: number;
  /** Output pixels per step along a row: 4 or 8 (OW must be a multiple). */
  bw: number;
}

/**
 * Whether {@link convGradWeightRowCode} applies: stride 1 and rows of whole vec4
 * (W % 4 == 0, OW % 4 == 0).
 */
export function weightRowKernelApplies(stride: number, W: number, OW: number): boolean {
  return stride === 1 && W % 4 === 0 && OW % 4 === 0;
}

/**
 * Grad-weight, stride 1, row-tiled, split-K: invocation `id` handles slice `id / tiles` of the
 * image rows (n, oh) and one tile of `tm` output channels × `tc` (c, kernel row) pairs × all
 * kernel columns. Per step it reads `bw` pixels of dy per channel and the matching stretch of
 * the input row as aligned vec4, and accumulates dot products. Bindings: A = dy (vec4),
 * B = x (vec4), Y = partial sums [slices, O, C·kh·kw]. Dispatch: 64 invocations per group,
 * 2-D grid over slices × tiles.
 */
export function convGradWeightRowCode(v: ConvWeightRowVariant, t: DenseTiling): string {
  return cached(["dwrow", v, t.tm], () => {
    const { tm } = t;
    const { tc, bw } = v;
    const lead = 4 * Math.ceil(v.pad / 4);
    const off = lead - v.pad;
    const nv = Math.ceil((off + bw + v.kw - 1) / 4);
    const L: string[] = [];
    L.push(`${CONV_UNIFORMS}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u,
    @builtin(num_workgroups) nwg: vec3u) {
  let id = gid.x + gid.y * nwg.x * 64u;
  let PR = p.C * ${v.kh}u;
  let pT = (PR + ${tc - 1}u) / ${tc}u;
  let tiles = pT * ((p.O + ${tm - 1}u) / ${tm}u);
  let z = id / tiles;
  let rows = p.N * p.OH;
  let rowStart = z * p.rowsPerSlice;
  if (rowStart >= rows) { return; }
  let rowEnd = min(rowStart + p.rowsPerSlice, rows);
  let tile = id - z * tiles;
  let ot = tile / pT;
  let i0 = ot * ${tm}u;
  let pb = (tile - ot * pT) * ${tc}u;
  let OHW = p.OH * p.OW;
  let HW = p.H * p.W;`);
    for (const r of range(tm)) L.push(`  let ao${r} = min(i0 + ${r}u, p.O - 1u) * OHW;`);
    for (const u of range(tc)) {
      L.push(`  let pr${u} = min(pb + ${u}u, PR - 1u);
  let c${u} = pr${u} / ${v.kh}u;
  let dh${u} = (pr${u} - c${u} * ${v.kh}u) - ${v.pad}u;
  let xo${u} = c${u} * HW;`);
    }
    for (const r of range(tm)) {
      for (const u of range(tc)) {
        for (const j of range(v.kw)) L.push(`  var acc${r}_${u}_${j} = 0.0;`);
      }
    }
    L.push(`  for (var row = rowStart; row < rowEnd; row++) {
    let n = row / p.OH;
    let oh = row - n * p.OH;
    let db = n * p.O * OHW + oh * p.OW;
    let xb = n * p.C * HW;`);
    for (const u of range(tc)) {
      L.push(`    let ih${u} = oh + dh${u};
    let rv${u} = ih${u} < p.H;
    let rb${u} = xb + xo${u} + ih${u} * p.W;`);
    }
    L.push(`    for (var ow0 = 0u; ow0 < p.OW; ow0 += ${bw}u) {
      let c0 = ow0 - ${lead}u;`);
    for (const r of range(tm)) {
      for (const h of range(bw / 4)) {
        L.push(`      let d${r}_${h} = A[(db + ao${r} + ow0 + ${4 * h}u) >> 2u];`);
      }
    }
    for (const e of range(nv)) L.push(`      let cv${e} = c0 + ${4 * e}u < p.W;`);
    for (const u of range(tc)) {
      for (const e of range(nv)) {
        L.push(
          `      let x${u}_${e} = select(vec4<f32>(0.0), B[(rb${u} + c0 + ${
            4 * e
          }u) >> 2u], rv${u} && cv${e});`,
        );
      }
    }
    const win = (u: number, e: number) => `x${u}_${e >> 2}[${e & 3}]`;
    for (const u of range(tc)) {
      for (const j of range(v.kw)) {
        for (const h of range(bw / 4)) {
          const base = off + j + 4 * h;
          const xv = base % 4 === 0
            ? `x${u}_${base >> 2}`
            : `vec4<f32>(${range(4).map((k) => win(u, base + k)).join(", ")})`;
          L.push(`      { let xv = ${xv};`);
          for (const r of range(tm)) {
            L.push(`        acc${r}_${u}_${j} += dot(d${r}_${h}, xv);`);
          }
          L.push(`      }`);
        }
      }
    }
    L.push(`    }
  }
  let KK = ${v.kh * v.kw}u;
  let zb = z * p.O * p.C * KK;`);
    for (const r of range(tm)) {
      L.push(`  if (i0 + ${r}u < p.O) {
    let yr = zb + (i0 + ${r}u) * p.C * KK;`);
      for (const u of range(tc)) {
        L.push(`    if (pb + ${u}u < PR) {`);
        for (const j of range(v.kw)) {
          L.push(`      Y[yr + (pb + ${u}u) * ${v.kw}u + ${j}u] = acc${r}_${u}_${j};`);
        }
        L.push(`    }`);
      }
      L.push(`  }`);
    }
    L.push(`}`);
    return L.join("\n");
  });
}

/** Sums `slices` stacked partial results of `n` elements each: y[i] = Σ_s x[s·n + i]. */
export const SUM_SLICES = `struct P { n: u32, slices: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u,
    @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.n) { return; }
  var s = 0.0;
  for (var z = 0u; z < p.slices; z++) { s += x[z * p.n + i]; }
  y[i] = s;
}`;

/**
 * Permutes a weight [O, C, K] (K = kh·kw) to [C·K, O] (`toCKO`) or [O·K, C] (`toOKC`).
 * Uniforms: O, C, K, mode (0 = toCKO, 1 = toOKC, 2 = toOKC with the taps reversed, i.e. the
 * weight of the transposed convolution).
 */
export const PERMUTE_WEIGHT = `struct P { O: u32, C: u32, K: u32, mode: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u,
    @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.O * p.C * p.K) { return; }
  let o = i / (p.C * p.K);
  let rest = i - o * p.C * p.K;
  let c = rest / p.K;
  let k = rest - c * p.K;
  if (p.mode == 0u) { y[(c * p.K + k) * p.O + o] = w[i]; }
  else if (p.mode == 1u) { y[(o * p.K + k) * p.C + c] = w[i]; }
  else { y[(o * p.K + (p.K - 1u - k)) * p.C + c] = w[i]; }
}`;
