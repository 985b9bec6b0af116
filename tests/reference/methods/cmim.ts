/**
 * Float64 reference of CMIM's contrastive term (42Shawn/CMIM `criterion.py`): embedding heads
 * (Linear + L2 normalise), memory scores, the first-call Z, `ContrastLoss`, the gradients for
 * both feature inputs and the memory update.
 *
 * @module
 */

/** `ContrastLoss` of `x` `[bs, k1]` and its gradient. */
export function contrastLossRef(
  x: ArrayLike<number>,
  bs: number,
  nData: number,
): { loss: number; gx: Float64Array } {
  const k1 = x.length / bs;
  const P = (k1 - 1) / nData;
  const c = P + 1e-7;
  let s = 0;
  const gx = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (i % k1 === 0) {
      s += Math.log(v / (v + c));
      gx[i] = -(1 / v - 1 / (v + c)) / bs;
    } else {
      s += Math.log(P / (v + c));
      gx[i] = 1 / (v + c) / bs;
    }
  }
  return { loss: -s / bs, gx };
}

/** `normalize(f·Wᵀ + b)` rows and a function mapping ∂L/∂e to ∂L/∂f. */
function embedRef(f: ArrayLike<number>, bs: number, w: ArrayLike<number>, b: ArrayLike<number>) {
  const D = b.length;
  const din = f.length / bs;
  const z = new Float64Array(bs * D);
  const norms = new Float64Array(bs);
  for (let r = 0; r < bs; r++) {
    for (let k = 0; k < D; k++) {
      let s = b[k];
      for (let j = 0; j < din; j++) s += w[k * din + j] * f[r * din + j];
      z[r * D + k] = s;
    }
    let ss = 0;
    for (let k = 0; k < D; k++) ss += z[r * D + k] ** 2;
    norms[r] = Math.max(Math.sqrt(ss), 1e-12);
  }
  const e = z.map((v, i) => v / norms[Math.floor(i / D)]);
  const back = (ge: ArrayLike<number>) => {
    const gf = new Float64Array(f.length);
    for (let r = 0; r < bs; r++) {
      let dot = 0;
      for (let k = 0; k < D; k++) dot += ge[r * D + k] * e[r * D + k];
      for (let k = 0; k < D; k++) {
        const gz = (ge[r * D + k] - e[r * D + k] * dot) / norms[r];
        for (let j = 0; j < din; j++) gf[r * din + j] += gz * w[k * din + j];
      }
    }
    return gf;
  };
  return { e, back };
}

/** State of the reference (copied in, updated in place). */
export interface CmimState {
  wS: ArrayLike<number>;
  bS: ArrayLike<number>;
  wT: ArrayLike<number>;
  bT: ArrayLike<number>;
  memS: Float64Array;
  memT: Float64Array;
  zS: number | null;
  zT: number | null;
}

/** One official forward + backward: loss, ∂L/∂featS, ∂L/∂featT; updates `st` in place. */
export function cmimStepRef(
  st: CmimState,
  featS: ArrayLike<number>,
  featT: ArrayLike<number>,
  bs: number,
  idx: ArrayLike<number>,
  sidx: ArrayLike<number>,
  p: { nData: number; T: number; momentum: number },
): { loss: number; gFeatS: Float64Array; gFeatT: Float64Array } {
  const D = st.bS.length;
  const k1 = sidx.length / bs;
  const eS = embedRef(featS, bs, st.wS, st.bS);
  const eT = embedRef(featT, bs, st.wT, st.bT);
  const raw = (mem: Float64Array, e: Float64Array) =>
    Float64Array.from({ length: bs * k1 }, (_, i) => {
      const b = Math.floor(i / k1);
      let s = 0;
      for (let k = 0; k < D; k++) s += mem[sidx[i] * D + k] * e[b * D + k];
      return Math.exp(s / p.T);
    });
  const rawT = raw(st.memS, eT.e);
  const rawS = raw(st.memT, eS.e);
  const mean = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / v.length;
  st.zT ??= mean(rawT) * p.nData;
  st.zS ??= mean(rawS) * p.nData;
  const outT = rawT.map((v) => v / st.zT!);
  const outS = rawS.map((v) => v / st.zS!);
  const lT = contrastLossRef(outT, bs, p.nData);
  const lS = contrastLossRef(outS, bs, p.nData);
  const gE = (mem: Float64Array, gx: Float64Array, out: Float64Array) => {
    const g = new Float64Array(bs * D);
    for (let i = 0; i < bs * k1; i++) {
      const b = Math.floor(i / k1);
      const c = (gx[i] * out[i]) / p.T;
      for (let k = 0; k < D; k++) g[b * D + k] += c * mem[sidx[i] * D + k];
    }
    return g;
  };
  const gFeatT = eT.back(gE(st.memS, lT.gx, outT));
  const gFeatS = eS.back(gE(st.memT, lS.gx, outS));
  for (const [mem, e] of [[st.memT, eT.e], [st.memS, eS.e]] as const) {
    for (let b = 0; b < bs; b++) {
      const row = idx[b] * D;
      const v = Float64Array.from(
        { length: D },
        (_, k) => mem[row + k] * p.momentum + e[b * D + k] * (1 - p.momentum),
      );
      const n = Math.max(Math.sqrt(v.reduce((a, x) => a + x * x, 0)), 1e-12);
      for (let k = 0; k < D; k++) mem[row + k] = v[k] / n;
    }
  }
  return { loss: lS.loss + lT.loss, gFeatS, gFeatT };
}
