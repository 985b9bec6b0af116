/**
 * Shared test helpers: seeded random data, tolerance checks and GPU set-up.
 *
 * @module
 */
import { initGpu, memory, noGrad, Tensor, tidy } from "@ovsw/gpu";
import { setPoison } from "@ovsw/gpu/internal";
import type { batchNorm } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";

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

/**
 * Asserts that a batch norm (`batchNorm`'s signature) in training mode under `noGrad` records
 * nothing and leaves only its output and the two running statistics alive.
 */
export function assertNoGradLeavesNoStats(norm: typeof batchNorm): void {
  const before = memory().tensors;
  const rm = Tensor.zeros([3]);
  const rv = Tensor.full([3], 1);
  const y = tidy(() =>
    noGrad(() => {
      const x = Tensor.from(randn(12, new Prng(freshSeed())), [4, 3]);
      const gamma = Tensor.full([3], 1);
      gamma.requiresGrad = true;
      return norm(x, gamma, Tensor.zeros([3]), rm, rv, { training: true });
    })
  );
  if (y.requiresGrad) throw new Error("recorded under noGrad");
  if (memory().tensors !== before + 3) {
    throw new Error(`tensors ${memory().tensors} vs ${before + 3}`);
  }
  for (const t of [y, rm, rv]) t.dispose();
}
