/**
 * `--recipe`: the poster's ImageNet rows as named presets of flag defaults (docs/method.md §9.3,
 * docs/cli.md "ImageNet recipes"). A recipe fills every flag the user did not give (on the
 * command line or in `--config`); explicit flags override it. The two-step rows hold one set of
 * values per step, chosen by `--step 1|2`.
 *
 * @module
 */
import type { ParsedArgs } from "./args.ts";
import { UsageError } from "./errors.ts";
import type { FlagValue } from "./flag_spec.ts";

/** Flag values by configuration key. */
export type RecipeValues = Record<string, FlagValue>;

/** One preset: its values, and for two-step rows the values of each step. */
export interface Recipe {
  /** `--recipe` name. */
  name: string;
  /** The poster's row it reproduces. */
  row: string;
  /** Flag defaults (by camelCase key) for every step. */
  values: RecipeValues;
  /** Two-step rows: the values of step 1 and step 2 on top of `values`. */
  steps?: { 1: RecipeValues; 2: RecipeValues };
  /** Expected wall time on one GPU, in words (an estimate: see docs/cli.md). */
  wallTime: string;
}

/** The authors' ImageNet run (docs/method.md §9.3): SGD 0.1, batch 512, 200 epochs, cosine. */
const OVSW_IMAGENET: RecipeValues = {
  dataset: "imagenet",
  method: "ovsw",
  optimizer: "sgd",
  lr: 0.1,
  momentum: 0.9,
  batchSize: 512,
  epochs: 200,
  weightDecay: 1e-4,
  decaySet: "no-vector",
  warmup: 5,
  schedule: "cosine",
  delta: 0.01,
  dampenWeight: 2e-5,
  seed: 42,
  testLimit: null,
};

/**
 * ReActNet's two-step training (ReAct-ResNet code): Adam 5e-4, batch 256, 256 epochs per step,
 * linear decay, the distributional loss against a ResNet-34 teacher; weight decay 1e-5 in step 1
 * (real weights), 0 in step 2.
 */
const TWO_STEP: RecipeValues = {
  dataset: "imagenet",
  model: "resnet18",
  optimizer: "adam",
  lr: 5e-4,
  batchSize: 256,
  epochs: 256,
  decaySet: "no-vector",
  warmup: 1,
  schedule: "linear",
  labelSmoothing: 0,
  teacherArch: "resnet34",
  testLimit: null,
};
const TWO_STEPS = { 1: { weightDecay: 1e-5 }, 2: { weightDecay: 0 } };

/** Every recipe. */
export const RECIPES: readonly Recipe[] = [
  {
    name: "imagenet-resnet18-ovsw",
    row: "OvSW, ResNet-18 (61.6% top-1)",
    values: { ...OVSW_IMAGENET, model: "resnet18" },
    wallTime: "≈ 5 weeks",
  },
  {
    name: "imagenet-resnet34-ovsw",
    row: "OvSW, ResNet-34 (65.5% top-1)",
    values: { ...OVSW_IMAGENET, model: "resnet34" },
    wallTime: "≈ 9–10 weeks",
  },
  {
    name: "imagenet-resnet18-reactnet",
    row: "ReActNet, two-step (65.9% top-1)",
    values: { ...TWO_STEP, method: "reactnet" },
    steps: TWO_STEPS,
    wallTime: "≈ 10–11 weeks per step",
  },
  {
    name: "imagenet-resnet18-recu-two-step",
    row: "ReCU*, two-step (66.4% top-1)",
    values: { ...TWO_STEP, method: "recu" },
    steps: TWO_STEPS,
    wallTime: "≈ 10–11 weeks per step",
  },
  {
    name: "imagenet-resnet18-ovsw-star",
    row: "OvSW*: ReActNet + AGS + SAD, two-step (66.6% top-1)",
    values: {
      ...TWO_STEP,
      method: "reactnet",
      optimizerPieces: ["ags", "sad"],
      delta: 0.01,
      dampenWeight: 2e-5,
    },
    steps: TWO_STEPS,
    wallTime: "≈ 10–11 weeks per step",
  },
];

/** The `--recipe` names. */
export const RECIPE_NAMES: readonly string[] = RECIPES.map((r) => r.name);

/**
 * The recipe of a name; an unknown one is a {@link UsageError} listing the names.
 *
 * @example
 * ```ts
 * import { recipeInfo } from "@ovsw/cli";
 * console.log(recipeInfo("imagenet-resnet18-ovsw").values.lr); // 0.1
 * ```
 */
export function recipeInfo(name: string): Recipe {
  const r = RECIPES.find((x) => x.name === name);
  if (!r) {
    throw new UsageError(`--recipe: unknown recipe ${name}; choose ${RECIPE_NAMES.join("|")}`);
  }
  return r;
}

/**
 * Fills every value of `args` that came from the defaults with `--recipe`'s (for the given
 * `--step` of a two-step row) and returns `args`. A two-step recipe without `--step`, or
 * `--step 2` without `--init-from`, is a {@link UsageError}; so is a distillation recipe
 * without `--teacher`.
 *
 * @example
 * ```ts
 * import { applyRecipe, parseCli, TRAIN_TASK } from "@ovsw/cli";
 * const args = applyRecipe(await parseCli(TRAIN_TASK,
 *   ["--recipe", "imagenet-resnet18-ovsw", "--data-dir", "/data/imagenet", "--epochs", "90"]));
 * console.log(args.values.model, args.values.lr, args.values.epochs); // resnet18 0.1 90
 * ```
 */
export function applyRecipe(args: ParsedArgs): ParsedArgs {
  const name = args.values.recipe as string | null | undefined;
  if (!name) return args;
  const r = recipeInfo(name);
  const step = args.values.step as number | null;
  let values = r.values;
  if (r.steps) {
    if (step !== 1 && step !== 2) {
      throw new UsageError(
        `--recipe ${name} is a two-step row: pass --step 1 (binary activations, real weights), ` +
          `then --step 2 --init-from <the step-1 run directory>`,
      );
    }
    values = { ...values, ...r.steps[step] };
    if (args.values.teacher === null) {
      throw new UsageError(
        `--recipe ${name} trains against a float teacher: pass --teacher <file.safetensors> ` +
          `(torchvision's ${values.teacherArch}, converted as in docs/cli.md)`,
      );
    }
  }
  for (const [key, v] of Object.entries(values)) {
    if (args.source[key] === "default") args.values[key] = v;
  }
  return args;
}

/** The `--help` lines describing the recipes. */
export function recipeHelpLines(): string[] {
  return RECIPES.map((r) =>
    `${r.name}: ${r.row}${r.steps ? ", --step 1|2" : ""}; ${r.wallTime} on one GPU (estimate)`
  );
}
