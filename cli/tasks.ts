/**
 * The task specifications (`train`, `eval`, `report`, `compare`, `gamma`) and the resolved,
 * typed training configuration.
 *
 * @module
 */
import type { TaskSpec } from "./args.ts";
import { UsageError } from "./errors.ts";
import type { FlagSpec, FlagValue } from "./flag_spec.ts";
import { METHODS, TRAIN_CONFIG_KEYS, type TrainConfig } from "@ovsw/train";
import { resolveMethodDefaults, type UnresolvedConfig } from "./method_setup.ts";
import {
  COMMON_FLAGS,
  DATA_FLAGS,
  DEFAULT_BUDGET,
  POSTER_GAMMAS,
  SWEEP_BASE_FLAGS,
  TRAIN_FLAGS,
} from "./flags.ts";

export type { TrainConfig };

/** Flags of `train` that steer one session rather than describe the run. */
const NOT_CONFIG = ["resume", "config", "json", "stopAfterSteps", "allowBackendChange"];

/** The keys of the training flags that are configuration keys (checked in tasks_test.ts). */
export const CONFIG_FLAG_KEYS: readonly string[] = TRAIN_FLAGS
  .map((f) => f.key)
  .filter((k) => !NOT_CONFIG.includes(k));

/**
 * Builds the typed training configuration from parsed flag values (ignoring non-config keys),
 * unset recipe flags taken from the method's recipe ({@link resolveMethodDefaults}).
 *
 * @example
 * ```ts
 * import { parseCli, toTrainConfig, TRAIN_TASK } from "@ovsw/cli";
 * const cfg = toTrainConfig((await parseCli(TRAIN_TASK, [])).values);
 * console.log(cfg.model, cfg.method); // vgg-small-28 ovsw
 * ```
 */
export function toTrainConfig(values: Record<string, FlagValue>): TrainConfig {
  const out: Record<string, FlagValue> = {};
  for (const k of TRAIN_CONFIG_KEYS) out[k] = values[k] ?? null;
  if (out.method === null) out.method = "ovsw";
  if (out.weights === null) out.weights = out.step === 1 ? "real" : "binary";
  if (out.step === 2 && out.initFrom === null) {
    throw new UsageError(
      "--step 2 binarises the weights of step 1: pass --init-from <the step-1 run directory>",
    );
  }
  if (out.step === 2 && out.weights === "real") {
    throw new UsageError("--step 2 trains binary weights; drop --weights real");
  }
  return resolveMethodDefaults(out as unknown as UnresolvedConfig);
}

const TRAIN_EXAMPLES = [
  "deno task train                                   # vgg-small-28 + OvSW, embedded subset",
  "deno task train --method vanilla --epochs 5 --json",
  "deno task train --data-dir /usr/share/datasets/fashion-mnist --train-limit 10000",
  "deno task train --resume runs/vgg-small-28-ovsw-seed0-20260101-120000",
  "deno task train --recipe imagenet-resnet18-ovsw --data-dir /data/imagenet",
  "deno task train --recipe imagenet-resnet18-ovsw-star --step 1 --teacher r34.safetensors " +
  "--data-dir /data/imagenet --name star-step1",
  "deno task train --recipe imagenet-resnet18-ovsw-star --step 2 --init-from runs/star-step1 " +
  "--teacher r34.safetensors --data-dir /data/imagenet",
];

/** `deno task train`. */
export const TRAIN_TASK: TaskSpec = {
  name: "train",
  summary: "Trains one binary network and writes a run directory (config.json, metrics.jsonl, " +
    "metrics.csv, flips.json, summary.json, checkpoint-latest/ and checkpoint-best/, " +
    "report/index.html with SVG figures). With no flags it trains vgg-small-28 " +
    `with OvSW on the embedded Fashion-MNIST subset (${DEFAULT_BUDGET.epochs} epochs of its ` +
    `6,000 training images, batch ${DEFAULT_BUDGET.batchSize}, tested on its 1,000), about ten ` +
    "minutes on 2 CPU cores with the software WebGPU adapter. Ctrl-C saves a checkpoint; " +
    "--resume continues it exactly.",
  flags: TRAIN_FLAGS,
  examples: TRAIN_EXAMPLES,
};

const EVAL_ONLY: FlagSpec[] = [
  {
    name: "run",
    key: "run",
    kind: "string",
    default: null,
    nullable: true,
    placeholder: "<run-dir>",
    help: "run directory to evaluate (required)",
  },
  {
    name: "checkpoint",
    key: "checkpoint",
    kind: "choice",
    choices: ["best", "latest"],
    default: "best",
    placeholder: "<best|latest>",
    help: "which checkpoint of the run",
  },
];

/** `deno task eval`. */
export const EVAL_TASK: TaskSpec = {
  name: "eval",
  summary: "Evaluates a run's checkpoint on the test set (top-1 and top-5). Data flags default " +
    "to the run's own configuration.",
  flags: [
    ...EVAL_ONLY,
    ...DATA_FLAGS.filter((f) => f.name !== "train-limit"),
    ...COMMON_FLAGS,
  ],
  examples: ["deno task eval --run runs/my-run --checkpoint latest --json"],
};

/** `deno task report`. */
export const REPORT_TASK: TaskSpec = {
  name: "report",
  summary: "Renders the figures and the HTML report of one run (into its directory) or a " +
    "side-by-side comparison of several runs (into --out).",
  flags: [
    {
      name: "out",
      key: "out",
      kind: "string",
      default: null,
      nullable: true,
      placeholder: "<dir>",
      help: "output directory for a multi-run report (default: runs/report-<time>)",
    },
    ...COMMON_FLAGS,
  ],
  positionals: { name: "run-dir", min: 1, help: "run directories written by train" },
  examples: ["deno task report runs/a runs/b runs/c --out runs/compare-report"],
};

/** A sweep task's `--name` flag: the directory under `--out` holding the runs and `what`. */
function sweepNameFlag(what: string): FlagSpec {
  return {
    name: "name",
    key: "name",
    kind: "string",
    default: null,
    nullable: true,
    placeholder: "<name>",
    help: `directory name under --out holding the runs and the ${what}`,
  };
}

/** `deno task compare`. */
export const COMPARE_TASK: TaskSpec = {
  name: "compare",
  summary: "Trains any BNN methods (default: vanilla, AGS and OvSW) on the same data, seed and " +
    "budget, each with its recipe unless a flag sets it for all, prints the table (test top-1, " +
    "silent fraction overall and per binary layer, flips per weight, images/s) and writes the " +
    "side-by-side poster figure.",
  flags: [
    {
      name: "methods",
      key: "methods",
      kind: "choices",
      choices: METHODS,
      default: ["vanilla", "ags", "ovsw"],
      placeholder: "<list>",
      help: "comma-separated methods to train (docs/methods.md); --optimizer-pieces applies " +
        "to every one",
    },
    sweepNameFlag("comparison"),
    ...SWEEP_BASE_FLAGS,
  ],
  // Three runs: a third of the embedded training set keeps the default to about ten minutes.
  defaults: { trainLimit: 2048 },
  examples: [
    "deno task compare --data-dir /usr/share/datasets/fashion-mnist --train-limit 10000 " +
    "--test-limit 2000 --epochs 2 --batch-size 128 --warmup 1",
    "deno task compare --methods irnet,recu,reactnet --optimizer-pieces ags,sad --epochs 2",
  ],
};

/** `deno task gamma`. */
export const GAMMA_TASK: TaskSpec = {
  name: "gamma",
  summary: "The poster's convergence experiment: Kaiming normal and uniform initialisation " +
    "scaled by each γ, trained vanilla and with AGS; one accuracy-vs-epoch figure each.",
  flags: [
    {
      name: "gammas",
      key: "gammas",
      kind: "numbers",
      default: [...POSTER_GAMMAS],
      min: 0,
      minExclusive: true,
      placeholder: "<list>",
      help: "comma-separated γ values",
    },
    {
      name: "inits",
      key: "inits",
      kind: "choices",
      choices: ["kaiming-normal", "kaiming-uniform"],
      default: ["kaiming-normal", "kaiming-uniform"],
      placeholder: "<list>",
      help: "comma-separated initialisers",
    },
    {
      name: "methods",
      key: "methods",
      kind: "choices",
      choices: METHODS,
      default: ["vanilla", "ags"],
      placeholder: "<list>",
      help: "comma-separated methods",
    },
    sweepNameFlag("figures"),
    ...SWEEP_BASE_FLAGS.filter((f) => f.name !== "gamma" && f.name !== "init"),
  ],
  defaults: { trainLimit: 512, testLimit: 500, epochs: 3 },
  examples: ["deno task gamma --gammas 1e-3,1,1e3 --epochs 5"],
};
