/**
 * Declarative flag specifications: the name, the type of value, the default and a help line.
 * One table drives parsing, `--config` files, validation and `--help`.
 *
 * @module
 */
import { UsageError } from "./errors.ts";

/** The kinds of value a flag takes. */
export type FlagKind =
  | "bool"
  | "string"
  | "number"
  | "int"
  | "choice"
  | "numbers"
  | "choices";

/** A flag value after parsing. */
export type FlagValue = boolean | string | number | null | number[] | string[];

/** One command-line flag (kebab-case on the command line, camelCase in the resolved config). */
export interface FlagSpec {
  /** Kebab-case name without dashes, e.g. `batch-size`. */
  name: string;
  /** Key in the resolved configuration, e.g. `batchSize`. */
  key: string;
  /** Value type. */
  kind: FlagKind;
  /** Default value (`null`: unset/unlimited). */
  default: FlagValue;
  /** One-line help text. */
  help: string;
  /** Allowed values for `choice` / `choices`. */
  choices?: readonly string[];
  /** Smallest allowed number (inclusive unless `minExclusive`). */
  min?: number;
  /** Whether `min` itself is not allowed. */
  minExclusive?: boolean;
  /** Largest allowed number (inclusive unless `maxExclusive`). */
  max?: number;
  /** Whether `max` itself is not allowed. */
  maxExclusive?: boolean;
  /** Whether `null` (written `none` on the command line) is allowed. */
  nullable?: boolean;
  /** How `--help` shows the default when it is not the value itself (e.g. `auto`). */
  defaultLabel?: string;
  /** Placeholder in `--help`, e.g. `<dir>`. */
  placeholder?: string;
}

function describeRange(spec: FlagSpec): string {
  const parts: string[] = [];
  if (spec.min !== undefined) parts.push(`${spec.minExclusive ? ">" : "≥"} ${spec.min}`);
  if (spec.max !== undefined) parts.push(`${spec.maxExclusive ? "<" : "≤"} ${spec.max}`);
  return parts.join(" and ");
}

function parseNumber(spec: FlagSpec, raw: string, where: string): number {
  const text = raw.trim();
  const v = text === "" ? NaN : Number(text);
  const integer = spec.kind === "int";
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new UsageError(
      `${where} must be ${integer ? "an integer" : "a number"}` +
        (spec.min !== undefined || spec.max !== undefined ? ` ${describeRange(spec)}` : "") +
        `, got '${raw}'`,
    );
  }
  const low = spec.min !== undefined &&
    (spec.minExclusive ? v <= spec.min : v < spec.min);
  const high = spec.max !== undefined && (spec.maxExclusive ? v >= spec.max : v > spec.max);
  if (low || high) {
    throw new UsageError(`${where} must be ${describeRange(spec)}, got ${raw}`);
  }
  return v;
}

function parseChoice(spec: FlagSpec, raw: string, where: string): string {
  const v = raw.trim();
  if (!spec.choices!.includes(v)) {
    throw new UsageError(`${where} must be one of ${spec.choices!.join("|")}, got '${raw}'`);
  }
  return v;
}

/**
 * Parses one raw value (a command-line string, or a JSON value from a config file) for a flag.
 * `where` names the source in error messages, e.g. `--lr` or `config.json: "lr"`.
 *
 * @example
 * ```ts
 * import { parseFlagValue } from "@ovsw/cli";
 * const spec = { name: "lr", key: "lr", kind: "number", default: 0.1, help: "", min: 0 } as const;
 * console.log(parseFlagValue(spec, "0.05", "--lr")); // 0.05
 * ```
 */
export function parseFlagValue(spec: FlagSpec, raw: unknown, where: string): FlagValue {
  if (raw === null || (typeof raw === "string" && raw.trim() === "none")) {
    if (spec.nullable) return null;
    throw new UsageError(`${where} cannot be none`);
  }
  switch (spec.kind) {
    case "bool":
      if (typeof raw === "boolean") return raw;
      if (raw === "true") return true;
      if (raw === "false") return false;
      throw new UsageError(`${where} must be true or false, got ${JSON.stringify(raw)}`);
    case "string":
      if (typeof raw !== "string" || raw.length === 0) {
        throw new UsageError(`${where} must be a non-empty string, got ${JSON.stringify(raw)}`);
      }
      return raw;
    case "number":
    case "int":
      if (typeof raw !== "number" && typeof raw !== "string") {
        throw new UsageError(`${where} must be a number, got ${JSON.stringify(raw)}`);
      }
      return parseNumber(spec, String(raw), where);
    case "choice":
      if (typeof raw !== "string") {
        throw new UsageError(
          `${where} must be one of ${spec.choices!.join("|")}, got ${JSON.stringify(raw)}`,
        );
      }
      return parseChoice(spec, raw, where);
    case "numbers":
    case "choices": {
      const items = Array.isArray(raw)
        ? raw
        : typeof raw === "string"
        ? raw.split(",").filter((s) => s.trim() !== "")
        : [raw];
      if (items.length === 0) throw new UsageError(`${where} needs at least one value`);
      if (spec.kind === "numbers") {
        return items.map((x) => {
          if (typeof x !== "number" && typeof x !== "string") {
            throw new UsageError(`${where} must be a list of numbers, got ${JSON.stringify(x)}`);
          }
          return parseNumber({ ...spec, kind: "number" }, String(x), where);
        });
      }
      return items.map((x) => parseChoice(spec, String(x), where));
    }
  }
}

/** Formats a value the way a user would type it on the command line. */
export function formatFlagValue(value: FlagValue): string {
  if (value === null) return "none";
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}
