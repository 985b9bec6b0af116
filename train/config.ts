/**
 * The configuration of one training run, as recorded in the run directory's `config.json`
 * (the CLI's flags resolve to it; `--resume`, `eval` and the sweeps read it back).
 *
 * @module
 */
import { INITIALIZER_NAMES } from "@ovsw/init";
import { METHOD_NAMES, type MethodName } from "./methods/registry.ts";
import type { DecaySet, OptimizerName, OptimizerPiece } from "./methods/recipe.ts";
import type { SCHEDULES } from "./methods/recipe.ts";

/**
 * Training methods: OvSW's own (vanilla, ags, ovsw) and the BNN methods it is compared with
 * (docs/methods.md).
 */
export const METHODS: readonly MethodName[] = METHOD_NAMES;

/** A training method name. */
export type Method = MethodName;

/**
 * Binary-weight initialisers: `default` (the model's own), the authors' `--init` names, and the
 * hyphenated Kaiming names accepted before (aliases, `INITIALIZER_ALIASES` of `@ovsw/init`).
 */
export const INITS = [
  "default",
  ...INITIALIZER_NAMES,
  "kaiming-normal",
  "kaiming-uniform",
] as const;

/** Learning-rate schedules (`linear`: Bi-Real/ReActNet's decay to 0, stepped per epoch). */
export { SCHEDULES } from "./methods/recipe.ts";

/**
 * Default of `checkpointEvery` (`--checkpoint-every`): 50 steps, about 80 s of the default run
 * (about 1.6 s a step), so a kill loses about a minute, while one save costs well under 1% of
 * that (see docs/run-directory.md).
 */
export const DEFAULT_CHECKPOINT_EVERY = 50;

/** The resolved configuration of one training run (the `config` of `config.json`). */
export interface TrainConfig {
  /** Model name (`vgg-small-28`, `cresnet20`, ...). */
  model: string;
  /** Dataset name (`null`: auto, the embedded subset or what `dataDir` holds). */
  dataset: string | null;
  /** Directory of the dataset files; `null` for the embedded subset. */
  dataDir: string | null;
  /** Download the dataset first. */
  download: boolean;
  /** First n training images (`null`: all). */
  trainLimit: number | null;
  /** First n test images (`null`: all). */
  testLimit: number | null;
  /** Mini-batch size. */
  batchSize: number;
  /** Binary-weight initialiser. */
  init: (typeof INITS)[number];
  /** Scale γ of the binary-weight initialiser. */
  gamma: number;
  /** The method (docs/methods.md). */
  method: Method;
  /**
   * OvSW optimizer pieces on the binary weights (`["off"]`: none); null (runs written before
   * the methods existed): the method's own.
   */
  optimizerPieces: (OptimizerPiece | "off")[] | null;
  /** Base optimizer; null (older runs): the method's. */
  optimizer: OptimizerName | null;
  /** The parameters that get weight decay; null (older runs): by `noBnDecay`. */
  decaySet: DecaySet | null;
  /** AGS δ. */
  delta: number;
  /** SAD λ. */
  dampenWeight: number;
  /** SAD tracker momentum m. */
  trackMomentum: number;
  /** SAD threshold τ. */
  trackThreshold: number;
  /** SAD tracker initial value. */
  trackerInit: "zeros" | "ones";
  /** Training epochs. */
  epochs: number;
  /** Base learning rate. */
  lr: number;
  /** SGD momentum. */
  momentum: number;
  /** Nesterov momentum. */
  nesterov: boolean;
  /** Weight decay. */
  weightDecay: number;
  /** No weight decay on 1-D parameters. */
  noBnDecay: boolean;
  /** Warm-up epochs. */
  warmup: number;
  /** Learning-rate schedule. */
  schedule: (typeof SCHEDULES)[number];
  /** Label smoothing. */
  labelSmoothing: number;
  /** Seed. */
  seed: number;
  /** Test evaluation every n epochs. */
  evalEvery: number;
  /** Loss/accuracy readback every n steps. */
  logEvery: number;
  /** Checkpoint (`checkpoint-latest`) every n optimizer steps, besides each epoch's end. */
  checkpointEvery: number;
  /** Parent directory of run directories. */
  out: string;
  /** Run directory name (`null`: generated). */
  name: string | null;
  /** Crop side of image-folder datasets (`null`: 224; the evaluation resize scales with it). */
  imageSize: number | null;
  /** The named preset the flag defaults came from (`--recipe`; `null`: none). */
  recipe: string | null;
  /** Two-step training step (1: real weights, 2: binary weights from step 1; `null`: one step). */
  step: number | null;
  /** `binary` latent weights binarised in the forward pass, or `real` ones (step 1). */
  weights: "binary" | "real";
  /** Run directory whose `checkpoint-latest` weights initialise the model (`null`: none). */
  initFrom: string | null;
  /** Safetensors file of a float teacher for the distributional loss (`null`: no teacher). */
  teacher: string | null;
  /** The teacher's architecture (torchvision parameter names). */
  teacherArch: "resnet18" | "resnet34";
}

/**
 * The keys of {@link TrainConfig}, in `config.json` order.
 *
 * @example
 * ```ts
 * import { TRAIN_CONFIG_KEYS } from "@ovsw/train";
 * console.log(TRAIN_CONFIG_KEYS.includes("batchSize")); // true
 * ```
 */
export const TRAIN_CONFIG_KEYS: readonly (keyof TrainConfig)[] = [
  "model",
  "init",
  "gamma",
  "dataset",
  "dataDir",
  "download",
  "trainLimit",
  "testLimit",
  "batchSize",
  "method",
  "optimizerPieces",
  "optimizer",
  "decaySet",
  "delta",
  "dampenWeight",
  "trackMomentum",
  "trackThreshold",
  "trackerInit",
  "epochs",
  "lr",
  "momentum",
  "nesterov",
  "weightDecay",
  "noBnDecay",
  "warmup",
  "schedule",
  "labelSmoothing",
  "seed",
  "evalEvery",
  "logEvery",
  "checkpointEvery",
  "out",
  "name",
  "imageSize",
  "recipe",
  "step",
  "weights",
  "initFrom",
  "teacher",
  "teacherArch",
];

/**
 * The keys that may change between sessions of one run without changing what it computes:
 * `--epochs` (train further), how often it evaluates, logs and checkpoints, where the data and
 * the directory live (the data itself is checked by content). Every other key is checked
 * against the checkpoint on resume.
 *
 * @example
 * ```ts
 * import { SESSION_KEYS } from "@ovsw/train";
 * console.log(SESSION_KEYS.includes("lr")); // false
 * ```
 */
export const SESSION_KEYS: readonly (keyof TrainConfig)[] = [
  "dataDir",
  "download",
  "epochs",
  "evalEvery",
  "logEvery",
  "checkpointEvery",
  "out",
  "name",
];
