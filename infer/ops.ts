/**
 * The operations of an exported binary network (`.ovsw` file, see docs/deploy.md): a list of
 * ops over named activations, each reading one or two named values and writing one.
 *
 * @module
 */

/** Activation fused into an op's store. */
export type Activation = "none" | "hardtanh";

/**
 * What several ops do with each output value `v` before storing it:
 * `v = v·scale[c] + shift[c] (+ residual) → activation`, `c` the channel of the value.
 */
export interface Epilogue {
  /** Blob `[C]` f32: per-channel multiplier (absent: 1). */
  scale?: string;
  /** Blob `[C]` f32: per-channel offset (absent: 0). */
  shift?: string;
  /** Name of a value of the output's shape added after the shift. */
  residual?: string;
  /** Applied last (default none). */
  activation?: Activation;
}

/** Fields every op has. */
export interface OpBase {
  /** Name of the value read. */
  input: string;
  /** Name of the value written. */
  output: string;
}

/** Float convolution `[N, C, H, W] → [N, O, Ho, Wo]` with zero padding, then the epilogue. */
export interface Conv2dOp extends OpBase, Epilogue {
  /** Kind. */
  op: "conv2d";
  /** Blob `[O, C, k, k]` f32. */
  weight: string;
  /** Blob `[O]` f32, added before the epilogue. */
  bias?: string;
  /** C. */
  inChannels: number;
  /** O. */
  outChannels: number;
  /** k. */
  kernel: number;
  /** Stride. */
  stride: number;
  /** Zero padding on every side. */
  padding: number;
}

/**
 * Binary convolution: `acc = Σ sign(x)·sign(W)` over `(c, ky, kx)` with sign(0) = 0 and zero
 * padding of the binarised input (an exact integer), then the epilogue on `acc`.
 */
export interface BinaryConv2dOp extends OpBase, Epilogue {
  /** Kind. */
  op: "binary_conv2d";
  /** Blob `[O, k·k, ⌈C/32⌉]` u32: bit `c mod 32` of word `⌊c/32⌋` set where `W[o, c, ky, kx] < 0`. */
  signs: string;
  /** Blob like `signs`: bit set where `W ≠ 0`. Absent: every weight is ±1. */
  nonzero?: string;
  /** C. */
  inChannels: number;
  /** O. */
  outChannels: number;
  /** k. */
  kernel: number;
  /** Stride. */
  stride: number;
  /** Zero padding (of the binarised input) on every side. */
  padding: number;
}

/** Max pooling with implicit −∞ padding. */
export interface MaxPool2dOp extends OpBase {
  /** Kind. */
  op: "max_pool2d";
  /** Window size. */
  kernel: number;
  /** Stride. */
  stride: number;
  /** Padding on every side. */
  padding: number;
}

/** Average pooling without padding. */
export interface AvgPool2dOp extends OpBase {
  /** Kind. */
  op: "avg_pool2d";
  /** Window size. */
  kernel: number;
  /** Stride. */
  stride: number;
}

/** Mean over H and W: `[N, C, H, W] → [N, C]`. */
export interface GlobalAvgPoolOp extends OpBase {
  /** Kind. */
  op: "global_avg_pool";
}

/** Zero channels before and after: `[N, C, H, W] → [N, before + C + after, H, W]`. */
export interface PadChannelsOp extends OpBase {
  /** Kind. */
  op: "pad_channels";
  /** Zero channels in front. */
  before: number;
  /** Zero channels behind. */
  after: number;
}

/** Per-channel (axis 1) `x·scale + shift`, residual and activation: a folded BatchNorm. */
export interface AffineOp extends OpBase, Epilogue {
  /** Kind. */
  op: "affine";
}

/**
 * PReLU with one slope per channel and optional shifts before and after (ReActNet's RPReLU):
 * `v = x + inputShift[c]`, `y = (v > 0 ? v : a[c]·v) + outputShift[c]`.
 */
export interface PReLUOp extends OpBase {
  /** Kind. */
  op: "prelu";
  /** Blob `[C]` f32: the slopes `a`. */
  weight: string;
  /** Blob `[C]` f32 added before the PReLU (absent: 0). */
  inputShift?: string;
  /** Blob `[C]` f32 added after the PReLU (absent: 0). */
  outputShift?: string;
}

/**
 * Each sample minus its own mean over all its values: `y[n, …] = x[n, …] − mean(x[n])` (the
 * mean in f32). Feeds a binary conv whose activations are `sign(a − mean_n a)` (RBNN, SiMaN).
 */
export interface SampleCentreOp extends OpBase {
  /** Kind. */
  op: "sample_centre";
}

/** `[N, ...] → [N, product]` (row-major, no data movement). */
export interface FlattenOp extends OpBase {
  /** Kind. */
  op: "flatten";
}

/** Float fully connected `[N, I] → [N, O]`: `y = x·Wᵀ + b`. */
export interface LinearOp extends OpBase {
  /** Kind. */
  op: "linear";
  /** Blob `[O, I]` f32. */
  weight: string;
  /** Blob `[O]` f32. */
  bias?: string;
  /** I. */
  inFeatures: number;
  /** O. */
  outFeatures: number;
}

/** Any op of an export. */
export type Op =
  | Conv2dOp
  | BinaryConv2dOp
  | MaxPool2dOp
  | AvgPool2dOp
  | GlobalAvgPoolOp
  | PadChannelsOp
  | AffineOp
  | PReLUOp
  | SampleCentreOp
  | FlattenOp
  | LinearOp;

/** Every op kind, in the order docs/deploy.md lists them. */
export const OP_KINDS: readonly Op["op"][] = [
  "conv2d",
  "binary_conv2d",
  "max_pool2d",
  "avg_pool2d",
  "global_avg_pool",
  "pad_channels",
  "affine",
  "prelu",
  "sample_centre",
  "flatten",
  "linear",
];
