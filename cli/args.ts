/**
 * Command-line parsing for every task: `node:util` parseArgs driven by the flag tables, a
 * `--config` JSON file whose values flags override, validation with one clear message, and
 * `--help` text listing each flag with its default.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { UsageError } from "./errors.ts";
import { type FlagSpec, type FlagValue, formatFlagValue, parseFlagValue } from "./flag_spec.ts";

/** What a task accepts. */
export interface TaskSpec {
  /** Task name as in `deno task <name>`. */
  name: string;
  /** One paragraph describing the task, shown by `--help`. */
  summary: string;
  /** The flags it accepts. */
  flags: FlagSpec[];
  /** Positional arguments (e.g. run directories), if any. */
  positionals?: { name: string; min: number; help: string };
  /** Defaults that differ from the flag table's for this task, by key. */
  defaults?: Record<string, FlagValue>;
  /** Extra lines at the end of `--help` (examples). */
  examples?: string[];
}

/** Where a resolved value came from. */
export type ValueSource = "default" | "config" | "flag";

/** The result of parsing a command line. */
export interface ParsedArgs {
  /** Every flag's value by camelCase key, defaults filled in. */
  values: Record<string, FlagValue>;
  /** Where each value came from. */
  source: Record<string, ValueSource>;
  /** Positional arguments. */
  positionals: string[];
  /** Whether `--help`/`-h` was given (nothing else is validated then). */
  help: boolean;
}

function defaultOf(task: TaskSpec, spec: FlagSpec): FlagValue {
  return task.defaults && spec.key in task.defaults ? task.defaults[spec.key] : spec.default;
}

function cleanParseError(err: unknown, task: TaskSpec): UsageError {
  const e = err as { code?: string; message?: string };
  const msg = e.message ?? String(err);
  const flag = /'(-{1,2}[^' ]+)/.exec(msg)?.[1];
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`unknown flag ${flag ?? msg} for '${task.name}' (see --help)`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/does not take an argument/.test(msg)) {
        return new UsageError(`${flag} is a switch and takes no value`);
      }
      return new UsageError(`${flag ?? "a flag"} needs a value (see --help)`);
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UsageError(
        `unexpected argument ${/'([^']*)'/.exec(msg)?.[1] ?? msg} for '${task.name}'` +
          " (flags start with --; see --help)",
      );
    default:
      return new UsageError(msg.split("\n")[0]);
  }
}

/** Reads a `--config` file into flag values, naming the file in every error. */
async function readConfig(
  path: string,
  task: TaskSpec,
): Promise<Map<string, FlagValue>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message;
    throw new UsageError(`cannot read config file ${path}: ${why}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new UsageError(`config file ${path} must hold a JSON object of flag values`);
  }
  const out = new Map<string, FlagValue>();
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    const spec = task.flags.find((f) => f.name === k || f.key === k);
    if (!spec) {
      throw new UsageError(`config file ${path}: unknown key "${k}" for '${task.name}'`);
    }
    if (spec.name === "config") {
      throw new UsageError(`config file ${path}: "config" cannot be set inside a config file`);
    }
    out.set(spec.key, parseFlagValue(spec, v, `config file ${path}: "${k}"`));
  }
  return out;
}

/**
 * Parses a task's command line: flags override the `--config` file, which overrides the
 * defaults. Unknown flags, bad values and unreadable config files throw {@link UsageError}.
 *
 * @example
 * ```ts
 * import { parseCli, TRAIN_TASK } from "@ovsw/cli";
 * const args = await parseCli(TRAIN_TASK, ["--epochs", "2", "--method", "vanilla"]);
 * console.log(args.values.epochs, args.values.method, args.values.lr); // 2 vanilla null (the recipe's)
 * ```
 */
export async function parseCli(task: TaskSpec, argv: string[]): Promise<ParsedArgs> {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const f of task.flags) options[f.name] = { type: f.kind === "bool" ? "boolean" : "string" };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: task.positionals !== undefined,
    });
  } catch (err) {
    throw cleanParseError(err, task);
  }
  const raw = parsed.values as Record<string, string | boolean | undefined>;
  const values: Record<string, FlagValue> = {};
  const source: Record<string, ValueSource> = {};
  if (raw.help) return { values, source, positionals: parsed.positionals, help: true };

  for (const f of task.flags) {
    values[f.key] = defaultOf(task, f);
    source[f.key] = "default";
  }
  const configPath = raw["config"];
  if (typeof configPath === "string") {
    for (const [k, v] of await readConfig(configPath, task)) {
      values[k] = v;
      source[k] = "config";
    }
  }
  for (const f of task.flags) {
    const v = raw[f.name];
    if (v === undefined) continue;
    values[f.key] = parseFlagValue(f, v, `--${f.name}`);
    source[f.key] = "flag";
  }
  const pos = task.positionals;
  if (pos && parsed.positionals.length < pos.min) {
    throw new UsageError(`'${task.name}' needs at least ${pos.min} ${pos.name} (see --help)`);
  }
  return { values, source, positionals: parsed.positionals, help: false };
}

/**
 * The `--help` text of a task: usage, summary, then every flag with its default.
 *
 * @example
 * ```ts
 * import { helpText, TRAIN_TASK } from "@ovsw/cli";
 * console.log(helpText(TRAIN_TASK).includes("--lr")); // true
 * ```
 */
export function helpText(task: TaskSpec): string {
  const pos = task.positionals ? ` <${task.positionals.name}...>` : "";
  const lines = [`usage: deno task ${task.name} [flags]${pos}`, "", task.summary, ""];
  if (task.positionals) {
    lines.push(`  <${task.positionals.name}>  ${task.positionals.help}`, "");
  }
  lines.push("flags:");
  const left = task.flags.map((f) => `  --${f.name}${f.placeholder ? " " + f.placeholder : ""}`);
  const width = Math.max(...left.map((s) => s.length)) + 2;
  task.flags.forEach((f, i) => {
    const def = defaultOf(task, f);
    const shown = f.defaultLabel && def === f.default
      ? f.defaultLabel
      : f.kind === "bool" && def === false
      ? "off"
      : formatFlagValue(def);
    lines.push(`${left[i].padEnd(width)}${f.help} (default: ${shown})`);
  });
  lines.push(`${"  -h, --help".padEnd(width)}show this help`);
  if (task.examples && task.examples.length > 0) {
    lines.push("", "examples:", ...task.examples.map((e) => `  ${e}`));
  }
  return lines.join("\n") + "\n";
}
