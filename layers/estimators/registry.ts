/**
 * Estimators by name (Larq's vocabulary, in the authors' spelling).
 *
 * @module
 */
import { approxSignEstimator } from "./approx_sign.ts";
import type { Estimator } from "./estimator.ts";
import { hardtanhEstimator } from "./hardtanh.ts";
import { hardtanhV2Estimator } from "./hardtanh_v2.ts";
import { steEstimator } from "./ste.ts";
import { steV2Estimator } from "./ste_v2.ts";

const registry = new Map<string, Estimator>(
  [steEstimator, hardtanhEstimator, steV2Estimator, hardtanhV2Estimator, approxSignEstimator]
    .map((e) => [e.name, e]),
);

/**
 * Adds (or replaces) an estimator, making it available by name.
 *
 * @example
 * ```ts
 * import { registerEstimator } from "@ovsw/layers";
 * registerEstimator({
 *   name: "clipped2", description: "gradient where |x| < 2", forward: "sign(x)",
 *   backward: "select(0.0, g, abs(x) < 2.0)", usesRowMeanAbs: false, signForward: true,
 * });
 * ```
 */
export function registerEstimator(e: Estimator): void {
  if (!/^[a-z][a-z0-9_]*$/.test(e.name)) {
    throw new RangeError(`estimator name "${e.name}" must be lower-case letters, digits, _`);
  }
  registry.set(e.name, e);
}

/**
 * The estimator called `name` (`ste`, `hardtanh`, `ste_v2`, `hardtanhv2`, `approx_sign`, or a
 * registered one); an Estimator object is returned as is.
 *
 * @example
 * ```ts
 * import { getEstimator } from "@ovsw/layers";
 * console.log(getEstimator("hardtanh").backward);
 * ```
 */
export function getEstimator(name: string | Estimator): Estimator {
  if (typeof name !== "string") return name;
  const e = registry.get(name);
  if (!e) {
    throw new RangeError(
      `unknown estimator "${name}"; choose one of ${estimatorNames().join(", ")}`,
    );
  }
  return e;
}

/**
 * Names of every registered estimator.
 *
 * @example
 * ```ts
 * import { estimatorNames } from "@ovsw/layers";
 * console.log(estimatorNames()); // ["ste", "hardtanh", "ste_v2", "hardtanhv2", "approx_sign"]
 * ```
 */
export function estimatorNames(): string[] {
  return [...registry.keys()];
}
