/**
 * Float64 reference of RBNN (lmbxmu/RBNN `BinarizeConv2d`): the forward and every gradient of
 * the layer, and the rotation update computed with the polar decomposition by Newton's
 * iteration (an algorithm independent of the library's Jacobi SVD).
 *
 * @module
 */
import { arr, conv2dGradInputRef, conv2dGradWeightRef, conv2dRef } from "../dense.ts";
import { standardizeRef } from "./standardize.ts";
import { signOf } from "./react.ts";

/** `a (m×k) · b (k×n)`, row-major. */
export function gemmRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
) {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      out[i * n + j] = s;
    }
  }
  return out;
}

/** Transpose of m×n. */
export function transposeRef(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j];
  return out;
}

/** Inverse of an n×n matrix by Gauss-Jordan with partial pivoting. */
function inverse(a: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[p * n + c])) p = r;
    for (let j = 0; j < n; j++) {
      [m[c * n + j], m[p * n + j]] = [m[p * n + j], m[c * n + j]];
      [inv[c * n + j], inv[p * n + j]] = [inv[p * n + j], inv[c * n + j]];
    }
    const d = m[c * n + c];
    for (let j = 0; j < n; j++) {
      m[c * n + j] /= d;
      inv[c * n + j] /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * n + c];
      for (let j = 0; j < n; j++) {
        m[r * n + j] -= f * m[c * n + j];
        inv[r * n + j] -= f * inv[c * n + j];
      }
    }
  }
  return inv;
}

/** The orthogonal factor Q of the polar decomposition M = Q·P (Newton: Q ← (Q + Q⁻ᵀ)/2). */
export function polarRef(m: Float64Array, n: number): Float64Array {
  let q = Float64Array.from(m);
  for (let it = 0; it < 100; it++) {
    const qit = transposeRef(inverse(q, n), n, n);
    const next = q.map((v, i) => (v + qit[i]) / 2);
    const diff = next.reduce((s, v, i) => Math.max(s, Math.abs(v - q[i])), 0);
    q = next;
    if (diff < 1e-14) break;
  }
  return q;
}

/** The official 3-step rotation update with `svd` replaced by the polar factor. */
export function rotationUpdateRef(
  x: Float64Array,
  o: number,
  a: number,
  b: number,
  r1: Float64Array,
  r2: Float64Array,
  iterations = 3,
): { r1: Float64Array; r2: Float64Array } {
  let [R1, R2] = [r1, r2];
  const X = Array.from({ length: o }, (_, i) => x.subarray(i * a * b, (i + 1) * a * b));
  for (let it = 0; it < iterations; it++) {
    const B = X.map((Xi) =>
      gemmRef(gemmRef(transposeRef(R1, a, a), Xi, a, a, b), R2, a, b, b).map(signOf)
    );
    const D1 = new Float64Array(a * a);
    X.forEach((Xi, i) => {
      const t = gemmRef(
        gemmRef(B[i], transposeRef(R2, b, b), a, b, b),
        transposeRef(Xi, a, b),
        a,
        b,
        a,
      );
      t.forEach((v, e) => (D1[e] += v));
    });
    R1 = transposeRef(polarRef(D1, a), a, a); // V Uᵀ = (U Vᵀ)ᵀ
    const D2 = new Float64Array(b * b);
    X.forEach((Xi, i) => {
      const t = gemmRef(gemmRef(transposeRef(Xi, a, b), R1, b, a, a), B[i], b, a, b);
      t.forEach((v, e) => (D2[e] += v));
    });
    R2 = polarRef(D2, b); // U Vᵀ
  }
  return { r1: R1, r2: R2 };
}

/** Inputs of {@link rbnnConvRef}. */
export interface RbnnRefInputs {
  /** Input `[N, C, H, W]`. */
  x: ArrayLike<number>;
  /** Its shape. */
  xShape: number[];
  /** Weight `[O, C, k, k]`. */
  w: ArrayLike<number>;
  /** Its shape. */
  wShape: number[];
  /** α `[O]`, θ `[O]`, R1 `[a, a]`, R2 `[b, b]`. */
  alpha: ArrayLike<number>;
  /** θ. */
  theta: ArrayLike<number>;
  /** R1. */
  r1: ArrayLike<number>;
  /** R2. */
  r2: ArrayLike<number>;
  /** `(a, b)`. */
  ab: [number, number];
  /** k and t of the weight sign. */
  k: number;
  /** t. */
  t: number;
  /** Stride and padding. */
  stride: number;
  /** Padding. */
  padding: number;
  /** Upstream gradient of the output. */
  g: ArrayLike<number>;
}

/** RBNN's training-aware sign derivative `k·max(0, √2·t − t²|x|)`. */
export function rbnnSlope(v: number, k: number, t: number): number {
  return k * Math.max(0, Math.SQRT2 * t - t * t * Math.abs(v));
}

/** RbnnConv2d forward and gradients in float64 (also returns `w3`, `a2` for sign checks). */
export function rbnnConvRef(p: RbnnRefInputs) {
  const [O] = p.wShape;
  const N = p.xShape[0];
  const K = p.w.length / O;
  const [a, b] = p.ab;
  const geom = { stride: p.stride, padding: p.padding };
  const w2 = standardizeRef(p.w, O, 0).y;
  const rot = new Float64Array(O * K);
  for (let o = 0; o < O; o++) {
    const Xo = w2.subarray(o * K, (o + 1) * K);
    const r = gemmRef(gemmRef(transposeRef(p.r1, a, a), Xo, a, a, b), p.r2, a, b, b);
    rot.set(r, o * K);
  }
  const s = Array.from(p.theta, (th) => Math.abs(Math.sin(th)));
  const w3 = w2.map((v, i) => v + s[Math.floor(i / K)] * (rot[i] - v));
  const a2 = standardizeRef(p.x, N, 0).y;
  const bw = arr(w3.map(signOf), p.wShape);
  const ba = arr(a2.map(signOf), p.xShape);
  const y0 = conv2dRef(ba, bw, geom);
  const S = y0.data.length / (N * O);
  const ch = (i: number) => Math.floor(i / S) % O;
  const g = p.g.length ? p.g : new Float64Array(y0.data.length);
  const y = y0.data.map((v, i) => v * p.alpha[ch(i)]);
  const gAlpha = new Float64Array(O);
  y0.data.forEach((v, i) => (gAlpha[ch(i)] += v * g[i]));
  const gy0 = arr(Array.from(g, (v, i) => v * p.alpha[ch(i)]), y0.shape);
  const tA = Math.max(p.t, 1);
  const gBa = conv2dGradInputRef(gy0, bw, p.xShape, geom).data;
  const gx = standardizeRef(p.x, N, 0, gBa.map((v, i) => v * rbnnSlope(a2[i], 1, tA))).gx;
  const gBw = conv2dGradWeightRef(ba, gy0, p.wShape, geom).data;
  const gW3 = gBw.map((v, i) => v * rbnnSlope(w3[i], p.k, p.t));
  const gTheta = new Float64Array(O);
  gW3.forEach((v, i) => {
    const o = Math.floor(i / K);
    const th = p.theta[o];
    gTheta[o] += v * (rot[i] - w2[i]) * Math.sign(Math.sin(th)) * Math.cos(th);
  });
  const gw = standardizeRef(p.w, O, 0, gW3.map((v, i) => v * (1 - s[Math.floor(i / K)]))).gx;
  return { y, w3, a2, gx, gw, gAlpha, gTheta };
}
