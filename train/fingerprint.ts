/**
 * What a checkpoint was written with — the run's configuration, its data, and the checkpoint's
 * own bookkeeping — as one SHA-256 hash per field, stored in the checkpoint's `state.json`.
 * Resuming recomputes them from what it finds and refuses a mismatch, naming the field.
 *
 * @module
 */
import { SESSION_KEYS, TRAIN_CONFIG_KEYS, type TrainConfig } from "./config.ts";
import { RunDirError } from "./errors.ts";

/** The hashes a checkpoint stores (hex SHA-256 prefixes, by field). */
export interface Fingerprint {
  /** Each configuration key that changes the computation (not {@link SESSION_KEYS}). */
  config: Record<string, string>;
  /** The training and test images and labels, as loaded (after the limits). */
  data: Record<string, string>;
  /** The checkpoint's bookkeeping: model, epoch, step in epoch, step, best, extra. */
  state: Record<string, string>;
}

/** The bookkeeping fields of a checkpoint that {@link Fingerprint.state} covers. */
export const STATE_FIELDS = ["model", "epoch", "stepInEpoch", "step", "best", "extra"] as const;

async function sha(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest.subarray(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A stable JSON text (object keys sorted) hashed. */
function hashValue(v: unknown): Promise<string> {
  const stable = (x: unknown): unknown =>
    x === null || typeof x !== "object" ? x : Array.isArray(x) ? x.map(stable) : Object.fromEntries(
      Object.keys(x).sort().map((k) => [k, stable((x as Record<string, unknown>)[k])]),
    );
  return sha(new TextEncoder().encode(JSON.stringify(stable(v) ?? null)));
}

async function hashFields(
  record: Record<string, unknown>,
  keys: readonly string[],
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = await hashValue(record[k]);
  return out;
}

/** The data a run trains and tests on (a `LoadedData` has it). */
export interface FingerprintData {
  /** Training split. */
  train: { images: Uint8Array; labels: Uint8Array };
  /** Test split. */
  test: { images: Uint8Array; labels: Uint8Array };
}

/**
 * The hashes of a run's configuration (the keys that change the computation) and its data.
 *
 * @example
 * ```ts
 * import { fingerprintRun, type TrainConfig } from "@ovsw/train";
 * const split = { images: new Uint8Array([1, 2]), labels: new Uint8Array([0]) };
 * const fp = await fingerprintRun({ batchSize: 8 } as TrainConfig, { train: split, test: split });
 * console.log(Object.keys(fp.data)); // ["train", "test"]
 * ```
 */
export async function fingerprintRun(
  config: TrainConfig,
  data: FingerprintData,
): Promise<Pick<Fingerprint, "config" | "data">> {
  const checked = TRAIN_CONFIG_KEYS.filter((k) => !SESSION_KEYS.includes(k));
  const concat = (s: { images: Uint8Array; labels: Uint8Array }) => {
    const all = new Uint8Array(s.images.length + s.labels.length);
    all.set(s.images);
    all.set(s.labels, s.images.length);
    return all;
  };
  return {
    config: await hashFields(config as unknown as Record<string, unknown>, checked),
    data: { train: await sha(concat(data.train)), test: await sha(concat(data.test)) },
  };
}

/**
 * The hashes of a checkpoint's bookkeeping ({@link STATE_FIELDS}).
 *
 * @example
 * ```ts
 * import { fingerprintState } from "@ovsw/train";
 * const h = await fingerprintState({ model: "m", epoch: 0, stepInEpoch: 3, step: 3, best: null,
 *   extra: {} });
 * console.log(Object.keys(h).length); // 6
 * ```
 */
export function fingerprintState(
  state: Record<(typeof STATE_FIELDS)[number], unknown>,
): Promise<Record<string, string>> {
  return hashFields(state, STATE_FIELDS);
}

/** Where each part of a fingerprint comes from, for the error message. */
export interface FingerprintSources {
  /** The configuration file, e.g. `runs/a/config.json`. */
  config: string;
  /** The data, in words. */
  data: string;
  /** The checkpoint's `state.json`. */
  state: string;
  /** The checkpoint directory. */
  checkpoint: string;
}

/**
 * Throws a {@link RunDirError} naming the first field whose hash in `found` differs from the
 * one the checkpoint stored in `stored`.
 *
 * @example
 * ```ts
 * import { checkFingerprint } from "@ovsw/train";
 * const stored = { config: { lr: "a" }, data: {}, state: {} };
 * const found = { config: { lr: "b" }, data: {}, state: {} };
 * try {
 *   checkFingerprint(stored, found, { config: "config.json", data: "data", state: "state.json",
 *     checkpoint: "checkpoint-latest" });
 * } catch (e) {
 *   console.log((e as Error).message); // config.json: "config.lr" differs from ...
 * }
 * ```
 */
export function checkFingerprint(
  stored: Fingerprint,
  found: Fingerprint,
  where: FingerprintSources,
): void {
  const tail = `differs from the value ${where.checkpoint} was written with; refusing to ` +
    `resume (restore it, or start a new run)`;
  for (const [k, h] of Object.entries(stored.config)) {
    if (found.config[k] !== h) throw new RunDirError(`${where.config}: "config.${k}" ${tail}`);
  }
  for (const [k, h] of Object.entries(stored.data)) {
    if (found.data[k] !== h) {
      throw new RunDirError(
        `the ${k} data (${where.data}) is not the data ${where.checkpoint} was written with; ` +
          `refusing to resume (use the same dataset and limits, or start a new run)`,
      );
    }
  }
  for (const [k, h] of Object.entries(stored.state)) {
    if (found.state[k] !== h) throw new RunDirError(`${where.state}: "${k}" ${tail}`);
  }
}
