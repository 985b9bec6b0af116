/**
 * `deno task export --run <dir> [--checkpoint best|latest] --out model.ovsw`: writes a run's
 * checkpoint as a bit-packed `.ovsw` export for `@ovsw/infer` (format: docs/deploy.md).
 *
 * @module
 */
import { initGpu } from "@ovsw/gpu";
import { encodeExport } from "@ovsw/infer";
import {
  checkpointDir,
  type CheckpointKind,
  loadCheckpoint,
  loadModelWeights,
  readRunConfig,
  RunDirError,
} from "@ovsw/train";
import { parseCli, type ParsedArgs, type TaskSpec } from "./args.ts";
import { helpText } from "./args.ts";
import { loadRunData } from "./data_setup.ts";
import { UsageError } from "./errors.ts";
import type { FlagSpec } from "./flag_spec.ts";
import { EVAL_TASK } from "./tasks.ts";
import { buildExport } from "./export_graph.ts";

export { buildExport, type ExportGraph, type ExportInfo } from "./export_graph.ts";
export {
  type BinaryConvPlan,
  binaryConvPlan,
  type InputStep,
  type PackedConv,
  packScaledWeights,
} from "./export_binary.ts";
import { type CliIo, processIo, runMain } from "./main.ts";
import { buildModel } from "./model_setup.ts";

/** A flag of `deno task eval` (export takes the same `--run` and `--checkpoint`). */
function evalFlag(name: string): FlagSpec {
  return EVAL_TASK.flags.find((f) => f.name === name)!;
}

/** `deno task export`. */
export const EXPORT_TASK: TaskSpec = {
  name: "export",
  summary: "Exports a run's checkpoint for deployment: binary weights bit-packed by sign, " +
    "α and BatchNorm folded into per-channel scale/shift, float stem and classifier in f32, " +
    "one .ovsw file that @ovsw/infer runs in Deno or a browser (format: docs/deploy.md).",
  flags: [
    { ...evalFlag("run"), help: "run directory to export (required)" },
    evalFlag("checkpoint"),
    {
      name: "out",
      key: "out",
      kind: "string",
      default: null,
      nullable: true,
      placeholder: "<file.ovsw>",
      help: "output file (none: <run-dir>/model.ovsw)",
    },
    {
      name: "f16",
      key: "f16",
      kind: "bool",
      default: false,
      help: "store the classifier weights as f16 (smaller; f32 is exact)",
    },
    {
      name: "json",
      key: "json",
      kind: "bool",
      default: false,
      help: "print the result as one JSON object on stdout",
    },
  ],
  examples: ["deno task export --run runs/my-run --checkpoint best --out model.ovsw"],
};

/** What `export` reports. */
export interface ExportResult {
  /** Output file. */
  out: string;
  /** Bytes written. */
  bytes: number;
  /** Model name. */
  model: string;
  /** Ops in the export. */
  ops: number;
  /** Binary convs (of which with a non-zero plane, i.e. exact-zero weights). */
  binaryConvs: number;
  /** Binary convs that needed a non-zero plane. */
  zeroPlanes: number;
}

/**
 * The `export` task.
 *
 * @example
 * ```ts
 * import { exportMain } from "@ovsw/cli/export";
 * import { processIo } from "@ovsw/cli";
 * console.log(await exportMain(["--help"], processIo())); // 0
 * ```
 */
export async function exportMain(argv: string[], io: CliIo = processIo()): Promise<number> {
  const args: ParsedArgs = await parseCli(EXPORT_TASK, argv);
  if (args.help) {
    io.out(helpText(EXPORT_TASK));
    return 0;
  }
  const runDir = (args.values.run as string | null)?.replace(/\/+$/, "");
  if (!runDir) throw new UsageError("export needs --run <run-dir> (see --help)");
  const kind = args.values.checkpoint as CheckpointKind;
  const out = (args.values.out as string | null) ?? `${runDir}/model.ovsw`;
  let cfg;
  try {
    cfg = (await readRunConfig(runDir)).config;
  } catch (e) {
    if (e instanceof RunDirError) throw new UsageError(e.message);
    throw e;
  }
  const data = await loadRunData({
    dataset: cfg.dataset,
    dataDir: cfg.dataDir,
    download: false,
    trainLimit: 1,
    testLimit: 1,
  });
  const ckpt = await loadCheckpoint(runDir, kind).catch((e) => {
    throw new UsageError((e as Error).message);
  });
  await initGpu();
  const model = buildModel(cfg, data.test);
  try {
    loadModelWeights(model, ckpt.weights, `${checkpointDir(runDir, kind)}/weights.safetensors`);
    model.eval();
    const graph = await buildExport(model, {
      model: cfg.model,
      inputShape: [data.test.channels, data.test.height, data.test.width],
      normalization: {
        mean: [...data.spec.normalization.mean],
        std: [...data.spec.normalization.std],
      },
      classes: data.spec.classes.slice(0, data.test.numClasses),
      float16: args.values.f16 as boolean,
      metadata: {
        run: runDir,
        checkpoint: kind,
        epoch: ckpt.state.epoch,
        step: ckpt.state.step,
        best: ckpt.state.best,
        dataset: data.name,
      },
    });
    const bytes = encodeExport(graph.draft, graph.blobs);
    try {
      await Deno.writeFile(out, bytes);
    } catch (e) {
      throw new UsageError(`--out ${out}: cannot write (${(e as Error).message})`);
    }
    const convs = graph.draft.ops.filter((op) => op.op === "binary_conv2d");
    const result: ExportResult = {
      out,
      bytes: bytes.length,
      model: cfg.model,
      ops: graph.draft.ops.length,
      binaryConvs: convs.length,
      zeroPlanes: convs.filter((op) => op.nonzero !== undefined).length,
    };
    io.out(
      args.values.json ? JSON.stringify(result) + "\n" : `wrote ${out}: ${result.model}, ` +
        `${result.ops} ops (${result.binaryConvs} binary convs), ` +
        `${(result.bytes / 1024).toFixed(1)} KiB\n`,
    );
    return 0;
  } finally {
    model.dispose();
  }
}

if (import.meta.main) await runMain((io) => exportMain(Deno.args, io));
