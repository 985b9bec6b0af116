/**
 * The run directory: its name, creation, and `config.json` (the resolved configuration plus
 * the library version), which `--resume`, `eval` and `report` read back.
 *
 * @module
 */
import meta from "./deno.json" with { type: "json" };
import { replaceFileAtomic } from "./atomic.ts";
import { UsageError } from "./errors.ts";
import { parseFlagValue } from "./flag_spec.ts";
import { TRAIN_FLAGS } from "./flags.ts";
import { TRAIN_CONFIG_KEYS, type TrainConfig } from "./tasks.ts";

/** The library version written into every run. */
export const LIBRARY_VERSION: string = meta.version;

/**
 * The content of a run's `config.json`. The top-level `name`, `method`, `model`, `dataset`,
 * `gamma`, `epochs` and `seed` are what `@ovsw/metrics`' report reads; `config` is the full
 * resolved configuration that `--resume` and `eval` use.
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
}

/**
 * A local time stamp `yyyymmdd-hhmmss` for directory names.
 *
 * @example
 * ```ts
 * import { timeStamp } from "@ovsw/cli";
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
 * import { defaultRunName } from "@ovsw/cli";
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
 * Creates a fresh run directory `<out>/<name>`; refuses one that already holds a run.
 *
 * @example
 * ```ts
 * import { createRunDir } from "@ovsw/cli";
 * const out = await Deno.makeTempDir();
 * console.log(await createRunDir(out, "my-run")); // <out>/my-run
 * ```
 */
export async function createRunDir(out: string, name: string): Promise<string> {
  if (name.includes("/") || name === "." || name === "..") {
    throw new UsageError(`--name must be a plain directory name, got '${name}'`);
  }
  const dir = `${out.replace(/\/+$/, "")}/${name}`;
  try {
    await Deno.stat(`${dir}/config.json`);
    throw new UsageError(
      `run directory ${dir} already holds a run; use --resume ${dir} or another --name`,
    );
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create run directory ${dir}: ${(e as Error).message}`);
  }
  return dir;
}

/**
 * The `config.json` content of a new run.
 *
 * @example
 * ```ts
 * import { parseCli, runConfigFile, toTrainConfig, TRAIN_TASK } from "@ovsw/cli";
 * const config = toTrainConfig((await parseCli(TRAIN_TASK, [])).values);
 * console.log(runConfigFile("demo", config, "embedded", "embedded", "llvmpipe").method); // ovsw
 * ```
 */
export function runConfigFile(
  name: string,
  config: TrainConfig,
  dataset: string,
  data: string,
  adapter: string,
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
    adapter,
  };
}

/**
 * Writes `config.json` atomically.
 *
 * @example
 * ```ts
 * import { runConfigFile, writeRunConfig, parseCli, toTrainConfig, TRAIN_TASK } from "@ovsw/cli";
 * const dir = await Deno.makeTempDir();
 * const config = toTrainConfig((await parseCli(TRAIN_TASK, [])).values);
 * await writeRunConfig(dir, runConfigFile("demo", config, "embedded", "embedded", "llvmpipe"));
 * ```
 */
export async function writeRunConfig(dir: string, file: RunConfigFile): Promise<void> {
  await replaceFileAtomic(`${dir}/config.json`, JSON.stringify(file, null, 2) + "\n");
}

/**
 * Reads and validates a run's `config.json`; every problem is a {@link UsageError} naming it.
 *
 * @example
 * ```ts
 * import { readRunConfig } from "@ovsw/cli";
 * const run = await readRunConfig("runs/my-run").catch((e) => console.error(e.message));
 * ```
 */
export async function readRunConfig(dir: string): Promise<RunConfigFile> {
  const path = `${dir.replace(/\/+$/, "")}/config.json`;
  let file: RunConfigFile;
  try {
    file = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "not found (is this a run directory written by train?)"
      : (e as Error).message;
    throw new UsageError(`cannot read ${path}: ${why}`);
  }
  if (file?.format !== "ovsw-run" || typeof file.config !== "object" || file.config === null) {
    throw new UsageError(`${path} is not an ovsw run configuration`);
  }
  const cfg: Record<string, unknown> = {};
  for (const key of TRAIN_CONFIG_KEYS) {
    const spec = TRAIN_FLAGS.find((f) => f.key === key)!;
    if (!(key in file.config)) throw new UsageError(`${path}: "config.${key}" is missing`);
    cfg[key] = parseFlagValue(
      spec,
      (file.config as unknown as Record<string, unknown>)[key],
      `${path}: "config.${key}"`,
    );
  }
  return { ...file, config: cfg as unknown as TrainConfig };
}
