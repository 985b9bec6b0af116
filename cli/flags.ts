/**
 * The flag tables of every task: training flags (shared by train, compare and gamma) and the
 * extra flags of eval, report, compare and gamma.
 *
 * @module
 */
import {
  DECAY_SETS,
  DEFAULT_CHECKPOINT_EVERY,
  INITS,
  METHODS,
  OPTIMIZER_PIECES,
  OPTIMIZERS,
  SCHEDULES,
} from "@ovsw/train";
import type { FlagSpec } from "./flag_spec.ts";
import { RECIPE_NAMES, recipeHelpLines } from "./recipes.ts";

/** The γ values of the poster's convergence experiment. */
export const POSTER_GAMMAS: readonly number[] = [1e-4, 1e-3, 1e-2, 1e-1, 1, 1e1, 1e2, 1e3];

/**
 * Default budget of `deno task train` with no flags, chosen to finish in about ten minutes on a
 * 2-core machine with the software WebGPU adapter.
 */
export const DEFAULT_BUDGET = {
  epochs: 4,
  batchSize: 64,
  trainLimit: null as number | null, // all 6,000 training images of the embedded subset
  testLimit: 1000 as number | null,
};

/** Data flags: what to train and test on. */
export const DATA_FLAGS: FlagSpec[] = [
  {
    name: "dataset",
    key: "dataset",
    kind: "choice",
    choices: ["embedded", "fashion-mnist", "mnist", "cifar10", "cifar100", "imagenet", "folder"],
    default: null,
    nullable: true,
    defaultLabel: "auto",
    placeholder: "<name>",
    help: "embedded|fashion-mnist|mnist|cifar10|cifar100|imagenet|folder; auto: the embedded " +
      "Fashion-MNIST subset, or the dataset detected in --data-dir; imagenet and folder read " +
      "JPEGs from --data-dir/train/<class>/ and val/<class>/ (docs/data-imagefolder.md)",
  },
  {
    name: "data-dir",
    key: "dataDir",
    kind: "string",
    default: null,
    nullable: true,
    placeholder: "<dir>",
    help: "directory holding the dataset files (IDX or CIFAR binary, or an image folder; " +
      "fashion-mnist is also looked for in /usr/share/datasets/fashion-mnist)",
  },
  {
    name: "image-size",
    key: "imageSize",
    kind: "int",
    default: null,
    nullable: true,
    min: 8,
    defaultLabel: "224",
    placeholder: "<n>",
    help: "imagenet|folder: crop side (RandomResizedCrop n; evaluation Resize(n·256/224) + " +
      "CenterCrop n); smaller sides make quick runs",
  },
  {
    name: "download",
    key: "download",
    kind: "bool",
    default: false,
    help: "download the dataset into --data-dir first (checksummed, resumable)",
  },
  {
    name: "train-limit",
    key: "trainLimit",
    kind: "int",
    default: DEFAULT_BUDGET.trainLimit,
    min: 1,
    nullable: true,
    placeholder: "<n|none>",
    help: "use the first n training images (none: all)",
  },
  {
    name: "test-limit",
    key: "testLimit",
    kind: "int",
    default: DEFAULT_BUDGET.testLimit,
    min: 1,
    nullable: true,
    placeholder: "<n|none>",
    help: "use the first n test images (none: all)",
  },
  {
    name: "batch-size",
    key: "batchSize",
    kind: "int",
    default: DEFAULT_BUDGET.batchSize,
    min: 1,
    placeholder: "<n>",
    help: "mini-batch size (the last partial batch is kept)",
  },
];

/** Model flags. */
export const MODEL_FLAGS: FlagSpec[] = [
  {
    name: "model",
    key: "model",
    kind: "string",
    default: "vgg-small-28",
    placeholder: "<name>",
    help: "vgg-small-28|cresnet20|cresnet18|vgg-small|resnet18|resnet34",
  },
  {
    name: "init",
    key: "init",
    kind: "choice",
    choices: INITS,
    default: "default",
    placeholder: "<name>",
    help: "binary-weight initialiser: default (the model's, docs/method.md §8)|kaiming_normal|" +
      "kaiming_uniform|xavier_normal|xavier_uniform|xavier_constant|signed_constant|" +
      "unsigned_constant|standard (kaiming-normal, kaiming-uniform: aliases)",
  },
  {
    name: "gamma",
    key: "gamma",
    kind: "number",
    default: 1,
    min: 0,
    minExclusive: true,
    placeholder: "<x>",
    help: "scale of the binary weights' initialiser (the poster's γ)",
  },
];

/** How `--help` shows a default taken from the method's recipe. */
const RECIPE = "the method's recipe";

/** Method flags: the method, OvSW's optimizer pieces and their hyper-parameters. */
export const METHOD_FLAGS: FlagSpec[] = [
  {
    name: "method",
    key: "method",
    kind: "choice",
    choices: METHODS,
    default: "ovsw",
    placeholder: "<name>",
    help: "vanilla (SGD)|ags (SGD + AGS)|ovsw (SGD + AGS + SAD)|" +
      METHODS.filter((m) => !["vanilla", "ags", "ovsw"].includes(m)).join("|") +
      " (BNN methods with their recipes, docs/methods.md)",
  },
  {
    name: "optimizer-pieces",
    key: "optimizerPieces",
    kind: "choices",
    choices: [...OPTIMIZER_PIECES, "off"],
    default: null,
    nullable: true,
    defaultLabel: "the method's: ags,sad for ovsw, ags for ags, else off",
    placeholder: "<ags,sad|ags|sad|off>",
    help: "OvSW's pieces on the binary weights, before the method's optimizer: any method " +
      "combines with them, e.g. --method recu --optimizer-pieces ags,sad",
  },
  {
    name: "delta",
    key: "delta",
    kind: "number",
    default: 0.04,
    min: 0,
    placeholder: "<x>",
    help: "AGS threshold δ on ‖g‖/‖W‖ per output channel (ags, ovsw)",
  },
  {
    name: "dampen-weight",
    key: "dampenWeight",
    kind: "number",
    default: 9e-4,
    min: 0,
    placeholder: "<x>",
    help: "SAD decay λ on silent weights (ovsw)",
  },
  {
    name: "track-momentum",
    key: "trackMomentum",
    kind: "number",
    default: 0.999,
    min: 0,
    max: 1,
    placeholder: "<x>",
    help: "SAD tracker EMA momentum m (ovsw)",
  },
  {
    name: "track-threshold",
    key: "trackThreshold",
    kind: "number",
    default: 1e-4,
    min: 0,
    placeholder: "<x>",
    help: "SAD silence threshold τ (ovsw)",
  },
  {
    name: "tracker-init",
    key: "trackerInit",
    kind: "choice",
    choices: ["zeros", "ones"],
    default: "zeros",
    placeholder: "<zeros|ones>",
    help: "SAD tracker initial value (zeros: every weight starts silent)",
  },
];

/** Optimisation flags (a `null` default is the method's recipe, docs/methods.md). */
export const OPTIM_FLAGS: FlagSpec[] = [
  {
    name: "optimizer",
    key: "optimizer",
    kind: "choice",
    choices: OPTIMIZERS,
    default: null,
    nullable: true,
    defaultLabel: RECIPE,
    placeholder: "<sgd|adam>",
    help: "base optimizer (SGD with momentum, or Adam), PyTorch semantics",
  },
  {
    name: "epochs",
    key: "epochs",
    kind: "int",
    default: DEFAULT_BUDGET.epochs,
    min: 1,
    placeholder: "<n>",
    help: "training epochs",
  },
  {
    name: "lr",
    key: "lr",
    kind: "number",
    default: null,
    nullable: true,
    defaultLabel: RECIPE,
    min: 0,
    minExclusive: true,
    placeholder: "<x>",
    help: "base learning rate η₀",
  },
  {
    name: "momentum",
    key: "momentum",
    kind: "number",
    default: 0.9,
    min: 0,
    max: 1,
    placeholder: "<x>",
    help: "SGD momentum (PyTorch semantics, dampening 0)",
  },
  {
    name: "nesterov",
    key: "nesterov",
    kind: "bool",
    default: false,
    help: "use Nesterov momentum",
  },
  {
    name: "weight-decay",
    key: "weightDecay",
    kind: "number",
    default: null,
    nullable: true,
    defaultLabel: RECIPE,
    min: 0,
    placeholder: "<x>",
    help: "L2 weight decay, added inside the optimizer after AGS/SAD",
  },
  {
    name: "decay-set",
    key: "decaySet",
    kind: "choice",
    choices: DECAY_SETS,
    default: null,
    nullable: true,
    defaultLabel: RECIPE + "; no-vector with --no-bn-decay",
    placeholder: "<set>",
    help: "parameters that get weight decay: all|no-vector (not 1-D)|no-bn (all but BN)|" +
      "no-binary-layers (not the binary convs' weights and scales)",
  },
  {
    name: "no-bn-decay",
    key: "noBnDecay",
    kind: "bool",
    default: false,
    help: "no weight decay on 1-D parameters (BN γ/β, biases, PReLU slopes): --decay-set " +
      "no-vector",
  },
  {
    name: "warmup",
    key: "warmup",
    kind: "int",
    default: null,
    nullable: true,
    defaultLabel: RECIPE,
    min: 0,
    placeholder: "<n>",
    help: "linear warm-up epochs (docs/method.md §9.1: 1 means full lr from epoch 0)",
  },
  {
    name: "schedule",
    key: "schedule",
    kind: "choice",
    choices: SCHEDULES,
    default: null,
    nullable: true,
    defaultLabel: RECIPE,
    placeholder: "<name>",
    help: "cosine (per epoch, +1e-5 floor, the paper's)|cosine-step (per step)|constant|" +
      "linear (lr·(1 − (e+1)/E) in epoch e, Bi-Real/ReActNet)",
  },
  {
    name: "label-smoothing",
    key: "labelSmoothing",
    kind: "number",
    default: null,
    nullable: true,
    defaultLabel: RECIPE,
    min: 0,
    max: 1,
    maxExclusive: true,
    placeholder: "<x>",
    help: "label smoothing of the cross-entropy loss",
  },
  {
    name: "seed",
    key: "seed",
    kind: "int",
    default: 0,
    min: 0,
    max: 2 ** 32 - 1,
    placeholder: "<n>",
    help: "seed of initialisation, shuffling and augmentation",
  },
];

/** Presets, two-step training and distillation (docs/cli.md "ImageNet recipes"). */
export const TWO_STEP_FLAGS: FlagSpec[] = [
  {
    name: "recipe",
    key: "recipe",
    kind: "choice",
    choices: RECIPE_NAMES,
    default: null,
    nullable: true,
    placeholder: "<name>",
    help: "the poster's ImageNet rows as flag defaults (explicit flags override): " +
      recipeHelpLines().join("; "),
  },
  {
    name: "step",
    key: "step",
    kind: "int",
    default: null,
    nullable: true,
    min: 1,
    max: 2,
    placeholder: "<1|2>",
    help: "two-step training: 1 = binary activations with real-valued weights (--weights real), " +
      "2 = binary weights initialised from step 1 (needs --init-from)",
  },
  {
    name: "weights",
    key: "weights",
    kind: "choice",
    choices: ["binary", "real"],
    default: null,
    nullable: true,
    defaultLabel: "binary; real with --step 1",
    placeholder: "<binary|real>",
    help: "real: every binary conv keeps real-valued weights and binarises only its input " +
      "(ReActNet's step 1)",
  },
  {
    name: "init-from",
    key: "initFrom",
    kind: "string",
    default: null,
    nullable: true,
    placeholder: "<run-dir>",
    help: "initialise the model from this run's checkpoint-latest weights, by name (step 2)",
  },
  {
    name: "teacher",
    key: "teacher",
    kind: "string",
    default: null,
    nullable: true,
    placeholder: "<file.safetensors>",
    help: "float teacher (torchvision parameter names) whose softmax is the target of " +
      "ReActNet's distributional loss, which then replaces cross-entropy",
  },
  {
    name: "teacher-arch",
    key: "teacherArch",
    kind: "choice",
    choices: ["resnet18", "resnet34"],
    default: "resnet34",
    placeholder: "<resnet18|resnet34>",
    help: "the teacher's architecture (torchvision's ResNet)",
  },
];

/** Output and bookkeeping flags of a training run. */
export const RUN_FLAGS: FlagSpec[] = [
  {
    name: "eval-every",
    key: "evalEvery",
    kind: "int",
    default: 1,
    min: 1,
    placeholder: "<n>",
    help: "evaluate on the test set every n epochs (and always after the last)",
  },
  {
    name: "log-every",
    key: "logEvery",
    kind: "int",
    default: 10,
    min: 1,
    placeholder: "<n>",
    help: "read loss/accuracy back and log them every n steps",
  },
  {
    name: "checkpoint-every",
    key: "checkpointEvery",
    kind: "int",
    default: DEFAULT_CHECKPOINT_EVERY,
    min: 1,
    placeholder: "<n>",
    help: "also save checkpoint-latest every n steps (besides each epoch's end), so a kill " +
      "loses at most n steps",
  },
  {
    name: "out",
    key: "out",
    kind: "string",
    default: "runs",
    placeholder: "<dir>",
    help: "parent directory of run directories",
  },
  {
    name: "name",
    key: "name",
    kind: "string",
    default: null,
    nullable: true,
    defaultLabel: "<model>-<method>-seed<seed>-<time>",
    placeholder: "<name>",
    help: "run directory name under --out",
  },
  {
    name: "resume",
    key: "resume",
    kind: "string",
    default: null,
    nullable: true,
    placeholder: "<run-dir>",
    help: "continue the run in this directory from its latest checkpoint, exactly",
  },
  {
    name: "stop-after-steps",
    key: "stopAfterSteps",
    kind: "int",
    default: null,
    nullable: true,
    min: 1,
    placeholder: "<n>",
    help: "stop as Ctrl-C would (checkpoint, exit 130) after n steps of this session",
  },
  {
    name: "allow-backend-change",
    key: "allowBackendChange",
    kind: "bool",
    default: false,
    help: "with --resume: continue on another WebGPU backend/adapter than the run started on " +
      "(the results then differ bit-wise from an uninterrupted run)",
  },
];

/** Flags every task has. */
export const COMMON_FLAGS: FlagSpec[] = [
  {
    name: "config",
    key: "config",
    kind: "string",
    default: null,
    nullable: true,
    placeholder: "<file.json>",
    help: "JSON file of flag values (kebab-case or camelCase keys); flags override it",
  },
  {
    name: "json",
    key: "json",
    kind: "bool",
    default: false,
    help: "print the final summary as one JSON object on stdout",
  },
];

/** All flags of `deno task train`. */
export const TRAIN_FLAGS: FlagSpec[] = [
  ...MODEL_FLAGS,
  ...DATA_FLAGS,
  ...METHOD_FLAGS,
  ...OPTIM_FLAGS,
  ...TWO_STEP_FLAGS,
  ...RUN_FLAGS,
  ...COMMON_FLAGS,
];

/** Training flags shared by multi-run tasks (compare, gamma): everything but resume/name. */
export const SWEEP_BASE_FLAGS: FlagSpec[] = TRAIN_FLAGS.filter(
  (f) =>
    ![
      "resume",
      "name",
      "method",
      "stop-after-steps",
      "allow-backend-change",
      "recipe",
    ].includes(f.name),
);
