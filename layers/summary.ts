/**
 * A Larq-style model summary: per layer its output shape, parameters by bit width, binary and
 * float MACs for an input size, and memory while training and deployed.
 *
 * @module
 */
import { shapeStr } from "@ovsw/gpu";
import { type Module, traceShapes } from "./module.ts";

/** One row of a {@link ModelSummary}. */
export interface LayerRow {
  /** Dotted module name (`layer1.0.conv1`). */
  name: string;
  /** Layer type, e.g. `BinaryConv2d`. */
  type: string;
  /** Output shape for the summarised input. */
  outputShape: number[];
  /** 1-bit (binary latent) weights. */
  binaryParams: number;
  /** 32-bit parameters. */
  floatParams: number;
  /** Binary multiply-accumulates per forward pass (XNOR-popcount at deployment). */
  binaryMacs: number;
  /** Float multiply-accumulates per forward pass. */
  floatMacs: number;
  /** Bytes while training: latent f32 weights, optimizer state and buffers. */
  trainingBytes: number;
  /** Bytes deployed: packed bits for binary weights, f32 for the rest and BN statistics. */
  deployedBytes: number;
}

/** Result of {@link summary}. */
export interface ModelSummary {
  /** Per-layer rows, in forward order (a shared layer appears once per use). */
  layers: LayerRow[];
  /** Input shape summarised. */
  inputShape: number[];
  /** Output shape. */
  outputShape: number[];
  /** All parameters. */
  params: number;
  /** Binary parameters. */
  binaryParams: number;
  /** Float parameters. */
  floatParams: number;
  /** Non-trainable buffer elements (BN running statistics). */
  bufferElements: number;
  /** Binary MACs. */
  binaryMacs: number;
  /** Float MACs. */
  floatMacs: number;
  /** Training memory in bytes. */
  trainingBytes: number;
  /** Deployed memory in bytes. */
  deployedBytes: number;
  /** Size of an all-f32 model divided by the deployed size. */
  compressionRatio: number;
  /** The table as text. */
  text: string;
}

/** Options of {@link summary}. */
export interface SummaryOptions {
  /** f32 optimizer-state slots per parameter while training (default 1: SGD momentum). */
  optimizerSlots?: number;
  /** Extra f32 slots per binary weight (default 2: SAD's tracker and previous weights). */
  binarySlots?: number;
}

function macsOf(m: Module, out: readonly number[]): number {
  const p = m.namedParameters().find(([n]) => n === "weight")?.[1];
  if (!p || p.shape.length < 2) return 0;
  const perOutput = p.size / p.shape[0]; // in·k·k (conv) or in (linear)
  const positions = out.slice(2).reduce((a, b) => a * b, 1); // OH·OW (conv), 1 (linear)
  return (out[0] ?? 1) * p.shape[0] * positions * perOutput;
}

function fmtInt(n: number): string {
  return n.toLocaleString("en-US");
}

function fmtBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(2)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(2)} KiB`;
  return `${n} B`;
}

/**
 * Summarises `model` for an input of shape `inputShape` (batch included, e.g. `[1, 3, 32, 32]`;
 * MACs scale with the batch). Needs no GPU work: shapes are inferred.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { BinaryConv2d, summary } from "@ovsw/layers";
 * await initGpu();
 * const s = summary(new BinaryConv2d(16, 16, 3, { padding: 1 }), [1, 16, 8, 8]);
 * console.log(s.binaryParams, s.binaryMacs); // 2304 147456
 * console.log(s.text);
 * ```
 */
export function summary(
  model: Module,
  inputShape: readonly number[],
  options: SummaryOptions = {},
): ModelSummary {
  const { optimizerSlots = 1, binarySlots = 2 } = options;
  const names = new Map<Module, string>();
  for (const [n, m] of model.namedModules()) names.set(m, n);
  const rows: LayerRow[] = [];
  const outputShape = traceShapes(() => model.outputShape(inputShape), (m, _in, out) => {
    if (m.namedChildren().length > 0) return; // leaves only
    const own = m.namedParameters();
    let binaryParams = 0;
    let floatParams = 0;
    for (const [, t] of own) {
      if (t.tag === "binary") binaryParams += t.size;
      else floatParams += t.size;
    }
    const buffers = m.namedBuffers().filter(([n]) => n !== "num_batches_tracked")
      .reduce((a, [, t]) => a + t.size, 0);
    const macs = macsOf(m, out);
    const binary = own.some(([, t]) => t.tag === "binary");
    const all = binaryParams + floatParams;
    rows.push({
      name: names.get(m) || "(model)",
      type: m.typeName,
      outputShape: [...out],
      binaryParams,
      floatParams,
      binaryMacs: binary ? macs : 0,
      floatMacs: binary ? 0 : macs,
      trainingBytes: 4 * (all * (1 + optimizerSlots) + binaryParams * binarySlots + buffers),
      deployedBytes: Math.ceil(binaryParams / 8) + 4 * (floatParams + buffers),
    });
  });
  // Totals count every parameter once (a shared layer's rows repeat).
  let binaryParams = 0;
  let floatParams = 0;
  for (const [, t] of model.namedParameters()) {
    if (t.tag === "binary") binaryParams += t.size;
    else floatParams += t.size;
  }
  const bufferElements = model.namedBuffers().filter(([n]) => !n.endsWith("num_batches_tracked"))
    .reduce((a, [, t]) => a + t.size, 0);
  const params = binaryParams + floatParams;
  const binaryMacs = rows.reduce((a, r) => a + r.binaryMacs, 0);
  const floatMacs = rows.reduce((a, r) => a + r.floatMacs, 0);
  const trainingBytes = 4 *
    (params * (1 + optimizerSlots) + binaryParams * binarySlots + bufferElements);
  const deployedBytes = Math.ceil(binaryParams / 8) + 4 * (floatParams + bufferElements);
  const compressionRatio = (4 * (params + bufferElements)) / Math.max(1, deployedBytes);
  const result = {
    layers: rows,
    inputShape: [...inputShape],
    outputShape,
    params,
    binaryParams,
    floatParams,
    bufferElements,
    binaryMacs,
    floatMacs,
    trainingBytes,
    deployedBytes,
    compressionRatio,
    text: "",
  };
  result.text = formatSummary(result, model.typeName);
  return result;
}

/**
 * Formats a summary as a fixed-width table with totals.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { formatSummary, Linear, summary } from "@ovsw/layers";
 * await initGpu();
 * console.log(formatSummary(summary(new Linear(4, 2), [1, 4]), "Linear"));
 * ```
 */
export function formatSummary(s: ModelSummary, title: string): string {
  const head = ["Layer", "Type", "Output shape", "1-bit", "32-bit", "Binary MACs", "Float MACs"];
  const body = s.layers.map((r) => [
    r.name,
    r.type,
    shapeStr(r.outputShape),
    r.binaryParams ? fmtInt(r.binaryParams) : "0",
    r.floatParams ? fmtInt(r.floatParams) : "0",
    r.binaryMacs ? fmtInt(r.binaryMacs) : "0",
    r.floatMacs ? fmtInt(r.floatMacs) : "0",
  ]);
  const total = [
    "Total",
    "",
    shapeStr(s.outputShape),
    fmtInt(s.binaryParams),
    fmtInt(s.floatParams),
    fmtInt(s.binaryMacs),
    fmtInt(s.floatMacs),
  ];
  const widths = head.map((h, i) =>
    Math.max(h.length, ...[...body, total].map((r) => r[i].length))
  );
  const line = (r: string[]) =>
    r.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const rule = "-".repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [
    `${title} summary, input ${shapeStr(s.inputShape)}`,
    rule,
    line(head),
    rule,
    ...body.map(line),
    rule,
    line(total),
    rule,
    `Parameters: ${fmtInt(s.params)} (binary ${fmtInt(s.binaryParams)}, float ${
      fmtInt(s.floatParams)
    }); BN statistics: ${fmtInt(s.bufferElements)}`,
    `MACs: binary ${fmtInt(s.binaryMacs)}, float ${fmtInt(s.floatMacs)}`,
    `Memory training (f32 latent weights + optimizer/SAD state + BN stats): ${
      fmtBytes(s.trainingBytes)
    }`,
    `Memory deployed (1-bit packed binary weights, f32 others): ${fmtBytes(s.deployedBytes)}`,
    `Compression ratio vs float32: ${s.compressionRatio.toFixed(2)}×`,
  ].join("\n");
}
