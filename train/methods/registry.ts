/**
 * The BNN methods by name: each method's binary conv (the models' plug-in through the
 * `LayerBuilder`), block, per-epoch hook and recipe defaults (docs/methods.md).
 *
 * @module
 */
import {
  type BinaryConvFactory,
  type BinaryConvSpec,
  type EpochHook,
  FdaConv2d,
  fdaEpochHook,
  HardBinaryConv2d,
  IrNetConv2d,
  irnetEpochHook,
  type Module,
  RbnnConv2d,
  rbnnEpochHook,
  rbnnKT,
  RecuConv2d,
  recuEpochHook,
  SimanConv2d,
  simanEpochHook,
  XnorConv2d,
  XnorPlusPlusConv2d,
} from "@ovsw/layers";
import type { MethodRecipe } from "./recipe.ts";

/** The method names, in the poster's order after OvSW's own three. */
export const METHOD_NAMES = [
  "vanilla",
  "ags",
  "ovsw",
  "xnor",
  "xnorpp",
  "bireal",
  "irnet",
  "rbnn",
  "siman",
  "fda",
  "recu",
  "reactnet",
] as const;

/** A method name. */
export type MethodName = (typeof METHOD_NAMES)[number];

/** What the registry knows about a method. */
export interface MethodInfo {
  /** Command-line name. */
  name: MethodName;
  /** One line: the method and where its semantics come from. */
  description: string;
  /** Recipe defaults. */
  recipe: MethodRecipe;
  /** The binary conv (absent: OvSW's `BinaryConv2d`). */
  binaryConv?: BinaryConvFactory;
  /** The block the method needs (`react`: ReActNet's). */
  block?: "react";
  /** Called before each epoch (0-based), also the first epoch of a resumed session. */
  epochHook?: EpochHook;
  /**
   * Called instead of {@link MethodInfo.epochHook} when a session resumes in the middle of an
   * epoch: re-establishes the schedule values without repeating the epoch-start side effects
   * (RBNN's rotation update, whose result is in the checkpoint). Default: `epochHook`.
   */
  resumeHook?: EpochHook;
}

/** The recipe of docs/method.md §9.2 (OvSW's, CIFAR-10): SGD 0.1, wd 5e-4 on all, cosine. */
const OVSW_RECIPE: MethodRecipe = {
  optimizer: "sgd",
  lr: 0.1,
  weightDecay: 5e-4,
  decaySet: "all",
  schedule: "cosine",
  warmup: 1,
  labelSmoothing: 0,
  epochs: 600,
  pieces: [],
};

/** Bi-Real/ReActNet's Adam recipe: no decay, linear decay to 0 stepped at each epoch start. */
const ADAM_LINEAR: MethodRecipe = {
  ...OVSW_RECIPE,
  optimizer: "adam",
  lr: 1e-3,
  weightDecay: 0,
  schedule: "linear",
  epochs: 256,
};

/** SGD 0.1, cosine, wd 1e-4 (ReCU, RBNN, IR-Net). */
const SGD_COSINE_1E4: MethodRecipe = { ...OVSW_RECIPE, weightDecay: 1e-4 };

/** The options every method conv takes (a subset of its own). */
type ConvOptions = Pick<BinaryConvSpec, "stride" | "padding" | "init" | "rng">;

/** A factory for a conv class taking `(in, out, k, { stride, padding, init, rng })`. */
function conv(
  make: new (i: number, o: number, k: number, s: ConvOptions) => Module,
): BinaryConvFactory {
  return (i, o, k, s) => new make(i, o, k, s);
}

/** RBNN's hook for a mid-epoch resume: t, k only (R1, R2 come from the checkpoint). */
const rbnnScheduleOnly: EpochHook = (model, epoch, epochs) => {
  const { t, k } = rbnnKT(epoch, epochs);
  for (const [, m] of model.namedModules()) {
    if (m instanceof RbnnConv2d) {
      m.t = t;
      m.k = k;
    }
  }
};

/** Every method. */
export const METHOD_INFO: readonly MethodInfo[] = [
  {
    name: "vanilla",
    description: "OvSW's conv, plain SGD (the paper's baseline)",
    recipe: OVSW_RECIPE,
  },
  {
    name: "ags",
    description: "OvSW's conv, AGS + SGD",
    recipe: { ...OVSW_RECIPE, pieces: ["ags"] },
  },
  {
    name: "ovsw",
    description: "OvSW: AGS + SAD + SGD (docs/method.md)",
    recipe: { ...OVSW_RECIPE, pieces: ["ags", "sad"] },
  },
  {
    name: "xnor",
    description: "XNOR-Net (jiecaoyu's PyTorch port): α = ‖W‖₁/n, in-place centre + clamp",
    recipe: {
      ...OVSW_RECIPE,
      optimizer: "adam",
      lr: 0.01,
      weightDecay: 1e-5,
      schedule: "constant",
      epochs: 320,
    },
    binaryConv: conv(XnorConv2d),
  },
  {
    name: "xnorpp",
    description: "XNOR-Net++ (bnn library, variant B): learned output scale on the analytic α",
    recipe: ADAM_LINEAR,
    binaryConv: conv(XnorPlusPlusConv2d),
  },
  {
    name: "bireal",
    description: "Bi-Real Net: HardBinaryConv (α detached, clamp STE), ApproxSign",
    recipe: { ...ADAM_LINEAR, labelSmoothing: 0.1 },
    binaryConv: conv(HardBinaryConv2d),
  },
  {
    name: "irnet",
    description: "IR-Net: Libra-PB, power-of-two scale, EDE with the k,t schedule",
    recipe: { ...SGD_COSINE_1E4, epochs: 400 },
    binaryConv: conv(IrNetConv2d),
    epochHook: irnetEpochHook,
  },
  {
    name: "rbnn",
    description: "RBNN: bi-rotation (per-epoch SVD update), θ, training-aware sign",
    recipe: { ...SGD_COSINE_1E4, epochs: 1000 },
    binaryConv: conv(RbnnConv2d),
    epochHook: rbnnEpochHook,
    resumeHook: rbnnScheduleOnly,
  },
  {
    name: "siman",
    description: "SiMaN: sign-to-magnitude (median B), in-place percentile clip",
    recipe: { ...SGD_COSINE_1E4, decaySet: "no-binary-layers" },
    binaryConv: conv(SimanConv2d),
    epochHook: simanEpochHook,
  },
  {
    name: "fda",
    description: "FDA-BNN (BiBench port): Fourier-series backward, noise adapters",
    recipe: OVSW_RECIPE,
    binaryConv: conv(FdaConv2d),
    epochHook: fdaEpochHook,
  },
  {
    name: "recu",
    description: "ReCU: rectified clamp with τ, learned α, per-sample activation std",
    recipe: { ...SGD_COSINE_1E4, decaySet: "no-bn", warmup: 5 },
    binaryConv: conv(RecuConv2d),
    epochHook: recuEpochHook,
  },
  {
    name: "reactnet",
    description: "ReActNet (step 2, no teacher): RSign, RPReLU, ReAct block, HardBinaryConv",
    recipe: { ...ADAM_LINEAR, lr: 1.25e-3, epochs: 128 },
    binaryConv: conv(HardBinaryConv2d),
    block: "react",
  },
];

/**
 * The registry entry of a method; throws one line listing the names.
 *
 * @example
 * ```ts
 * import { methodInfo } from "@ovsw/train";
 * console.log(methodInfo("recu").recipe.decaySet); // no-bn
 * ```
 */
export function methodInfo(name: string): MethodInfo {
  const hit = METHOD_INFO.find((m) => m.name === name);
  if (!hit) {
    throw new RangeError(`unknown method "${name}"; choose one of ${METHOD_NAMES.join(", ")}`);
  }
  return hit;
}
