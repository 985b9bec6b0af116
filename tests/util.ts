/**
 * Shared test helpers: seeded random data, tolerance checks and GPU set-up.
 *
 * @module
 */
import { initGpu, setPoison } from "@ovsw/gpu";
import type { Prng } from "@ovsw/init";

/** Initialises the GPU for a test file and turns on output poisoning. */
export async function setupGpu(): Promise<void> {
  await initGpu();
  setPoison(true);
}

/** A fresh seed per call unless OVSW_TEST_SEED is set; printed on failure by the checks. */
export function freshSeed(): number {
  const fixed = Deno.env.get("OVSW_TEST_SEED");
  return fixed ? Number(fixed) : Math.floor(Math.random() * 2 ** 31);
}

/** Standard-normal Float32Array of n values. */
export function randn(n: number, rng: Prng, std = 1): Float32Array {
  return rng.normalArray(n, 0, std);
}

/**
 * Asserts that `actual` matches `expected` by relative error:
 * max|a − e| ≤ rtol · max(max|e|, floor). NaN or Inf in `actual` never passes.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = 1e-4,
  what = "value",
  floor = 1e-6,
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length} != expected ${expected.length}`);
  }
  let maxErr = 0;
  let maxRef = 0;
  let worst = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    if (!Number.isFinite(a)) {
      throw new Error(`${what}[${i}] = ${a} (expected ${expected[i]}): not finite / unwritten`);
    }
    const err = Math.abs(a - expected[i]);
    if (err > maxErr) {
      maxErr = err;
      worst = i;
    }
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  const rel = maxErr / Math.max(maxRef, floor);
  if (rel > rtol) {
    throw new Error(
      `${what}: relative error ${rel.toExponential(3)} > ${rtol} at [${worst}]: ` +
        `got ${actual[worst]}, expected ${expected[worst]}`,
    );
  }
}

/**
 * Asserts that each call throws an error whose message contains its needle (a clear message
 * naming what is at fault), as `[call, needle]` pairs.
 */
export function assertThrowsAll(cases: readonly (readonly [() => unknown, string])[]): void {
  for (const [fn, needle] of cases) {
    let msg = "";
    try {
      fn();
    } catch (e) {
      msg = (e as Error).message;
    }
    if (!msg.includes(needle)) throw new Error(`expected "${needle}" in: ${msg}`);
  }
}
