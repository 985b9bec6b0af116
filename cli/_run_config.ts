/**
 * Reading a run's `config.json` with every value checked by the same rules as its flag.
 *
 * @module
 */
import { readRunConfig, type RunConfigFile } from "@ovsw/train";
import { parseFlagValue } from "./flag_spec.ts";
import { TRAIN_FLAGS } from "./flags.ts";

/**
 * Reads `<dir>/config.json`; a missing key or a value its flag would refuse is a `RunDirError`
 * naming the file and key.
 *
 * @example
 * ```ts
 * import { readTrainRunConfig } from "./_run_config.ts";
 * await readTrainRunConfig("/nonexistent").catch((e) => console.log(e.message));
 * ```
 */
export function readTrainRunConfig(dir: string): Promise<RunConfigFile> {
  return readRunConfig(dir, (key, value, where) => {
    const spec = TRAIN_FLAGS.find((f) => f.key === key);
    return spec ? parseFlagValue(spec, value, where) : value;
  });
}
