/**
 * Vega-Lite specifications of the report's figures, built from one or more runs.
 * Each builder returns `null` when the runs hold no data for that figure.
 *
 * @module
 */
import type { RunData } from "@ovsw/train";

/**
 * A Vega-Lite (v5) specification as plain JSON, e.g. from {@link posterSpec}; render it with
 * `renderSvg` or paste it into the Vega editor.
 *
 * @example
 * ```ts
 * import type { FigureSpec } from "@ovsw/report";
 * const spec: FigureSpec = { mark: "point", data: { values: [{ a: 1 }] } };
 * console.log(Object.keys(spec));
 * ```
 */
export type FigureSpec = { [key: string]: unknown };

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";
const ALL = "all weights";
const SILENT = "never flipped (silent)";
const FONT = { font: "DejaVu Sans, Helvetica, Arial, sans-serif" };
const CONFIG = {
  ...FONT,
  view: { stroke: "#ccc" },
  axis: { labelFontSize: 10, titleFontSize: 11 },
  header: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 10, titleFontSize: 11, labelLimit: 260 },
  title: { fontSize: 14, anchor: "start" as const },
};

/**
 * Display names of the runs, made unique (the directory's last part is added on a clash).
 *
 * @example
 * ```ts
 * import { runLabels } from "@ovsw/report";
 * const run = (dir: string) => ({ dir, config: { name: "ovsw", method: "ovsw" }, metrics: [], flips: null });
 * console.log(runLabels([run("runs/a"), run("runs/b")])); // ["ovsw (a)", "ovsw (b)"]
 * ```
 */
export function runLabels(runs: readonly RunData[]): string[] {
  const names = runs.map((r) => r.config.name);
  return names.map((n, i) => {
    if (names.filter((m) => m === n).length === 1) return n;
    const base = runs[i].dir.replace(/\/+$/, "").split("/").at(-1) ?? String(i);
    return `${n} (${base})`;
  });
}

/**
 * A layer's display name: the parameter name without a trailing `.weight`.
 *
 * @example
 * ```ts
 * import { layerLabel } from "@ovsw/report";
 * console.log(layerLabel("layer1.0.conv1.weight")); // "layer1.0.conv1"
 * ```
 */
export function layerLabel(name: string): string {
  return name.replace(/\.weight$/, "");
}

function pct(x: number, digits = 2): string {
  return `${(100 * x).toFixed(digits)}%`;
}

/**
 * The poster's figure: per binary layer, the histogram of the initial weights (all) with the
 * never-flipped ones overlaid, labelled with the silent percentage. Several runs are shown
 * side by side (one column per run, one row per layer).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { FlipCollector } from "@ovsw/metrics";
 * import { posterSpec } from "@ovsw/report";
 * await initGpu();
 * const w = Tensor.from([0.3, -0.1, 0.2, -0.4], [4]);
 * w.tag = "binary";
 * const collector = new FlipCollector({ "conv.weight": w });
 * collector.step();
 * collector.endEpoch();
 * const flips = await collector.report();
 * const run = { dir: "runs/demo", config: { name: "demo", method: "ovsw" }, metrics: [], flips };
 * console.log(posterSpec([run]) !== null); // true
 * ```
 */
export function posterSpec(runs: readonly RunData[]): FigureSpec | null {
  const labels = runLabels(runs);
  const values: Record<string, unknown>[] = [];
  const order: string[] = [];
  runs.forEach((run, r) => {
    run.flips?.layers.forEach((l) => {
      const layer = layerLabel(l.name);
      if (!order.includes(layer)) order.push(layer);
      const h = l.histogram;
      const label = `silent ${pct(l.silentFraction)}`;
      for (let k = 0; k < h.bins; k++) {
        const common = { run: labels[r], layer, x0: h.edges[k], x1: h.edges[k + 1] };
        values.push({ ...common, series: ALL, count: h.all[k] });
        values.push({ ...common, series: SILENT, count: h.silent[k] });
      }
      values.push({ run: labels[r], layer, series: "label", text: label });
    });
  });
  if (values.length === 0) return null;
  const multi = runs.filter((r) => r.flips).length > 1;
  const panel = {
    width: multi ? 220 : 200,
    height: 120,
    layer: [
      {
        transform: [{ filter: "datum.series !== 'label'" }],
        mark: { type: "rect" as const, opacity: 0.8 },
        encoding: {
          x: {
            field: "x0",
            type: "quantitative" as const,
            title: "initial weight",
            axis: { tickCount: 5, format: ".2~f" },
          },
          x2: { field: "x1" },
          y: { field: "count", type: "quantitative" as const, title: "weights", stack: null },
          color: {
            field: "series",
            type: "nominal" as const,
            title: null,
            scale: { domain: [ALL, SILENT], range: ["#4c78a8", "#f58518"] },
            legend: { orient: "top" as const },
          },
          order: { field: "series", sort: "ascending" as const },
        },
      },
      {
        transform: [{ filter: "datum.series === 'label'" }],
        mark: {
          type: "text" as const,
          align: "left" as const,
          baseline: "top" as const,
          dx: 4,
          dy: 4,
          fontSize: 11,
          fontWeight: "bold" as const,
          color: "#c0392b",
        },
        encoding: { text: { field: "text" }, x: { value: 0 }, y: { value: 0 } },
      },
    ],
  };
  const facet = multi
    ? {
      row: {
        field: "layer",
        sort: order,
        title: null,
        header: { labelAngle: 0, labelAlign: "left" as const, labelLimit: 200 },
      },
      column: { field: "run", sort: labels, title: null },
    }
    : { field: "layer", sort: order, title: null, columns: 4 };
  return {
    $schema: SCHEMA,
    title: {
      text: "Initial weights of each binary layer: all vs never flipped",
      subtitle: "orange area / blue area = silent fraction (sign never changed in training)",
    },
    data: { values },
    facet,
    spec: panel,
    resolve: { scale: { x: "independent", y: "independent" } },
    config: CONFIG,
  } as FigureSpec;
}

/**
 * Silent percentage per binary layer (and overall), one bar per run: the comparison of
 * vanilla vs AGS vs OvSW at a glance.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { FlipCollector } from "@ovsw/metrics";
 * import { silentBarsSpec } from "@ovsw/report";
 * await initGpu();
 * const w = Tensor.from([0.3, -0.1, 0.2, -0.4], [4]);
 * w.tag = "binary";
 * const collector = new FlipCollector({ "conv.weight": w });
 * collector.step();
 * collector.endEpoch();
 * const flips = await collector.report();
 * const run = { dir: "runs/demo", config: { name: "demo", method: "ovsw" }, metrics: [], flips };
 * console.log(silentBarsSpec([run]) !== null); // true
 * ```
 */
export function silentBarsSpec(runs: readonly RunData[]): FigureSpec | null {
  const labels = runLabels(runs);
  const values: Record<string, unknown>[] = [];
  const order: string[] = [];
  runs.forEach((run, r) => {
    if (!run.flips) return;
    for (const l of run.flips.layers) {
      const layer = layerLabel(l.name);
      if (!order.includes(layer)) order.push(layer);
      values.push({ run: labels[r], layer, silent: 100 * l.silentFraction });
    }
    values.push({
      run: labels[r],
      layer: "overall",
      silent: 100 * run.flips.overall.silentFraction,
    });
  });
  if (values.length === 0) return null;
  order.push("overall");
  return {
    $schema: SCHEMA,
    title: "Silent weights per binary layer",
    data: { values },
    width: Math.max(300, order.length * (18 + 10 * runs.length)),
    height: 220,
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: {
        field: "layer",
        type: "nominal",
        sort: order,
        title: "layer",
        axis: { labelAngle: -35, labelLimit: 240 },
      },
      xOffset: { field: "run", sort: labels },
      y: { field: "silent", type: "quantitative", title: "silent weights (%)" },
      color: { field: "run", type: "nominal", sort: labels, title: "run" },
    },
    config: CONFIG,
  } as FigureSpec;
}

/**
 * Flip ratio per epoch per layer, in both definitions (flip events / weights, and the share
 * of weights whose sign at the epoch's end differs from its start); one row per run.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { FlipCollector } from "@ovsw/metrics";
 * import { flipRatioSpec } from "@ovsw/report";
 * await initGpu();
 * const w = Tensor.from([0.3, -0.1, 0.2, -0.4], [4]);
 * w.tag = "binary";
 * const collector = new FlipCollector({ "conv.weight": w });
 * collector.step();
 * collector.endEpoch();
 * const flips = await collector.report();
 * const run = { dir: "runs/demo", config: { name: "demo", method: "ovsw" }, metrics: [], flips };
 * console.log(flipRatioSpec([run]) !== null); // true
 * ```
 */
export function flipRatioSpec(runs: readonly RunData[]): FigureSpec | null {
  const labels = runLabels(runs);
  const values: Record<string, unknown>[] = [];
  const order: string[] = [];
  const defs = ["flip events / weights", "sign changed over the epoch"];
  runs.forEach((run, r) => {
    run.flips?.layers.forEach((l) => {
      const layer = layerLabel(l.name);
      if (!order.includes(layer)) order.push(layer);
      for (const e of l.epochs) {
        const common = { run: labels[r], layer, epoch: e.epoch };
        values.push({ ...common, definition: defs[0], ratio: 100 * e.flipRatio });
        values.push({ ...common, definition: defs[1], ratio: 100 * e.signChangeRatio });
      }
    });
  });
  if (values.length === 0) return null;
  const multi = new Set(values.map((v) => v.run)).size > 1;
  return {
    $schema: SCHEMA,
    title: "Flip ratio per epoch and binary layer",
    data: { values },
    facet: {
      column: { field: "definition", sort: defs, title: null },
      ...(multi ? { row: { field: "run", sort: labels, title: null } } : {}),
    },
    spec: {
      width: 300,
      height: 180,
      mark: { type: "line", point: { size: 18 }, strokeWidth: 1.5 },
      encoding: {
        x: { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1 } },
        y: { field: "ratio", type: "quantitative", title: "flip ratio (%)" },
        color: {
          field: "layer",
          type: "nominal",
          sort: order,
          title: "layer",
          scale: { scheme: order.length > 10 ? "category20" : "tableau10" },
        },
      },
    },
    resolve: { scale: { y: "independent" } },
    config: CONFIG,
  } as FigureSpec;
}

function epochSeries(
  runs: readonly RunData[],
  field: "top1" | "loss",
): Record<string, unknown>[] {
  const labels = runLabels(runs);
  const values: Record<string, unknown>[] = [];
  runs.forEach((run, r) => {
    for (const row of run.metrics) {
      if (row.kind !== "train" && row.kind !== "test") continue;
      const v = row[field];
      if (typeof v !== "number" || !Number.isFinite(v)) continue;
      values.push({
        run: labels[r],
        split: row.kind,
        epoch: row.epoch,
        value: field === "top1" ? 100 * v : v,
      });
    }
  });
  return values;
}

function curveSpec(
  runs: readonly RunData[],
  field: "top1" | "loss",
  title: string,
  yTitle: string,
): FigureSpec | null {
  const values = epochSeries(runs, field);
  if (values.length === 0) return null;
  const labels = runLabels(runs);
  const multi = new Set(values.map((v) => v.run)).size > 1;
  const encoding = multi
    ? {
      color: {
        field: "run",
        type: "nominal",
        sort: labels,
        title: "run",
        legend: { symbolType: "stroke", symbolStrokeWidth: 3 },
      },
      strokeDash: {
        field: "split",
        type: "nominal",
        sort: ["train", "test"],
        title: "split",
        scale: { domain: ["train", "test"], range: [[1, 0], [5, 3]] },
        legend: {
          symbolType: "stroke",
          symbolStrokeWidth: 2,
          encode: { symbols: { update: { stroke: { value: "#444" } } } },
        },
      },
      detail: { field: "split" },
    }
    : {
      color: {
        field: "split",
        type: "nominal",
        title: "split",
        scale: { domain: ["train", "test"], range: ["#4c78a8", "#e45756"] },
      },
    };
  return {
    $schema: SCHEMA,
    title,
    data: { values },
    width: 420,
    height: 240,
    mark: { type: "line", point: { size: 18 } },
    encoding: {
      x: { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1 } },
      y: {
        field: "value",
        type: "quantitative",
        title: yTitle,
        scale: { zero: false },
      },
      ...encoding,
    },
    config: CONFIG,
  } as FigureSpec;
}

/**
 * Train/test top-1 accuracy per epoch (one colour per run when several are given).
 *
 * @example
 * ```ts
 * import { accuracySpec } from "@ovsw/report";
 * const row = { step: 1, samples: 8, top5: null, lr: 0.1, imagesPerSec: null, timeSec: 1 };
 * const metrics = [
 *   { ...row, kind: "train", epoch: 1, loss: 1.2, top1: 0.55 },
 *   { ...row, kind: "test", epoch: 1, loss: 1.0, top1: 0.61 },
 * ];
 * const run = { dir: "runs/demo", config: { name: "demo", method: "ovsw" }, metrics, flips: null };
 * console.log(accuracySpec([run]) !== null); // true
 * ```
 */
export function accuracySpec(runs: readonly RunData[]): FigureSpec | null {
  return curveSpec(runs, "top1", "Top-1 accuracy per epoch", "top-1 accuracy (%)");
}

/**
 * Train/test loss per epoch (one colour per run when several are given).
 *
 * @example
 * ```ts
 * import { lossSpec } from "@ovsw/report";
 * const row = { step: 1, samples: 8, top5: null, lr: 0.1, imagesPerSec: null, timeSec: 1 };
 * const metrics = [
 *   { ...row, kind: "train", epoch: 1, loss: 1.2, top1: 0.55 },
 *   { ...row, kind: "test", epoch: 1, loss: 1.0, top1: 0.61 },
 * ];
 * const run = { dir: "runs/demo", config: { name: "demo", method: "ovsw" }, metrics, flips: null };
 * console.log(lossSpec([run]) !== null); // true
 * ```
 */
export function lossSpec(runs: readonly RunData[]): FigureSpec | null {
  return curveSpec(runs, "loss", "Loss per epoch", "loss (cross-entropy)");
}

/**
 * Formats γ compactly: 1e-3, 0.5, 1, 10, 1e3.
 *
 * @example
 * ```ts
 * import { formatGamma } from "@ovsw/report";
 * console.log(formatGamma(1e-3), formatGamma(0.5), formatGamma(2.5e4)); // 1e-3 0.5 2.5e4
 * ```
 */
export function formatGamma(g: number): string {
  if (g >= 0.01 && g < 1000) return String(Number(g.toPrecision(3)));
  const [m, e] = g.toExponential().split("e");
  const mant = Number(Number(m).toPrecision(3));
  return `${mant === 1 ? "" : `${mant}·`}1e${Number(e)}`.replace("·1e", "e");
}

/**
 * The gamma experiment: test top-1 and train loss against epoch, one line per γ (runs whose
 * config has a numeric `gamma`), one column per method when several methods are present.
 * Needs at least two distinct γ.
 *
 * @example
 * ```ts
 * import { gammaSpec } from "@ovsw/report";
 * const row = { kind: "train", epoch: 1, step: 1, samples: 8, top5: null, lr: 0.1, imagesPerSec: null, timeSec: 1 };
 * const run = (gamma: number, top1: number) => ({
 *   dir: `runs/g${gamma}`,
 *   config: { name: `g${gamma}`, method: "ovsw", gamma },
 *   metrics: [{ ...row, loss: 1 / top1, top1 }],
 *   flips: null,
 * });
 * console.log(gammaSpec([run(1e-2, 0.4)])); // null: one γ is no experiment
 * console.log(gammaSpec([run(1e-2, 0.4), run(1, 0.6)]) !== null); // true
 * ```
 */
export function gammaSpec(runs: readonly RunData[]): FigureSpec | null {
  const withGamma = runs.filter((r) => typeof r.config.gamma === "number");
  const gammas = [...new Set(withGamma.map((r) => r.config.gamma as number))].sort((a, b) => a - b);
  if (gammas.length < 2) return null;
  const values: Record<string, unknown>[] = [];
  const hasTest = withGamma.some((r) => r.metrics.some((m) => m.kind === "test"));
  const accName = hasTest ? "test top-1 (%)" : "train top-1 (%)";
  const lossName = "train loss";
  const labels = runLabels(runs);
  for (const run of withGamma) {
    const g = run.config.gamma as number;
    const label = `γ = ${formatGamma(g)}`;
    const name = labels[runs.indexOf(run)];
    for (const row of run.metrics) {
      const base = { run: name, gamma: g, label, method: run.config.method, epoch: row.epoch };
      if (row.kind === (hasTest ? "test" : "train") && typeof row.top1 === "number") {
        values.push({ ...base, metric: accName, value: 100 * row.top1 });
      }
      if (row.kind === "train" && typeof row.loss === "number" && Number.isFinite(row.loss)) {
        values.push({ ...base, metric: lossName, value: row.loss });
      }
    }
  }
  if (values.length === 0) return null;
  const labelOrder = gammas.map((g) => `γ = ${formatGamma(g)}`);
  const methods = [...new Set(withGamma.map((r) => r.config.method))];
  return {
    $schema: SCHEMA,
    title: {
      text: "Gamma experiment: latent weights initialised as γ × Kaiming",
      subtitle: "one line per γ",
    },
    data: { values },
    facet: {
      row: { field: "metric", sort: [accName, lossName], title: null },
      ...(methods.length > 1 ? { column: { field: "method", sort: methods, title: null } } : {}),
    },
    spec: {
      width: 360,
      height: 200,
      mark: { type: "line", point: { size: 14 } },
      encoding: {
        x: { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1 } },
        y: { field: "value", type: "quantitative", title: null, scale: { zero: false } },
        color: {
          field: "label",
          type: "ordinal",
          sort: labelOrder,
          title: "init scale",
          scale: { scheme: "viridis" },
        },
        detail: { field: "run" },
      },
    },
    resolve: { scale: { y: "independent" } },
    config: CONFIG,
  } as FigureSpec;
}
