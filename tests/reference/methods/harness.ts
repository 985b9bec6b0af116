/**
 * Runs a layer forward and backward on the GPU for the methods' tests: `y` and the gradients
 * of `sum(y · gy)` for the input and the given parameters, as host arrays.
 *
 * @module
 */
import { backward, mul, sum, Tensor, tidy } from "@ovsw/gpu";

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
