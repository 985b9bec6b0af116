/**
 * `deno task eval --run <dir>`: test accuracy of a run's checkpoint (see `--help`).
 *
 * @module
 */
import { initGpu } from "@ovsw/gpu";
import { DataLoader } from "@ovsw/data";
import { helpText, parseCli } from "./args.ts";
import {
  checkpointDir,
  type CheckpointKind,
  evaluate,
  loadCheckpoint,
  loadModelWeights,
  trimDir,
} from "@ovsw/train";
import { describeData, loadRunData } from "./data_setup.ts";
import { UsageError } from "./errors.ts";
import { type CliIo, processIo, runMain } from "./main.ts";
import { buildModel } from "./model_setup.ts";
import { readTrainRunConfig } from "./_run_config.ts";
import { formatTable, pct } from "./_table.ts";
import { EVAL_TASK } from "./tasks.ts";

/** What `eval` reports (printed as one JSON object with `--json`). */
export interface EvalResult {
  /** Run directory. */
  run_dir: string;
  /** Which checkpoint. */
  checkpoint: CheckpointKind;
  /** Epochs the checkpoint had trained. */
  epoch: number;
  /** Optimizer steps the checkpoint had taken. */
  step: number;
  /** Images evaluated. */
  test_images: number;
  /** Mean test loss. */
  test_loss: number | null;
  /** Test top-1 (fraction). */
  test_top1: number | null;
  /** Test top-5 (fraction), with ≥ 5 classes. */
  test_top5: number | null;
}

/**
 * The `eval` task: loads `<run>/checkpoint-<best|latest>`, evaluates it on the run's test data
 * (data flags override the run's), prints the result.
 *
 * @example
 * ```ts
 * import { evalMain } from "./eval.ts";
 * import { processIo } from "./main.ts";
 * console.log(await evalMain(["--help"], processIo())); // 0
 * ```
 */
export async function evalMain(argv: string[], io: CliIo = processIo()): Promise<number> {
  const args = await parseCli(EVAL_TASK, argv);
  if (args.help) {
    io.out(helpText(EVAL_TASK));
    return 0;
  }
  const run = args.values.run as string | null;
  const runDir = run === null ? null : trimDir(run);
  if (!runDir) throw new UsageError("eval needs --run <run-dir> (see --help)");
  const kind = args.values.checkpoint as CheckpointKind;
  const cfg = (await readTrainRunConfig(runDir)).config;
  const pick = <K extends keyof typeof cfg>(key: K) =>
    (args.source[key] === "default" ? cfg[key] : args.values[key]) as (typeof cfg)[K];
  const data = await loadRunData({
    dataset: pick("dataset"),
    dataDir: pick("dataDir"),
    download: pick("download"),
    trainLimit: 1,
    testLimit: pick("testLimit"),
  });
  const ckpt = await loadCheckpoint(runDir, kind);
  await initGpu();
  const model = buildModel(cfg, data.test);
  try {
    loadModelWeights(model, ckpt.weights, `${checkpointDir(runDir, kind)}/weights.safetensors`);
    const loader = new DataLoader(data.test, {
      ...data.testOptions,
      batchSize: pick("batchSize"),
      seed: cfg.seed,
    });
    const row = await evaluate(model, loader, { epoch: ckpt.state.epoch, step: ckpt.state.step });
    const result: EvalResult = {
      run_dir: runDir,
      checkpoint: kind,
      epoch: ckpt.state.epoch,
      step: ckpt.state.step,
      test_images: data.test.count,
      test_loss: row.loss,
      test_top1: row.top1,
      test_top5: row.top5,
    };
    io.out(
      args.values.json ? JSON.stringify(result) + "\n" : formatTable([
        ["run", runDir],
        ["checkpoint", `${kind} (epoch ${result.epoch}, step ${result.step})`],
        ["data", describeData(data).replace(/: 1 train \/ /, ": ")],
        ["test loss", result.test_loss?.toFixed(4) ?? "–"],
        ["test top-1", pct(result.test_top1)],
        ["test top-5", pct(result.test_top5)],
      ], true) + "\n",
    );
    return 0;
  } finally {
    model.dispose();
  }
}

if (import.meta.main) await runMain((io) => evalMain(Deno.args, io));
