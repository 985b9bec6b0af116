/**
 * Reading a run directory.
 *
 * A run directory holds (names in {@link RUN_FILES}):
 *
 * * `config.json` — one JSON object, at least `{ "name": string, "method": string }`.
 *   `method` is `"vanilla"`, `"ags"`, `"sad"`, `"ovsw"` (or another label); optional fields
 *   read by the report: `"gamma": number` (the init scale γ, for the gamma experiment),
 *   `"model"`, `"dataset"`, `"epochs"`, `"seed"`. Any other fields are kept and ignored.
 * * `metrics.jsonl` — one {@link MetricsRow} per line: `kind` `"step"` (a window inside an
 *   epoch), `"train"` (a training epoch) or `"test"` (evaluation after an epoch); `epoch`
 *   1-based; `top1`/`top5` fractions; optimizer diagnostics as extra numeric fields.
 * * `metrics.csv` — the same rows and columns as CSV.
 * * `flips.json` — a {@link FlipReport} (optional; without it the flip figures are skipped).
 *
 * @module
 */
import type { FlipReport } from "./flip_stats.ts";
import type { MetricsRow } from "./metrics_row.ts";
import { readFlips, readMetrics, RUN_FILES } from "./writers.ts";

/** `config.json` of a run (the fields the report reads; others are allowed). */
export interface RunConfig {
  /** Run name, shown in legends. */
  name: string;
  /** Training method label, e.g. `"vanilla"`, `"ags"`, `"ovsw"`. */
  method: string;
  /** Init scale γ of the latent weights (gamma experiment). */
  gamma?: number;
  /** Model name. */
  model?: string;
  /** Dataset name. */
  dataset?: string;
  /** Any other settings. */
  [key: string]: unknown;
}

/** A run directory's contents. */
export interface RunData {
  /** The directory. */
  dir: string;
  /** Its `config.json`. */
  config: RunConfig;
  /** Its `metrics.jsonl` rows (empty when the file is missing). */
  metrics: MetricsRow[];
  /** Its `flips.json`, or null when missing. */
  flips: FlipReport | null;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads `config.json`, `metrics.jsonl` and `flips.json` of a run directory. Throws naming the
 * directory or file at fault.
 *
 * @example
 * ```ts
 * import { readRunDir, writeJsonAtomic } from "@ovsw/metrics";
 * const dir = await Deno.makeTempDir();
 * await writeJsonAtomic(`${dir}/config.json`, { name: "demo", method: "ovsw" });
 * console.log((await readRunDir(dir)).config.method); // "ovsw"
 * ```
 */
export async function readRunDir(dir: string): Promise<RunData> {
  const info = await Deno.stat(dir).catch(() => null);
  if (!info?.isDirectory) throw new Error(`run directory ${dir} does not exist`);
  const configPath = `${dir}/${RUN_FILES.config}`;
  if (!(await exists(configPath))) {
    throw new Error(`run directory ${dir}: ${RUN_FILES.config} not found`);
  }
  let config: RunConfig;
  try {
    config = JSON.parse(await Deno.readTextFile(configPath));
  } catch (e) {
    throw new Error(`${configPath}: not valid JSON (${(e as Error).message})`);
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new Error(`${configPath}: expected a JSON object`);
  }
  for (const key of ["name", "method"] as const) {
    if (typeof config[key] !== "string" || config[key] === "") {
      throw new Error(`${configPath}: "${key}" must be a non-empty string`);
    }
  }
  if (config.gamma !== undefined && !(typeof config.gamma === "number" && config.gamma > 0)) {
    throw new Error(`${configPath}: "gamma" must be a positive number`);
  }
  const metricsPath = `${dir}/${RUN_FILES.metrics}`;
  const metrics = (await exists(metricsPath)) ? await readMetrics(metricsPath) : [];
  const flipsPath = `${dir}/${RUN_FILES.flips}`;
  const flips = (await exists(flipsPath)) ? await readFlips(flipsPath) : null;
  return { dir, config, metrics, flips };
}
