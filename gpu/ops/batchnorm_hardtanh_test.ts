import { Prng } from "@ovsw/init";
import {
  add,
  backward,
  batchNorm,
  batchNormHardtanh,
  engineStats,
  hardtanh,
  resetStats,
  Tensor,
  tidy,
} from "../mod.ts";
import {
  assertClose,
  assertNoGradLeavesNoStats,
  freshSeed,
  randn,
  setupGpu,
} from "../../tests/util.ts";
import { nd } from "../../tests/reference/nd.ts";
import { refBatchNorm, refBatchNormGrad } from "../../tests/reference/batchnorm.ts";

await setupGpu();

interface Case {
  shape: number[];
  xs: Float32Array;
  gam: Float32Array;
  bet: Float32Array;
  rm0: Float32Array;
  rv0: Float32Array;
  rs: Float32Array | null;
  gs: Float32Array;
}

/** Float64 reference of `hardtanh(batchNorm(x) + r)`: output, pre-clamp z and the statistics. */
function reference(k: Case, training: boolean) {
  const bn = refBatchNorm(nd(k.xs, k.shape), k.gam, k.bet, k.rm0, k.rv0, training);
  const z = bn.y.data.map((v, i) => v + (k.rs ? k.rs[i] : 0));
  return { bn, z, y: z.map((v) => Math.min(1, Math.max(-1, v))) };
}

/**
 * Float64 reference gradients from {@link reference}'s `ref`: `gm` = the output gradient masked
 * by the clamp (also the residual's gradient), `gref` = the batch norm's gradients for it.
 */
function referenceGrad(k: Case, ref: ReturnType<typeof reference>, training: boolean) {
  const gm = k.gs.map((g, i) => (Math.abs(ref.z[i]) < 1 ? g : 0));
  const gref = refBatchNormGrad(
    nd(k.xs, k.shape),
    k.gam,
    nd(gm, k.shape),
    ref.bn.mean,
    ref.bn.invstd,
    training,
  );
  return { gm, gref };
}

/**
 * Random inputs whose pre-clamp values stay ≥ 1e-4 away from ±1 (the kink, where f32 rounding
 * may legitimately put an element on either side); redrawn from the same stream otherwise.
 */
function makeCase(rng: Prng, shape: number[], training: boolean, residual: boolean): Case {
  const c = shape[1];
  const n = shape.reduce((a, d) => a * d, 1);
  for (let attempt = 0; attempt < 100; attempt++) {
    const k: Case = {
      shape,
      xs: randn(n, rng, 2).map((v) => v + 0.5),
      gam: randn(c, rng),
      bet: randn(c, rng, 0.5),
      rm0: randn(c, rng),
      rv0: rng.uniformArray(c, 0.5, 2),
      rs: residual ? randn(n, rng, 0.7) : null,
      gs: randn(n, rng),
    };
    if (reference(k, training).z.every((v) => Math.abs(Math.abs(v) - 1) > 1e-4)) return k;
  }
  throw new Error(`no inputs away from the kink for shape [${shape}]`);
}

interface Result {
  y: Float32Array;
  rm: Float32Array;
  rv: Float32Array;
  gx: Float32Array;
  gg: Float32Array;
  gb: Float32Array;
  gr: Float32Array | null;
  forwardDispatches: number;
  backwardDispatches: number;
}

/** Runs the fused op or the unfused composition on a case, forward and backward. */
async function run(k: Case, training: boolean, fused: boolean): Promise<Result> {
  const c = k.shape[1];
  const rm = Tensor.from(k.rm0, [c]);
  const rv = Tensor.from(k.rv0, [c]);
  let forwardDispatches = 0;
  let backwardDispatches = 0;
  const outs = tidy(() => {
    const x = Tensor.from(k.xs, k.shape);
    const gamma = Tensor.from(k.gam, [c]);
    const beta = Tensor.from(k.bet, [c]);
    const r = k.rs ? Tensor.from(k.rs, k.shape) : null;
    const seed = Tensor.from(k.gs, k.shape);
    const wrt = r ? [x, gamma, beta, r] : [x, gamma, beta];
    for (const t of wrt) t.requiresGrad = true;
    const opts = { training };
    resetStats();
    const y = fused ? batchNormHardtanh(x, gamma, beta, rm, rv, opts, r) : hardtanh(
      r ? add(batchNorm(x, gamma, beta, rm, rv, opts), r) : batchNorm(x, gamma, beta, rm, rv, opts),
    );
    forwardDispatches = engineStats().dispatches;
    resetStats();
    const grads = backward(y, wrt, seed);
    backwardDispatches = engineStats().dispatches;
    return [y, ...grads.map((g) => g!)];
  });
  const [y, gx, gg, gb, gr] = await Promise.all(outs.map((t) => t.read()));
  const res = {
    y,
    rm: await rm.read(),
    rv: await rv.read(),
    gx,
    gg,
    gb,
    gr: gr ?? null,
    forwardDispatches,
    backwardDispatches,
  };
  for (const t of [...outs, rm, rv]) t.dispose();
  return res;
}

function shapes(rng: Prng): number[][] {
  return [
    [4 + rng.int(5), 1 + rng.int(6)],
    [2, 1 + rng.int(4), 4, 2 + rng.int(4)], // planes of 4k values: the vec4 kernels
    [1 + rng.int(3), 2, 3, 5], // planes of 15 values: the scalar kernels
    [4, 3, 8 + rng.int(5), 8 + rng.int(5)],
    // > 4096 values per channel: the statistics are merged from several chunks (vec4, scalar).
    [4, 2, 40, 32],
    [5, 2, 33, 31],
  ];
}

for (const training of [true, false]) {
  for (const residual of [false, true]) {
    const what0 = `batchNormHardtanh(${training ? "training" : "eval"}${
      residual ? ", residual" : ""
    })`;
    Deno.test(`${what0} matches the unfused path and the float64 reference, forward and backward`, async () => {
      const seed = freshSeed();
      const rng = new Prng(seed);
      for (const shape of shapes(rng)) {
        const what = `${what0} seed ${seed} shape [${shape}]`;
        const k = makeCase(rng, shape, training, residual);
        const fused = await run(k, training, true);
        const unfused = await run(k, training, false);
        const ref = reference(k, training);
        const { gm, gref } = referenceGrad(k, ref, training);
        // gx is a difference of terms of size |γ·g|/σ; judge its error against that scale.
        const inner = k.xs.length / shape[0] / shape[1];
        let scale = 0;
        k.gs.forEach((v, i) => {
          const ch = Math.floor(i / inner) % shape[1];
          scale = Math.max(scale, Math.abs(v * k.gam[ch] * ref.bn.invstd[ch]));
        });
        for (const [label, other] of [["reference", null], ["unfused", unfused]] as const) {
          const w = `${what} vs ${label}`;
          assertClose(fused.y, other?.y ?? ref.y, 1e-4, `${w} y`);
          assertClose(fused.rm, other?.rm ?? ref.bn.runningMean, 1e-4, `${w} running mean`);
          assertClose(fused.rv, other?.rv ?? ref.bn.runningVar, 1e-4, `${w} running var`);
          assertClose(fused.gx, other?.gx ?? gref.gx.data, 1e-4, `${w} grad x`, scale);
          assertClose(fused.gg, other?.gg ?? gref.gGamma, 1e-4, `${w} grad gamma`);
          assertClose(fused.gb, other?.gb ?? gref.gBeta, 1e-4, `${w} grad beta`);
          if (residual) assertClose(fused.gr!, other?.gr ?? gm, 1e-4, `${w} grad residual`);
        }
        // Fewer passes: training forward 3 dispatches instead of 4 + residual; backward 3.
        if (fused.forwardDispatches >= unfused.forwardDispatches) {
          throw new Error(
            `${what}: fused forward ${fused.forwardDispatches} dispatches, unfused ${unfused.forwardDispatches}`,
          );
        }
        if (fused.backwardDispatches >= unfused.backwardDispatches) {
          throw new Error(
            `${what}: fused backward ${fused.backwardDispatches} dispatches, unfused ${unfused.backwardDispatches}`,
          );
        }
      }
    });
  }
}

Deno.test("batchNormHardtanh: gradients for a subset of inputs (residual only, γ/β only)", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const shape = [3, 2, 4, 5];
  const k = makeCase(rng, shape, true, true);
  const ref = reference(k, true);
  const { gm, gref } = referenceGrad(k, ref, true);
  const rm = Tensor.from(k.rm0, [2]);
  const rv = Tensor.from(k.rv0, [2]);
  for (const subset of ["residual", "affine"] as const) {
    const grads = tidy(() => {
      const x = Tensor.from(k.xs, shape);
      const gamma = Tensor.from(k.gam, [2]);
      const beta = Tensor.from(k.bet, [2]);
      const r = Tensor.from(k.rs!, shape);
      const wrt = subset === "residual" ? [r] : [gamma, beta];
      for (const t of wrt) t.requiresGrad = true;
      const y = batchNormHardtanh(x, gamma, beta, rm, rv, { training: true }, r);
      const g = backward(y, [x, gamma, beta, r], Tensor.from(k.gs, shape));
      if (g[0] !== null) throw new Error(`seed ${seed}: x got a gradient without requiresGrad`);
      return g.slice(1);
    });
    const [gg, gb, gr] = grads;
    const what = `seed ${seed} ${subset}`;
    if (subset === "residual") {
      if (gg || gb) throw new Error(`${what}: γ/β got gradients`);
      assertClose(await gr!.read(), gm, 1e-4, `${what} grad residual`);
    } else {
      if (gr) throw new Error(`${what}: residual got a gradient`);
      assertClose(await gg!.read(), gref.gGamma, 1e-4, `${what} grad gamma`);
      assertClose(await gb!.read(), gref.gBeta, 1e-4, `${what} grad beta`);
    }
    grads.forEach((t) => t?.dispose());
  }
  rm.dispose();
  rv.dispose();
});

Deno.test("batchNormHardtanh under noGrad records nothing and leaves no statistics behind", () => {
  assertNoGradLeavesNoStats(batchNormHardtanh);
});

Deno.test("batchNormHardtanh errors name the offending tensor and shape", () => {
  const v = Tensor.zeros([3]);
  const expectError = (fn: () => unknown, ...parts: string[]) => {
    let msg = "";
    try {
      fn();
    } catch (e) {
      msg = (e as Error).message;
    }
    if (!parts.every((p) => msg.includes(p))) throw new Error(`unexpected message: ${msg}`);
  };
  expectError(
    () => batchNormHardtanh(Tensor.zeros([1, 3]), v, v, v, v, { training: true }),
    "batchNormHardtanh",
    "more than 1 value",
    "[1, 3]",
  );
  expectError(
    () => batchNormHardtanh(Tensor.zeros([2, 3]), v, v, Tensor.zeros([4]), v, { training: false }),
    "runningMean",
    "[4]",
  );
  expectError(
    () =>
      batchNormHardtanh(
        Tensor.zeros([2, 3]),
        v,
        v,
        v,
        v,
        { training: false },
        Tensor.zeros([3, 2]),
      ),
    "residual",
    "[3, 2]",
    "[2, 3]",
  );
});

Deno.test("numBatchesTracked is incremented in place in training only (batchNorm and fused)", async () => {
  const seed = freshSeed();
  const x = Tensor.from(randn(2 * 3 * 4, new Prng(seed)), [2, 3, 2, 2]);
  const v = () => Tensor.zeros([3]);
  const count = Tensor.from([5], []);
  for (const training of [true, false, true]) {
    tidy(() => {
      const opts = { training, numBatchesTracked: count };
      batchNorm(x, Tensor.full([3], 1), v(), v(), Tensor.full([3], 1), opts);
      batchNormHardtanh(x, Tensor.full([3], 1), v(), v(), Tensor.full([3], 1), opts, x);
    });
  }
  const got = (await count.read())[0];
  if (got !== 9) throw new Error(`seed ${seed}: num_batches_tracked ${got}, expected 5 + 4 = 9`);
  let msg = "";
  try {
    batchNorm(x, v(), v(), v(), v(), { training: true, numBatchesTracked: Tensor.zeros([2]) });
  } catch (e) {
    msg = (e as Error).message;
  }
  if (!msg.includes("numBatchesTracked") || !msg.includes("[2]")) throw new Error(msg);
  x.dispose();
  count.dispose();
});
