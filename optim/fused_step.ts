/**
 * The fused optimizer step of the presets ({@link vanilla}, {@link agsOnly}, {@link ovsw}):
 * the same update as their `chain(masked(chain(ags, sad), isBinary), sgd)` followed by
 * `applyUpdates`, in one dispatch per binary tensor (AGS, SAD, SGD momentum and the apply in one
 * kernel, one workgroup per output channel) and one dispatch per few other tensors (SGD momentum
 * and the apply, several tensors in one index space). The state is the chain's own state,
 * updated in place exactly as the unfused path updates it, so checkpoints do not change.
 *
 * @module
 */
import { f32, grid, runKernel, type Tensor, type Uniform } from "@ovsw/gpu";
import type { AgsState } from "./ags.ts";
import type { SadState } from "./sad.ts";
import type { SgdState } from "./sgd.ts";
import type { Hyper, OptState, Params, Selector, Updates } from "./types.ts";
import { hyperAt } from "./hyper.ts";
import { present, stateFor } from "./_util.ts";
import { binaryStepCode, maxTensorsPerDispatch, multiSgdCode } from "./_fused_kernels.ts";

/** The SGD part of a preset. */
export interface FusedSgdOptions {
  /** Learning rate. */
  learningRate: Hyper;
  /** Momentum (0 with no schedule: no momentum buffers). */
  momentum: Hyper;
  /** L2 weight decay. */
  weightDecay: Hyper;
  /** Parameters that get weight decay (default all). */
  weightDecayMask?: Selector;
  /** Nesterov momentum. */
  nesterov: boolean;
}

/** What runs on the binary tensors before SGD. */
export interface FusedBinaryOptions {
  /** AGS δ, when AGS runs. */
  delta?: Hyper;
  /** SAD's λ, m and τ, when SAD runs. */
  sad?: { dampenWeight: Hyper; trackMomentum: number; threshold: number };
}

/** A fused step: updates the parameters and the chain's state in place; returns the state. */
export type FusedStep = (grads: Updates, state: OptState, params: Params) => OptState;

function channelsOf(p: Tensor): [number, number] {
  const channels = p.shape.length === 0 ? 1 : p.shape[0];
  return [channels, channels === 0 ? 0 : p.size / channels];
}

/** Splits the preset's chain state into its parts (throws on a state of another shape). */
function parts(
  state: OptState,
  bin: FusedBinaryOptions,
): { ags?: AgsState; sad?: SadState; sgd: SgdState } {
  const bad = () => new Error("fused optimizer step: state is not this preset's state");
  const kind = (s: unknown, k: string) => (s as { kind?: string } | null)?.kind === k;
  if (bin.delta === undefined && !bin.sad) {
    if (!kind(state, "sgd")) throw bad();
    return { sgd: state as SgdState };
  }
  if (!Array.isArray(state) || state.length !== 2 || !kind(state[1], "sgd")) throw bad();
  const sgd = state[1] as SgdState;
  if (bin.sad) {
    const inner = state[0];
    if (!Array.isArray(inner) || !kind(inner[0], "ags") || !kind(inner[1], "sad")) throw bad();
    return { ags: inner[0] as AgsState, sad: inner[1] as SadState, sgd };
  }
  if (!kind(state[0], "ags")) throw bad();
  return { ags: state[0] as AgsState, sgd };
}

/**
 * Builds the fused step of a preset (its SGD options and what runs on binary tensors).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { fusedPresetStep, sgd } from "@ovsw/optim";
 * await initGpu();
 * const w = Tensor.from([1, 2], [2]);
 * const params = { w };
 * const opts = { learningRate: 0.1, momentum: 0.9, weightDecay: 0, nesterov: false };
 * const state = sgd(opts).init(params);
 * fusedPresetStep(opts, {})({ w: Tensor.from([1, 1], [2]) }, state, params);
 * console.log(await w.read()); // [0.9, 1.9]
 * ```
 */
export function fusedPresetStep(sgdOpts: FusedSgdOptions, bin: FusedBinaryOptions): FusedStep {
  const buffered = sgdOpts.momentum !== 0;
  const nesterov = sgdOpts.nesterov;
  const hasAgs = bin.delta !== undefined;
  const binaryCode = binaryStepCode({ ags: hasAgs, sad: !!bin.sad, buffered });
  const special = hasAgs || !!bin.sad;
  return (grads, state, params) => {
    const s = parts(state, bin);
    const step = s.sgd.count;
    const eta = hyperAt(sgdOpts.learningRate, step, "sgd: learningRate");
    const mu = hyperAt(sgdOpts.momentum, step, "sgd: momentum", 0);
    const decay = hyperAt(sgdOpts.weightDecay, step, "sgd: weightDecay");
    const delta = s.ags ? hyperAt(bin.delta!, s.ags.count, "ags: delta", 0) : 0;
    const lambda = s.sad ? hyperAt(bin.sad!.dampenWeight, s.sad.count, "sad: dampenWeight", 0) : 0;
    const m = bin.sad?.trackMomentum ?? 0;
    const tau = bin.sad?.threshold ?? 0;
    const wdOf = (name: string, p: Tensor) =>
      sgdOpts.weightDecayMask && !sgdOpts.weightDecayMask(name, p) ? 0 : decay;
    const firstOf = (name: string) => (buffered && !s.sgd.filled[name] ? 1 : 0);
    const rest: [string, Tensor, Tensor][] = [];
    for (const entry of present("fused optimizer step", grads, params)) {
      const [name, g, p] = entry;
      if (!special || p.tag !== "binary") {
        rest.push(entry);
        continue;
      }
      const [channels, n] = channelsOf(p);
      const outputs = [p];
      if (buffered) outputs.push(stateFor("sgd", s.sgd.buf, name));
      if (s.ags) {
        outputs.push(stateFor("ags", s.ags.ratio, name), stateFor("ags", s.ags.scaled, name));
      }
      if (s.sad) {
        outputs.push(stateFor("sad", s.sad.tracker, name), stateFor("sad", s.sad.prev, name));
      }
      runKernel({
        name: "optim_fused_binary",
        code: binaryCode,
        inputs: [g],
        outputs,
        uniforms: [
          channels,
          n,
          f32(delta),
          f32(m),
          f32(1 - m),
          f32(tau),
          f32(lambda),
          f32(eta),
          f32(mu),
          f32(wdOf(name, p)),
          firstOf(name),
          +nesterov,
        ],
        workgroups: grid(channels, 1),
      });
      if (buffered) s.sgd.filled[name] = true;
    }
    const k = maxTensorsPerDispatch(buffered);
    for (let at = 0; at < rest.length; at += k) {
      const group = rest.slice(at, at + k);
      const uniforms: Uniform[] = [f32(eta), f32(mu), +nesterov, 0];
      let total = 0;
      for (const [name, , p] of group) {
        uniforms.push(total, f32(wdOf(name, p)), firstOf(name), 0);
        total += p.size;
      }
      uniforms[3] = total;
      runKernel({
        name: "optim_fused_sgd",
        code: multiSgdCode(group.length, buffered),
        inputs: group.map(([, g]) => g),
        outputs: [
          ...group.map(([, , p]) => p),
          ...(buffered ? group.map(([name]) => stateFor("sgd", s.sgd.buf, name)) : []),
        ],
        uniforms,
        workgroups: grid(total),
      });
      if (buffered) { for (const [name] of group) s.sgd.filled[name] = true; }
    }
    s.sgd.count++;
    if (s.ags) s.ags.count++;
    if (s.sad) s.sad.count++;
    return state;
  };
}
