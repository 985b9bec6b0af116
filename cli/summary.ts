/**
 * `deno task summary --model <name> [--json] [--classes N] [--batch N]`: prints a Larq-style
 * summary of one of the paper's models (parameters by bit width, MACs, memory).
 *
 * Exit codes: 0 on success, 2 for a bad flag or an unknown model (one line on stderr).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { initGpu } from "@ovsw/gpu";
import { type ModelSummary, summary } from "@ovsw/layers";
import { createModel, modelInfo, modelNames } from "@ovsw/models";

const HELP = `usage: deno task summary --model <name> [--json] [--classes N] [--batch N]

Prints a Larq-style summary of a model: per layer its output shape, 1-bit and 32-bit
parameters, binary and float MACs; totals, memory while training and deployed, and the
compression ratio.

  --model NAME   one of ${modelNames().join(", ")}
                 (the authors' names, e.g. cResNet20_1w1a, are accepted)
  --classes N    output classes (default: 10 for CIFAR/Fashion-MNIST models, 1000 for ImageNet)
  --batch N      batch size the MACs are counted for (default 1)
  --json         print one JSON object instead of the table
  --help         this text`;

/** The JSON printed by `--json` (snake_case keys). */
export interface SummaryJson {
  /** Model name (command-line spelling). */
  model: string;
  /** Output classes. */
  classes: number;
  /** Input shape including the batch. */
  input_shape: number[];
  /** Output shape. */
  output_shape: number[];
  /** All parameters. */
  params: number;
  /** 1-bit parameters (binary latent weights). */
  binary_params: number;
  /** 32-bit parameters. */
  float_params: number;
  /** BN running-statistics elements. */
  buffer_elements: number;
  /** Binary MACs for the input shape. */
  binary_macs: number;
  /** Float MACs. */
  float_macs: number;
  /** Training memory (bytes). */
  training_bytes: number;
  /** Deployed memory (bytes). */
  deployed_bytes: number;
  /** All-f32 size / deployed size. */
  compression_ratio: number;
  /** Per layer. */
  layers: {
    name: string;
    type: string;
    output_shape: number[];
    binary_params: number;
    float_params: number;
    binary_macs: number;
    float_macs: number;
  }[];
}

/**
 * Converts a {@link ModelSummary} to the `--json` object.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { summary } from "@ovsw/layers";
 * import { createModel } from "@ovsw/models";
 * import { summaryJson } from "./summary.ts";
 * await initGpu();
 * const s = summary(createModel("cresnet20"), [1, 3, 32, 32]);
 * console.log(summaryJson("cresnet20", 10, s).params); // 269850
 * ```
 */
export function summaryJson(model: string, classes: number, s: ModelSummary): SummaryJson {
  return {
    model,
    classes,
    input_shape: s.inputShape,
    output_shape: s.outputShape,
    params: s.params,
    binary_params: s.binaryParams,
    float_params: s.floatParams,
    buffer_elements: s.bufferElements,
    binary_macs: s.binaryMacs,
    float_macs: s.floatMacs,
    training_bytes: s.trainingBytes,
    deployed_bytes: s.deployedBytes,
    compression_ratio: Number(s.compressionRatio.toFixed(4)),
    layers: s.layers.map((r) => ({
      name: r.name,
      type: r.type,
      output_shape: r.outputShape,
      binary_params: r.binaryParams,
      float_params: r.floatParams,
      binary_macs: r.binaryMacs,
      float_macs: r.floatMacs,
    })),
  };
}

class Usage extends Error {}

function positiveInt(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isInteger(n) || n < 1) {
    throw new Usage(`${flag} must be a positive integer, got '${v}'`);
  }
  return n;
}

/**
 * Runs the command with `args`; returns the exit code (prints the summary or one error line).
 *
 * @example
 * ```ts
 * import { main } from "./summary.ts";
 * const code = await main(["--model", "vgg-small-28", "--json"]);
 * console.log(code); // 0
 * ```
 */
export async function main(args: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        model: { type: "string" },
        classes: { type: "string" },
        batch: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    console.error(`error: ${(e as Error).message.split("\n")[0]} (see --help)`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  try {
    if (!values.model) throw new Usage(`--model is required; one of ${modelNames().join(", ")}`);
    let info;
    try {
      info = modelInfo(values.model);
    } catch (e) {
      throw new Usage(`--model: ${(e as Error).message}`);
    }
    const classes = positiveInt("--classes", values.classes, info.classes);
    const batch = positiveInt("--batch", values.batch, 1);
    await initGpu();
    const net = createModel(info.name, { classes });
    const s = summary(net, [batch, ...info.inputShape]);
    net.dispose();
    if (values.json) console.log(JSON.stringify(summaryJson(info.name, classes, s), null, 2));
    else console.log(s.text);
    return 0;
  } catch (e) {
    const msg = (e as Error).message.split("\n").map((l) => l.trim()).join(" ");
    console.error(`error: ${msg}`);
    return e instanceof Usage ? 2 : 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
