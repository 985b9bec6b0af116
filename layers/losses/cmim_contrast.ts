/**
 * CMIM's contrastive term (42Shawn/CMIM @ 045d087f, `cifar100/contrastive_alignment/criterion.py`,
 * after RepDistiller's CRD): fixed random embedding heads, two memories with momentum updates,
 * the first-call normaliser Z and `ContrastLoss`; plus the sampler of negatives from the other
 * classes (`dataset_cifar10.py` `CIFAR100IdxSample`, mode `exact`).
 *
 * One call of {@link CmimContrast.loss} with the full-precision teacher's features `featS` and
 * the BNN's features `featT` (the official code passes the FP model's as `feat_s`):
 * 1. `e_s = normalize(Linear_s(featS))`, `e_t = normalize(Linear_t(featT))` (128-d, L2, eps 1e-12);
 * 2. `out_t[b, j] = exp(⟨M_s[sidx[b, j]], e_t[b]⟩/T)/Z_t`, `out_s[b, j] = exp(⟨M_t[sidx[b, j]], e_s[b]⟩/T)/Z_s`
 *    (the memories detached); `Z = mean(exp(…))·n_data` of the **first call**, fixed after;
 * 3. `loss = ContrastLoss(out_s) + ContrastLoss(out_t)` ({@link contrastLoss});
 * 4. after scoring, without gradient: `M_t[idx] = normalize(m·M_t[idx] + (1 − m)·e_t)`, the same
 *    for `M_s` with `e_s` (m = 0.5). The gradient still uses the memories as they were scored.
 *
 * **Surprises kept.** The embedding heads are never trained (the official optimizer holds only
 * the BNN's parameters): here they are buffers, fixed random projections with PyTorch's Linear
 * init. The gradient reaches both feature inputs (the FP features too, if they require one).
 * Z is not saved with the buffers (a python float in the official code), so a resumed run
 * recomputes it at its first call.
 *
 * **What a user supplies for the full CMIM method** (wired by the method registry, not here):
 * a pretrained full-precision ResNet-18 teacher whose `bn2(avgpool(layer4))` 512-d features are
 * `featS` (run in **train** mode, as the official code never calls `eval()` on it), the BNN's
 * matching features `featT` (its ResNet with IR-Net's binary conv and RBNN's t,k schedule), each
 * batch's dataset indices `idx` (distinct) and labels for {@link CmimNegativeSampler}; the
 * total loss is `CE + 3.2·L_cmim`.
 *
 * @module
 */
import {
  add,
  broadcastScalar,
  f32,
  grid,
  isGradEnabled,
  keep,
  linear,
  mapElements,
  meanAll,
  mul,
  noGrad,
  record1,
  reshape,
  runKernel,
  scale,
  shapeStr,
  sumAxes,
  Tensor,
  tidy,
  WGSL_INDEX,
} from "@ovsw/gpu";
import { WG_TREE_SUM } from "@ovsw/gpu/internal";
import { defaultBias, defaultWeight, Prng } from "@ovsw/init";
import { divRow } from "../methods/_row_ops.ts";

const LOSS = `struct P { bs: u32, k1: u32, c: f32, pn: f32, inv_bs: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> loss: array<f32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256) fn main(@builtin(local_invocation_index) l: u32) {
  var acc = 0.0;
  let n = p.bs * p.k1;
  for (var i = l; i < n; i += 256u) {
    let v = x[i];
    if (i % p.k1 == 0u) {
      acc += log(v / (v + p.c));
      gx[i] = -p.inv_bs * p.c / (v * (v + p.c));
    } else {
      acc += log(p.pn / (v + p.c));
      gx[i] = p.inv_bs / (v + p.c);
    }
  }
  part[l] = acc;
  ${WG_TREE_SUM}
  if (l == 0u) { loss[0] = -part[0] * p.inv_bs; }
}`;

/**
 * CMIM's `ContrastLoss` without autograd: the scalar loss of {@link contrastLoss} and its
 * gradient `∂loss/∂x` `[bs, K+1]`, computed together.
 */
function contrastLossRaw(x: Tensor, nData: number): { loss: Tensor; gx: Tensor } {
  if (x.shape.length !== 2 || x.shape[0] < 1 || x.shape[1] < 2) {
    throw new RangeError(`contrastLoss: x ${shapeStr(x.shape)} must be [bs ≥ 1, K + 1 ≥ 2]`);
  }
  if (!(nData > 0)) throw new RangeError(`contrastLoss: nData must be positive, got ${nData}`);
  const [bs, k1] = x.shape;
  const pn = (k1 - 1) / nData;
  const loss = Tensor.empty([]);
  const gx = Tensor.empty(x.shape);
  runKernel({
    name: "cmim_contrast_loss",
    code: LOSS,
    inputs: [x],
    outputs: [loss, gx],
    uniforms: [bs, k1, f32(pn + 1e-7), f32(pn), f32(1 / bs)],
    workgroups: [1],
  });
  return { loss, gx };
}

/**
 * CMIM's (CRD's) `ContrastLoss` of scores `x` `[bs, K+1]` (column 0 the positive, K
 * negatives), with `P = K/nData`:
 * `−(Σ_b log(x_b0/(x_b0 + P + 1e-7)) + Σ_{b, j≥1} log(P/(x_bj + P + 1e-7)))/bs`, a scalar,
 * differentiable in `x`.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { contrastLoss } from "@ovsw/layers";
 * await initGpu();
 * // P = 1/1: −(log(1/2) + log(1/2)) = 2 ln 2
 * console.log(await contrastLoss(Tensor.from([1, 1], [1, 2]), 1).read()); // [1.3862942]
 * ```
 */
export function contrastLoss(x: Tensor, nData: number): Tensor {
  const { loss, gx } = contrastLossRaw(x, nData);
  if (!isGradEnabled() || !x.requiresGrad) {
    gx.dispose();
    return loss;
  }
  record1([x], loss, (g) => [mul(broadcastScalar(g, gx.shape), gx)]);
  return loss;
}

/**
 * `x / max(‖x‖₂, 1e-12)` per row of `[R, D]` (PyTorch's `F.normalize(x, dim=1)`),
 * differentiable.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { normalizeRows } from "@ovsw/layers";
 * await initGpu();
 * console.log(await normalizeRows(Tensor.from([3, 4], [1, 2])).read()); // [0.6, 0.8]
 * ```
 */
export function normalizeRows(x: Tensor): Tensor {
  if (x.shape.length !== 2) {
    throw new RangeError(`normalizeRows: expected [R, D], got ${shapeStr(x.shape)}`);
  }
  const ss = sumAxes(mul(x, x), [1]);
  const norm = mapElements("l2_norm", "max(sqrt(a), 1e-12)", [ss]);
  record1([ss], norm, (g) => [
    mapElements("l2_norm_grad", "select(a * 0.5 / sqrt(b), 0.0, sqrt(b) <= 1e-12)", [g, ss]),
  ]);
  return divRow(x, norm);
}

const SCORES = `struct P { total: u32, k1: u32, d: u32, inv_t: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> mem: array<f32>;
@group(0) @binding(2) var<storage, read> e: array<f32>;
@group(0) @binding(3) var<storage, read> sidx: array<u32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.total) { return; }
  let row = sidx[i] * p.d;
  let eb = (i / p.k1) * p.d;
  var s = 0.0;
  for (var k = 0u; k < p.d; k++) { s += mem[row + k] * e[eb + k]; }
  y[i] = exp(s * p.inv_t);
}`;

/** `exp(⟨mem[sidx[b, j]], e[b]⟩/T)` `[bs, K+1]`; no autograd. */
function rawScores(mem: Tensor, e: Tensor, sidx: Tensor, t: number): Tensor {
  const [bs, d] = e.shape;
  const k1 = sidx.size / bs;
  const y = Tensor.empty([bs, k1]);
  runKernel({
    name: "cmim_scores",
    code: SCORES,
    inputs: [mem, e, sidx],
    outputs: [y],
    uniforms: [y.size, k1, d, f32(1 / t)],
    workgroups: grid(y.size),
  });
  return y;
}

const COMBINE = `struct P { total: u32, k1: u32, d: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> mem: array<f32>;
@group(0) @binding(2) var<storage, read> coef: array<f32>;
@group(0) @binding(3) var<storage, read> sidx: array<u32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.total) { return; }
  let b = i / p.d;
  let k = i % p.d;
  var s = 0.0;
  for (var j = 0u; j < p.k1; j++) { s += coef[b * p.k1 + j] * mem[sidx[b * p.k1 + j] * p.d + k]; }
  y[i] = s;
}`;

/** `Σ_j coef[b, j]·mem[sidx[b, j], :]` `[bs, D]`; no autograd. */
function combineRows(mem: Tensor, coef: Tensor, sidx: Tensor, d: number): Tensor {
  const [bs, k1] = coef.shape;
  const y = Tensor.empty([bs, d]);
  runKernel({
    name: "cmim_combine",
    code: COMBINE,
    inputs: [mem, coef, sidx],
    outputs: [y],
    uniforms: [y.size, k1, d],
    workgroups: grid(y.size),
  });
  return y;
}

const UPDATE = `struct P { bs: u32, d: u32, m: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> e: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<u32>;
@group(0) @binding(3) var<storage, read_write> mem: array<f32>;
@compute @workgroup_size(64) fn main(${WGSL_INDEX.params}) {
  let b = ${WGSL_INDEX.expr};
  if (b >= p.bs) { return; }
  let row = idx[b] * p.d;
  var ss = 0.0;
  for (var k = 0u; k < p.d; k++) {
    let v = mem[row + k] * p.m + e[b * p.d + k] * (1.0 - p.m);
    ss += v * v;
  }
  let inv = 1.0 / max(sqrt(ss), 1e-12);
  for (var k = 0u; k < p.d; k++) {
    mem[row + k] = (mem[row + k] * p.m + e[b * p.d + k] * (1.0 - p.m)) * inv;
  }
}`;

/**
 * CMIM's memory update in place: `mem[idx[b]] = normalize(m·mem[idx[b]] + (1 − m)·e[b])` for
 * `mem` `[nData, D]`, `e` `[bs, D]`, distinct `idx` (u32 `[bs]`); no autograd.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { cmimMemoryUpdate } from "@ovsw/layers";
 * await initGpu();
 * const mem = Tensor.from([1, 0, 0, 1], [2, 2]);
 * cmimMemoryUpdate(mem, Tensor.from([0, 1], [1, 2]), Tensor.from(new Uint32Array([0]), [1]), 0.5);
 * console.log(await mem.read()); // [0.7071068, 0.7071068, 0, 1]
 * ```
 */
export function cmimMemoryUpdate(mem: Tensor, e: Tensor, idx: Tensor, momentum: number): void {
  const [bs, d] = e.shape;
  if (mem.shape[1] !== d || idx.size !== bs || idx.dtype !== "u32") {
    throw new RangeError(
      `cmimMemoryUpdate: memory ${shapeStr(mem.shape)}, e ${shapeStr(e.shape)} and idx ` +
        `${shapeStr(idx.shape)} (${idx.dtype}) must be [nData, D], [bs, D] and u32 [bs]`,
    );
  }
  runKernel({
    name: "cmim_memory_update",
    code: UPDATE,
    inputs: [e, idx],
    outputs: [mem],
    uniforms: [bs, d, f32(momentum)],
    workgroups: [Math.ceil(bs / 64)],
  });
}

/** Options of {@link CmimContrast}. */
export interface CmimContrastOptions {
  /** Width of the teacher's (FP) features `featS` (official 512). */
  sDim: number;
  /** Width of the BNN's features `featT` (official 512). */
  tDim: number;
  /** Training-set size (rows of each memory). */
  nData: number;
  /** Embedding width (default 128). */
  featDim?: number;
  /** Negatives per positive (default 4096). */
  nceK?: number;
  /** Temperature T (default 0.1). */
  nceT?: number;
  /** Memory momentum (default 0.5). */
  momentum?: number;
  /** Random source of the heads and memories (default `new Prng(0)`). */
  rng?: Prng;
}

/**
 * CMIM's contrastive term with its state: the two fixed embedding heads, the memories
 * `memoryS`, `memoryT` `[nData, featDim]` (init U(±1/√(featDim/3))) and the normalisers Z.
 * See the module doc for the computation, its surprises and what a user must supply.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { Prng } from "@ovsw/init";
 * import { CmimContrast, CmimNegativeSampler } from "@ovsw/layers";
 * await initGpu();
 * const labels = [0, 1, 0, 1, 2, 2];
 * const cmim = new CmimContrast({ sDim: 4, tDim: 4, nData: 6, nceK: 3, featDim: 8 });
 * const sampler = new CmimNegativeSampler(labels, 3, new Prng(1));
 * const idx = [0, 3];
 * const rng = new Prng(2);
 * const fs = Tensor.from(rng.normalArray(8), [2, 4]);
 * const ft = Tensor.from(rng.normalArray(8), [2, 4]);
 * const loss = cmim.loss(fs, ft, idx, sampler.sample(idx));
 * console.log((await loss.read())[0] > 0); // true
 * ```
 */
export class CmimContrast {
  /** Number of negatives per positive. */
  readonly nceK: number;
  /** Temperature. */
  readonly nceT: number;
  /** Memory momentum. */
  readonly momentum: number;
  /** Training-set size. */
  readonly nData: number;
  /** Embedding width. */
  readonly featDim: number;
  readonly #buffers = new Map<string, Tensor>();
  #zS: Tensor | null = null;
  #zT: Tensor | null = null;

  /** Creates the heads and memories from `options.rng` (heads first, then `memoryT`, `memoryS`). */
  constructor(readonly options: CmimContrastOptions) {
    const { sDim, tDim, nData } = options;
    this.featDim = options.featDim ?? 128;
    this.nceK = options.nceK ?? 4096;
    this.nceT = options.nceT ?? 0.1;
    this.momentum = options.momentum ?? 0.5;
    this.nData = nData;
    for (
      const [what, v] of [["sDim", sDim], ["tDim", tDim], ["nData", nData], [
        "featDim",
        this.featDim,
      ], ["nceK", this.nceK]] as const
    ) {
      if (!Number.isInteger(v) || v < 1) {
        throw new RangeError(`CmimContrast: ${what} must be a positive integer, got ${v}`);
      }
    }
    const rng = options.rng ?? new Prng(0);
    const put = (name: string, v: Float32Array, shape: number[]) =>
      this.#buffers.set(name, keep(Tensor.from(v, shape)));
    for (const [side, dim] of [["S", sDim], ["T", tDim]] as const) {
      const shape = [this.featDim, dim];
      put(`embed${side}.weight`, defaultWeight(shape, rng), shape);
      put(`embed${side}.bias`, defaultBias(shape, rng), [this.featDim]);
    }
    const stdv = 1 / Math.sqrt(this.featDim / 3);
    for (const name of ["memoryT", "memoryS"]) {
      put(name, rng.uniformArray(nData * this.featDim, -stdv, stdv), [nData, this.featDim]);
    }
  }

  /** The state tensors by name (`embedS.weight`, …, `memoryT`, `memoryS`), for checkpoints. */
  namedBuffers(): [string, Tensor][] {
    return [...this.#buffers];
  }

  /**
   * Replaces the state tensor `name` (one of {@link namedBuffers}; e.g. to restore a
   * checkpoint or load given heads). The shape must match; the old tensor is disposed.
   */
  setBuffer(name: string, tensor: Tensor): void {
    const old = this.#buffers.get(name);
    if (!old) {
      throw new Error(`CmimContrast has no buffer "${name}" (${[...this.#buffers.keys()]})`);
    }
    if (shapeStr(old.shape) !== shapeStr(tensor.shape)) {
      throw new RangeError(
        `CmimContrast.setBuffer: ${name} ${shapeStr(tensor.shape)} != ${shapeStr(old.shape)}`,
      );
    }
    this.#buffers.set(name, keep(tensor));
    if (old !== tensor) old.dispose();
  }

  /** Z_s and Z_t once set by the first call (GPU scalars), else null. */
  get normalisers(): { zS: Tensor | null; zT: Tensor | null } {
    return { zS: this.#zS, zT: this.#zT };
  }

  #get(name: string): Tensor {
    return this.#buffers.get(name)!;
  }

  /** `normalize(Linear(f))` with the fixed head of `side`. */
  embed(side: "S" | "T", f: Tensor): Tensor {
    const w = this.#get(`embed${side}.weight`);
    if (f.shape.length < 1 || f.size / f.shape[0] !== w.shape[1]) {
      throw new RangeError(
        `CmimContrast: features ${shapeStr(f.shape)} (${side === "S" ? "featS" : "featT"}) must ` +
          `have ${w.shape[1]} values per sample`,
      );
    }
    const x = reshape(f, [f.shape[0], w.shape[1]]);
    return normalizeRows(linear(x, w, this.#get(`embed${side}.bias`)));
  }

  /**
   * The contrastive loss `ContrastLoss(out_s) + ContrastLoss(out_t)` of one batch (a scalar,
   * differentiable in `featS` and `featT`), then the memory update. `idx`: the batch's distinct
   * dataset indices; `sampleIdx`: `[bs·(K+1)]` rows `[idx[b], K negatives]` (see
   * {@link CmimNegativeSampler}).
   */
  loss(
    featS: Tensor,
    featT: Tensor,
    idx: ArrayLike<number>,
    sampleIdx: ArrayLike<number>,
  ): Tensor {
    const bs = featS.shape[0];
    const k1 = this.nceK + 1;
    if (featT.shape[0] !== bs || idx.length !== bs || sampleIdx.length !== bs * k1) {
      throw new RangeError(
        `CmimContrast.loss: featS ${shapeStr(featS.shape)}, featT ${shapeStr(featT.shape)}, ` +
          `${idx.length} indices and ${sampleIdx.length} sample indices must agree on bs and ` +
          `bs·(K+1) = bs·${k1}`,
      );
    }
    checkIndices("idx", idx, this.nData, true);
    checkIndices("sampleIdx", sampleIdx, this.nData, false);
    const eS = this.embed("S", featS);
    const eT = this.embed("T", featT);
    const idxT = Tensor.from(Uint32Array.from(idx), [bs]);
    const sidxT = Tensor.from(Uint32Array.from(sampleIdx), [bs, k1]);
    const wantGrad = isGradEnabled() && (eS.requiresGrad || eT.requiresGrad);
    const [memS, memT] = [this.#get("memoryS"), this.#get("memoryT")];
    const parts = noGrad(() =>
      tidy(() => {
        // out_t: the BNN's embedding scored against the teacher memory, and vice versa.
        const rawT = rawScores(memS, eT, sidxT, this.nceT);
        const rawS = rawScores(memT, eS, sidxT, this.nceT);
        this.#zT ??= keep(scale(meanAll(rawT), this.nData));
        this.#zS ??= keep(scale(meanAll(rawS), this.nData));
        const outT = mapElements("div", "a / b", [rawT, broadcastScalar(this.#zT, rawT.shape)]);
        const outS = mapElements("div", "a / b", [rawS, broadcastScalar(this.#zS, rawS.shape)]);
        const lT = contrastLossRaw(outT, this.nData);
        const lS = contrastLossRaw(outS, this.nData);
        const loss = add(lS.loss, lT.loss);
        if (!wantGrad) return [loss];
        // ∂loss/∂e_b = Σ_j ∂loss/∂out_bj · out_bj / T · memory[sidx_bj], before the update.
        const coef = (l: Tensor, out: Tensor) =>
          mapElements("cmim_coef", "a * b * p.s0", [l, out], [1 / this.nceT]);
        const gT = combineRows(memS, coef(lT.gx, outT), sidxT, this.featDim);
        const gS = combineRows(memT, coef(lS.gx, outS), sidxT, this.featDim);
        return [loss, gS, gT];
      })
    );
    noGrad(() => {
      cmimMemoryUpdate(memT, eT, idxT, this.momentum);
      cmimMemoryUpdate(memS, eS, idxT, this.momentum);
    });
    idxT.dispose();
    sidxT.dispose();
    const [loss, gS, gT] = parts;
    if (!wantGrad) return loss;
    record1([eS, eT], loss, (g) => {
      const gb = broadcastScalar(g, gS.shape);
      return [eS.requiresGrad ? mul(gb, gS) : null, eT.requiresGrad ? mul(gb, gT) : null];
    });
    return loss;
  }

  /** Frees the heads, memories and normalisers. */
  dispose(): void {
    for (const t of this.#buffers.values()) t.dispose();
    this.#zS?.dispose();
    this.#zT?.dispose();
  }
}

/** Throws unless every index is an integer in [0, n) (and, if `distinct`, no repeats). */
function checkIndices(what: string, v: ArrayLike<number>, n: number, distinct: boolean): void {
  const seen = distinct ? new Set<number>() : null;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isInteger(x) || x < 0 || x >= n) {
      throw new RangeError(`CmimContrast.loss: ${what}[${i}] = ${x} is not an index in [0, ${n})`);
    }
    if (seen) {
      if (seen.has(x)) {
        throw new RangeError(
          `CmimContrast.loss: ${what} repeats ${x} (a batch's indices must be distinct)`,
        );
      }
      seen.add(x);
    }
  }
}

/**
 * CMIM's sample indices: for each dataset index `i` of a batch, the row `[i, K negatives]`,
 * the negatives drawn uniformly from the indices of the **other** classes, without
 * replacement when `K ≤` their number and with replacement otherwise (as
 * `np.random.choice(cls_negative[target], K, replace=K > len)`), from a seeded `Prng`.
 *
 * @example
 * ```ts
 * import { Prng } from "@ovsw/init";
 * import { CmimNegativeSampler } from "@ovsw/layers";
 * const s = new CmimNegativeSampler([0, 0, 1, 1], 2, new Prng(0));
 * console.log(s.sample([0]).slice(1).sort()); // [2, 3]: the two indices of class 1
 * ```
 */
export class CmimNegativeSampler {
  readonly #labels: Int32Array;
  readonly #negatives = new Map<number, Int32Array>();
  /** Negatives per positive. */
  readonly k: number;
  /** The random source of the draws. */
  readonly rng: Prng;

  /**
   * Indexes the training labels by class, so each draw picks from the other classes.
   *
   * @param labels the training set's class labels (dataset order)
   * @param k negatives per positive
   * @param rng random source (default `new Prng(0)`)
   */
  constructor(labels: ArrayLike<number>, k: number, rng: Prng = new Prng(0)) {
    this.k = k;
    this.rng = rng;
    if (!Number.isInteger(k) || k < 1) {
      throw new RangeError(`CmimNegativeSampler: k must be a positive integer, got ${k}`);
    }
    this.#labels = Int32Array.from(labels);
    for (let i = 0; i < this.#labels.length; i++) {
      const c = labels[i];
      if (!Number.isInteger(c) || c < 0) {
        throw new RangeError(`CmimNegativeSampler: labels[${i}] = ${c} is not a class index`);
      }
    }
    const classes = [...new Set(this.#labels)];
    for (const c of classes) {
      const neg = this.#labels.reduce<number[]>((a, l, i) => (l !== c && a.push(i), a), []);
      if (neg.length === 0) {
        throw new RangeError(`CmimNegativeSampler: class ${c} has no other class to draw from`);
      }
      this.#negatives.set(c, Int32Array.from(neg));
    }
  }

  /** `[bs·(K+1)]` sample indices for the batch's dataset indices `idx`. */
  sample(idx: ArrayLike<number>): Int32Array {
    const k1 = this.k + 1;
    const out = new Int32Array(idx.length * k1);
    for (let b = 0; b < idx.length; b++) {
      const i = idx[b];
      if (!Number.isInteger(i) || i < 0 || i >= this.#labels.length) {
        throw new RangeError(
          `CmimNegativeSampler.sample: idx[${b}] = ${i} is not in [0, ${this.#labels.length})`,
        );
      }
      const pool = this.#negatives.get(this.#labels[i])!;
      out[b * k1] = i;
      const picks = this.k > pool.length
        ? this.#withReplacement(pool.length)
        : this.#floyd(pool.length);
      picks.forEach((p, j) => (out[b * k1 + 1 + j] = pool[p]));
    }
    return out;
  }

  #withReplacement(n: number): number[] {
    return Array.from({ length: this.k }, () => this.rng.int(n));
  }

  /** Robert Floyd's uniform k-subset of [0, n) in O(k). */
  #floyd(n: number): number[] {
    const chosen = new Set<number>();
    for (let j = n - this.k; j < n; j++) {
      const t = this.rng.int(j + 1);
      chosen.add(chosen.has(t) ? j : t);
    }
    return [...chosen];
  }
}
