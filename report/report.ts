/**
 * The HTML report: every figure of one or more run directories on one page, plus the SVGs.
 *
 * @module
 */
import { readRunDir, type RunData, writeFileAtomic } from "@ovsw/train";
import {
  accuracySpec,
  type FigureSpec,
  flipRatioSpec,
  formatGamma,
  gammaSpec,
  lossSpec,
  posterSpec,
  runLabels,
  silentBarsSpec,
} from "./figures.ts";
import { renderSvg } from "./render.ts";

/** One rendered figure. */
export interface ReportFigure {
  /** File stem, e.g. `poster`. */
  name: string;
  /** Heading in the report. */
  title: string;
  /** Path of the SVG file. */
  path: string;
}

/** What {@link renderReport} wrote. */
export interface ReportResult {
  /** Path of `index.html`. */
  html: string;
  /** The figures, in page order. */
  figures: ReportFigure[];
  /** The runs read. */
  runs: RunData[];
}

const FIGURES: {
  name: string;
  title: string;
  caption: string;
  build: (runs: RunData[]) => FigureSpec | null;
}[] = [
  {
    name: "poster",
    title: "Silent weights: initial weights, all vs never flipped",
    caption: "Histogram of each binary layer's initial latent weights (blue) with the weights " +
      "whose sign never changed during training overlaid (orange), as in the paper's Fig. 1.",
    build: posterSpec,
  },
  {
    name: "silent",
    title: "Silent weights per layer",
    caption: "Share of each binary layer's weights whose sign never changed.",
    build: silentBarsSpec,
  },
  {
    name: "flip_ratio",
    title: "Flip ratio per epoch",
    caption: "Left: sign-flip events in the epoch divided by the layer's weights. Right: " +
      "share of weights whose sign at the end of the epoch differs from its start.",
    build: flipRatioSpec,
  },
  {
    name: "accuracy",
    title: "Accuracy per epoch",
    caption: "Top-1 accuracy of the training epochs and of the evaluations after them.",
    build: accuracySpec,
  },
  {
    name: "loss",
    title: "Loss per epoch",
    caption: "Mean cross-entropy of the training epochs and of the evaluations.",
    build: lossSpec,
  },
  {
    name: "gamma",
    title: "Gamma experiment",
    caption: "Runs whose latent weights were initialised at γ × the Kaiming scale.",
    build: gammaSpec,
  },
];

function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmtPct(x: number | null | undefined): string {
  return typeof x === "number" && Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : "–";
}

function summaryTable(runs: RunData[]): string {
  const labels = runLabels(runs);
  const rows = runs.map((run, i) => {
    const tests = run.metrics.filter((m) => m.kind === "test" && typeof m.top1 === "number");
    const last = tests.at(-1)?.top1 ?? null;
    const best = tests.length > 0 ? Math.max(...tests.map((m) => m.top1 as number)) : null;
    const epochs = Math.max(0, ...run.metrics.map((m) => m.epoch));
    const cells = [
      labels[i],
      run.config.method,
      run.config.model ?? "–",
      run.config.dataset ?? "–",
      typeof run.config.gamma === "number" ? formatGamma(run.config.gamma) : "–",
      String(epochs),
      fmtPct(last),
      fmtPct(best),
      fmtPct(run.flips?.overall.silentFraction),
    ];
    return `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`;
  });
  const head = [
    "run",
    "method",
    "model",
    "dataset",
    "γ",
    "epochs",
    "final test top-1",
    "best test top-1",
    "silent (all binary)",
  ];
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table>`;
}

/**
 * Reads the run directories, renders every figure their data allows to `outDir/<name>.svg`
 * and writes `outDir/index.html` showing them together with a summary table. Throws naming
 * the run directory or file at fault.
 *
 * @example
 * ```ts
 * import { renderReport } from "@ovsw/report";
 * const run = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${run}/config.json`, JSON.stringify({ name: "demo", method: "ovsw" }));
 * const row = { step: 1, samples: 8, top5: null, lr: 0.1, imagesPerSec: null, timeSec: 1 };
 * await Deno.writeTextFile(
 *   `${run}/metrics.jsonl`,
 *   JSON.stringify({ ...row, kind: "train", epoch: 1, loss: 1.2, top1: 0.55 }) + "\n",
 * );
 * const res = await renderReport([run], `${run}/report`);
 * console.log(res.html, res.figures.map((f) => f.name)); // …/index.html [ "accuracy", "loss" ]
 * ```
 */
export async function renderReport(runDirs: string[], outDir: string): Promise<ReportResult> {
  if (runDirs.length === 0) throw new Error("renderReport: no run directories given");
  const runs: RunData[] = [];
  for (const dir of runDirs) runs.push(await readRunDir(dir));
  await Deno.mkdir(outDir, { recursive: true });
  const figures: ReportFigure[] = [];
  const sections: string[] = [];
  for (const f of FIGURES) {
    const spec = f.build(runs);
    if (!spec) continue;
    let svg: string;
    try {
      svg = await renderSvg(spec);
    } catch (e) {
      throw new Error(`renderReport: figure "${f.name}" failed: ${(e as Error).message}`);
    }
    const path = `${outDir}/${f.name}.svg`;
    await writeFileAtomic(path, svg);
    figures.push({ name: f.name, title: f.title, path });
    sections.push(
      `<section id="${f.name}"><h2>${esc(f.title)}</h2><p>${esc(f.caption)}</p>` +
        `<div class="fig">${svg}</div><p class="file"><a href="${f.name}.svg">${f.name}.svg</a>` +
        `</p></section>`,
    );
  }
  if (sections.length === 0) {
    sections.push(
      "<p>These runs hold no epoch rows in metrics.jsonl and no flips.json yet.</p>",
    );
  }
  const title = runs.length === 1
    ? `ovsw report: ${runs[0].config.name}`
    : `ovsw report: ${runLabels(runs).join(" vs ")}`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { font-family: DejaVu Sans, Helvetica, Arial, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: left; }
th { background: #f4f4f4; }
section { margin: 2.5em 0; }
.fig { overflow-x: auto; }
.file { font-size: 0.85em; color: #666; }
</style></head><body>
<h1>${esc(title)}</h1>
<p>Runs: ${runs.map((r) => `<code>${esc(r.dir)}</code>`).join(", ")}.
Silent weight: a binary layer's latent weight whose sign never changed at any optimizer step
since initialisation (flips detected after every step; sign(0) = 0).</p>
${summaryTable(runs)}
${sections.join("\n")}
</body></html>
`;
  const htmlPath = `${outDir}/index.html`;
  await writeFileAtomic(htmlPath, html);
  return { html: htmlPath, figures, runs };
}
