/**
 * The run directory, the one place that defines its files:
 *
 * | file | content |
 * | --- | --- |
 * | `config.json` | {@link RunConfigFile}: the resolved {@link TrainConfig}, data, adapter and backend |
 * | `metrics.jsonl`, `metrics.csv` | one metrics row per line (`MetricsWriter`) |
 * | `flips.json` | the flip report |
 * | `summary.json` | the final summary; its presence means the run finished |
 * | `checkpoint-latest/`, `checkpoint-best/` | checkpoints, replaced atomically |
 * | `lock` | the process training the run (pid, host) |
 *
 * Every file is written with `writeFileAtomic`. `docs/run-directory.md` describes the whole
 * layout, the lock and the resume checks.
 *
 * @module
 */
import type { AdapterDescription } from "@ovsw/gpu";
import type { FlipReport, MetricsRow } from "@ovsw/metrics";
import meta from "./deno.json" with { type: "json" };
import { exists, makeDir, writeJsonAtomic } from "./atomic.ts";
import { DEFAULT_CHECKPOINT_EVERY, TRAIN_CONFIG_KEYS, type TrainConfig } from "./config.ts";
import { RunDirError } from "./errors.ts";
import { RUN_FILES } from "./run_files.ts";
import { readFlips, readMetrics } from "./metrics_writer.ts";

/** The library version written into every run. */
export const LIBRARY_VERSION: string = meta.version;

/** The WebGPU adapter and backend a run computed on (results differ bit-wise across them). */
export type BackendRecord = AdapterDescription;

/**
 * The content of a run's `config.json`. The top-level `name`, `method`, `model`, `dataset`,
 * `gamma`, `epochs` and `seed` are what the report reads; `config` is the full resolved
 * configuration that `--resume` and `eval` use; `backend` is checked on resume.
 */
export interface RunConfigFile {
  /** Format tag. */
  format: "ovsw-run";
  /** Library version that created the run. */
  library: string;
  /** ISO time the run was created. */
  createdAt: string;
  /** Run name (the directory's name), shown in report legends. */
  name: string;
  /** vanilla, ags or ovsw. */
  method: string;
  /** Model name. */
  model: string;
  /** Dataset actually used (`embedded`, `fashion-mnist`, ...). */
  dataset: string;
  /** Init scale γ. */
  gamma: number;
  /** Epochs. */
  epochs: number;
  /** Seed. */
  seed: number;
  /** The resolved training configuration. */
  config: TrainConfig;
  /** What data was used, in words. */
  data: string;
  /** The WebGPU adapter, in words. */
  adapter: string;
  /** The adapter and backend in detail (absent in runs written before it was recorded). */
  backend?: BackendRecord;
  /** Resumes on another backend (`--allow-backend-change`): at which step, from what, to what. */
  backendChanges?: { step: number; from: BackendRecord | null; to: BackendRecord }[];
}

/**
 * `config.json` as the report reads it: `name` and `method` are required, the rest of
 * {@link RunConfigFile} optional (hand-written or synthetic runs), other fields kept.
 */
export type RunConfig =
  & Pick<RunConfigFile, "name" | "method">
  & Partial<Omit<RunConfigFile, "name" | "method">>
  & { [key: string]: unknown };

/** A run directory's contents, as the report reads them. */
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

/**
 * A local time stamp `yyyymmdd-hhmmss` for directory names.
 *
 * @example
 * ```ts
 * import { timeStamp } from "@ovsw/train";
 * console.log(timeStamp(new Date(2026, 0, 2, 3, 4, 5))); // 20260102-030405
 * ```
 */
export function timeStamp(d: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-` +
    `${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * The default run name: `<model>-<method>-seed<seed>-<yyyymmdd-hhmmss>`.
 *
 * @example
 * ```ts
 * import { defaultRunName } from "@ovsw/train";
 * console.log(defaultRunName({ model: "vgg-small-28", method: "ovsw", seed: 0 }, new Date(0)));
 * ```
 */
export function defaultRunName(
  cfg: { model: string; method: string; seed: number },
  now: Date = new Date(),
): string {
  return `${cfg.model}-${cfg.method}-seed${cfg.seed}-${timeStamp(now)}`;
}

/**
 * Removes trailing slashes from a directory path.
 *
 * @example
 * ```ts
 * import { trimDir } from "@ovsw/train";
 * console.log(trimDir("runs/a//")); // runs/a
 * ```
 */
export function trimDir(dir: string): string {
  return dir.replace(/(.)\/+$/, "$1");
}

/**
 * Creates a fresh run directory `<out>/<name>`; refuses one that already holds a run (and says
 * how to restart it when it has no checkpoint yet).
 *
 * @example
 * ```ts
 * import { createRunDir } from "@ovsw/train";
 * const out = await Deno.makeTempDir();
 * console.log(await createRunDir(out, "my-run")); // <out>/my-run
 * ```
 */
export async function createRunDir(out: string, name: string): Promise<string> {
  if (name.includes("/") || name === "." || name === "..") {
    throw new RunDirError(`--name must be a plain directory name, got '${name}'`);
  }
  const dir = `${trimDir(out)}/${name}`;
  if (await exists(`${dir}/${RUN_FILES.config}`)) {
    throw new RunDirError(
      `run directory ${dir} already holds a run; use --resume ${dir} to continue it (or to ` +
        `restart it when it has no checkpoint yet) or another --name`,
    );
  }
  await makeDir(dir);
  return dir;
}

/**
 * The `config.json` content of a new run.
 *
 * @example
 * ```ts
 * import { runConfigFile, type TrainConfig } from "@ovsw/train";
 * const config = { model: "vgg-small-28", method: "ovsw", gamma: 1, epochs: 1, seed: 0 };
 * const file = runConfigFile("demo", config as TrainConfig, "embedded", "embedded data", {
 *   description: "llvmpipe", vendor: "mesa", architecture: "", isFallbackAdapter: true,
 *   backend: "vulkan",
 * });
 * console.log(file.method, file.backend?.backend); // ovsw vulkan
 * ```
 */
export function runConfigFile(
  name: string,
  config: TrainConfig,
  dataset: string,
  data: string,
  backend: BackendRecord,
): RunConfigFile {
  return {
    format: "ovsw-run",
    library: LIBRARY_VERSION,
    createdAt: new Date().toISOString(),
    name,
    method: config.method,
    model: config.model,
    dataset,
    gamma: config.gamma,
    epochs: config.epochs,
    seed: config.seed,
    config,
    data,
    adapter: backend.description,
    backend,
  };
}

/**
 * Writes `config.json` atomically.
 *
 * @example
 * ```ts
 * import { readRunConfig, runConfigFile, type TrainConfig, writeRunConfig } from "@ovsw/train";
 * const dir = await Deno.makeTempDir();
 * const config = { model: "m", method: "ovsw", gamma: 1, epochs: 1, seed: 0 } as TrainConfig;
 * await writeRunConfig(dir, runConfigFile("demo", config, "embedded", "embedded", {
 *   description: "llvmpipe", vendor: "", architecture: "", isFallbackAdapter: true,
 *   backend: "default",
 * }));
 * ```
 */
export async function writeRunConfig(dir: string, file: RunConfigFile): Promise<void> {
  await writeJsonAtomic(`${dir}/${RUN_FILES.config}`, file, 2);
}

/** Values of keys added to {@link TrainConfig} after runs were first written. */
const ADDED_KEYS: Partial<TrainConfig> = {
  checkpointEvery: DEFAULT_CHECKPOINT_EVERY,
  optimizerPieces: null,
  optimizer: null,
  decaySet: null,
  imageSize: null,
  recipe: null,
  step: null,
  weights: "binary",
  initFrom: null,
  teacher: null,
  teacherArch: "resnet34",
};

/**
 * Checks one value of a stored configuration; returns the value (possibly normalised) or
 * throws naming `where` (e.g. `runs/a/config.json: "config.lr"`).
 */
export type ConfigValueCheck = (key: keyof TrainConfig, value: unknown, where: string) => unknown;

/**
 * Reads a run's `config.json` (written by `train`): its format, and every key of
 * {@link TrainConfig} present (each checked by `check`, e.g. the CLI's flag rules). Every
 * problem is a {@link RunDirError} naming the file and key.
 *
 * @example
 * ```ts
 * import { readRunConfig } from "@ovsw/train";
 * await readRunConfig("/nonexistent/run").catch((e) => console.log(e.message));
 * ```
 */
export async function readRunConfig(
  dir: string,
  check: ConfigValueCheck = (_k, v) => v,
): Promise<RunConfigFile> {
  const path = `${trimDir(dir)}/${RUN_FILES.config}`;
  let file: RunConfigFile;
  try {
    file = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "not found (is this a run directory written by train?)"
      : (e as Error).message;
    throw new RunDirError(`cannot read ${path}: ${why}`);
  }
  if (file?.format !== "ovsw-run" || typeof file.config !== "object" || file.config === null) {
    throw new RunDirError(`${path} is not an ovsw run configuration`);
  }
  const stored = file.config as unknown as Record<string, unknown>;
  const cfg: Record<string, unknown> = {};
  for (const key of TRAIN_CONFIG_KEYS) {
    if (!(key in stored) && key in ADDED_KEYS) {
      cfg[key] = ADDED_KEYS[key];
      continue;
    }
    if (!(key in stored)) throw new RunDirError(`${path}: "config.${key}" is missing`);
    try {
      cfg[key] = check(key, stored[key], `${path}: "config.${key}"`);
    } catch (e) {
      throw new RunDirError((e as Error).message);
    }
  }
  return { ...file, config: cfg as unknown as TrainConfig };
}

/**
 * Reads `config.json`, `metrics.jsonl` and `flips.json` of a run directory (any run with a
 * `name` and `method`, also hand-written ones). Throws naming the directory or file at fault.
 *
 * @example
 * ```ts
 * import { readRunDir, writeJsonAtomic } from "@ovsw/train";
 * const dir = await Deno.makeTempDir();
 * await writeJsonAtomic(`${dir}/config.json`, { name: "demo", method: "ovsw" });
 * console.log((await readRunDir(dir)).config.method); // "ovsw"
 * ```
 */
export async function readRunDir(dir: string): Promise<RunData> {
  const info = await Deno.stat(dir).catch(() => null);
  if (!info?.isDirectory) throw new RunDirError(`run directory ${dir} does not exist`);
  const configPath = `${dir}/${RUN_FILES.config}`;
  if (!(await exists(configPath))) {
    throw new RunDirError(`run directory ${dir}: ${RUN_FILES.config} not found`);
  }
  let config: RunConfig;
  try {
    config = JSON.parse(await Deno.readTextFile(configPath));
  } catch (e) {
    throw new RunDirError(`${configPath}: not valid JSON (${(e as Error).message})`);
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new RunDirError(`${configPath}: expected a JSON object`);
  }
  for (const key of ["name", "method"] as const) {
    if (typeof config[key] !== "string" || config[key] === "") {
      throw new RunDirError(`${configPath}: "${key}" must be a non-empty string`);
    }
  }
  if (config.gamma !== undefined && !(typeof config.gamma === "number" && config.gamma > 0)) {
    throw new RunDirError(`${configPath}: "gamma" must be a positive number`);
  }
  const metricsPath = `${dir}/${RUN_FILES.metrics}`;
  const metrics = (await exists(metricsPath)) ? await readMetrics(metricsPath) : [];
  const flipsPath = `${dir}/${RUN_FILES.flips}`;
  const flips = (await exists(flipsPath)) ? await readFlips(flipsPath) : null;
  return { dir, config, metrics, flips };
}
