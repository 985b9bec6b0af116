/**
 * Test helpers for initialisers: sample statistics and 5σ checks of normal and uniform draws.
 *
 * @module
 */

/** Mean, unbiased standard deviation and largest magnitude of a sample. */
export function sampleStats(x: Float32Array): { mean: number; std: number; maxAbs: number } {
  let s = 0;
  for (const v of x) s += v;
  const mean = s / x.length;
  let q = 0;
  let maxAbs = 0;
  for (const v of x) {
    q += (v - mean) ** 2;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  return { mean, std: Math.sqrt(q / (x.length - 1)), maxAbs };
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

/** N(0, std²): mean and sample std within 5σ of their sampling error (sd of the std ≈ std/√(2n)). */
export function assertNormal(x: Float32Array, std: number, what: string): void {
  const st = sampleStats(x);
  check(Math.abs(st.mean) < 5 * std / Math.sqrt(x.length), `${what}: mean ${st.mean}`);
  const tol = 5 * std / Math.sqrt(2 * x.length);
  check(Math.abs(st.std - std) < tol, `${what}: std ${st.std} vs ${std}`);
}

/**
 * U(±bound): never beyond the bound, close to it (the largest of n draws falls below
 * bound·(1 − 20/n) with probability e⁻²⁰), and mean and std within 5σ (uniform: the sd of the
 * sample std ≈ std·√(0.2/n)).
 */
export function assertUniform(x: Float32Array, bound: number, what: string): void {
  const st = sampleStats(x);
  const n = x.length;
  const std = bound / Math.sqrt(3);
  check(st.maxAbs <= bound * (1 + 1e-6), `${what}: |x| ${st.maxAbs} > bound ${bound}`);
  check(st.maxAbs > bound * (1 - Math.min(0.5, 20 / n)), `${what}: never approaches the bound`);
  check(Math.abs(st.mean) < 5 * std / Math.sqrt(n), `${what}: mean ${st.mean}`);
  check(Math.abs(st.std - std) < 5 * std * Math.sqrt(0.2 / n), `${what}: std ${st.std} vs ${std}`);
}
