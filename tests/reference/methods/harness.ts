/**
 * Runs a layer forward and backward on the GPU for the methods' tests: `y` and the gradients
 * of `sum(y · gy)` for the input and the given parameters, as host arrays.
 *
 * @module
 */
import assert from "node:assert/strict";
import { backward, mul, sum, Tensor, tidy } from "@ovsw/gpu";
import type { Prng } from "@ovsw/init";
import { assertClose } from "../../util.ts";
import { type Arr, type ConvGeom, convOutSize } from "../dense.ts";

/** What {@link runLayer} returns. */
export interface LayerRun {
  /** Output values. */
  y: Float32Array;
  /** Output shape. */
  shape: readonly number[];
  /** ∂L/∂x. */
  gx: Float32Array;
  /** Gradients of `wrt`, in order. */
  grads: Float32Array[];
}

/** Forward `forward(x)` then the gradients of `sum(y · gy)` for x and `wrt`. */
export async function runLayer(
  forward: (x: Tensor) => Tensor,
  xd: Float32Array,
  xShape: number[],
  gyd: Float32Array,
  wrt: Tensor[],
): Promise<LayerRun> {
  const x = Tensor.from(xd, xShape);
  x.requiresGrad = true;
  const outs = tidy(() => {
    const y = forward(x);
    const gy = Tensor.from(gyd, y.shape);
    return [y, ...backward(sum(mul(y, gy)), [x, ...wrt]).map((g) => g!)];
  });
  const host = await Promise.all(outs.map((t) => t.read()));
  const shape = outs[0].shape;
  for (const t of [...outs, x]) t.dispose();
  return { y: host[0], shape, gx: host[1], grads: host.slice(2) };
}

/**
 * A random output gradient (standard normal) for a conv of `[n, ·, h, w]` inputs to `o`
 * channels with a `k`×`k` kernel: `[n, o, h_out, w_out]` values.
 */
export function randomConvOutputGrad(
  rng: Prng,
  [n, o, h, w]: readonly [number, number, number, number],
  k: number,
  { stride, padding }: ConvGeom,
): Float32Array {
  return rng.normalArray(
    n * o * convOutSize(h, k, stride, padding) * convOutSize(w, k, stride, padding),
  );
}

/** Checks a layer run's output shape, output (rtol 1e-4) and ∂L/∂x (rtol 1e-4) against a reference. */
export function assertOutputAndInputGrad(
  got: LayerRun,
  ref: { y: Arr; gx: ArrayLike<number> },
  what: string,
): void {
  assert.deepEqual(got.shape, ref.y.shape);
  assertClose(got.y, ref.y.data, 1e-4, `y ${what}`);
  assertClose(got.gx, ref.gx, 1e-4, `dL/dx ${what}`);
}

/** What every layer case of a methods fixture holds (tests/fixtures/methods/*.json). */
export interface FixtureCase {
  /** Input shape. */
  x_shape: number[];
  /** Input values. */
  x: number[];
  /** The output gradient fed back. */
  gy: number[];
  /** Expected output. */
  y: number[];
  /** Expected ∂L/∂x. */
  gx: number[];
}

/** Reads tests/fixtures/methods/<name>.json. */
export async function readFixture<T>(name: string): Promise<T> {
  const url = new URL(`../../fixtures/methods/${name}.json`, import.meta.url);
  return JSON.parse(await Deno.readTextFile(url)) as T;
}

/**
 * Runs `forward` on a fixture case's x and gy, then checks y, ∂L/∂x and each parameter's
 * gradient against the fixture (`[tensor, expected, label]`; a null expected is skipped).
 */
export async function checkFixtureCase(
  forward: (x: Tensor) => Tensor,
  c: FixtureCase,
  grads: [Tensor | null, number[] | null, string][],
  what: string,
  rtol = 1e-4,
): Promise<void> {
  const wanted = grads.filter(([t, g]) => t && g) as [Tensor, number[], string][];
  const got = await runLayer(
    forward,
    Float32Array.from(c.x),
    c.x_shape,
    Float32Array.from(c.gy),
    wanted.map(([t]) => t),
  );
  assertClose(got.y, c.y, rtol, `y ${what}`);
  assertClose(got.gx, c.gx, rtol, `dL/dx ${what}`);
  wanted.forEach(([, g, label], i) => assertClose(got.grads[i], g, rtol, `${label} ${what}`));
}
