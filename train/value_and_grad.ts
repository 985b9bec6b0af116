/**
 * `valueAndGrad`: run a loss function under the autograd tape and return the loss with the
 * gradient of every parameter, by name.
 *
 * @module
 */
import { backward, type Tensor } from "@ovsw/gpu";
import type { Params, Updates } from "@ovsw/optim";

/** What a loss function returns: the scalar loss alone, or the loss with auxiliary values. */
export type LossOutput = Tensor | ({ loss: Tensor } & Record<string, unknown>);

/** The loss (and any auxiliary values the loss function returned) with the gradients by name. */
export type ValueAndGrad<O extends LossOutput> =
  & (O extends Tensor ? { loss: Tensor }
    : O)
  & {
    /** The gradient of each parameter, by the parameter's name (null if it got none). */
    grads: Updates;
  };

/**
 * Runs `lossFn` (a scalar loss, or `{ loss, ...aux }`), back-propagates it and returns the loss,
 * the auxiliary values and a gradient record keyed like `params`, ready for an optimizer's
 * `update`. Call it inside `tidy()` so the intermediate tensors are freed.
 *
 * @example
 * ```ts
 * import { initGpu, mul, sum, Tensor, tidy } from "@ovsw/gpu";
 * import { valueAndGrad } from "@ovsw/train";
 * await initGpu();
 * const w = Tensor.from([1, 2], [2]);
 * w.requiresGrad = true;
 * const grad = await tidy(() => valueAndGrad(() => sum(mul(w, w)), { w }).grads.w!).read();
 * console.log(grad); // Float32Array [2, 4]
 * ```
 */
export function valueAndGrad<O extends LossOutput>(
  lossFn: () => O,
  params: Params,
): ValueAndGrad<O> {
  const out = lossFn();
  const result = (isTensor(out) ? { loss: out } : { ...out }) as { loss: Tensor };
  const names = Object.keys(params);
  const grads = backward(result.loss, names.map((n) => params[n]));
  const record: Updates = {};
  names.forEach((name, i) => (record[name] = grads[i]));
  return { ...result, grads: record } as unknown as ValueAndGrad<O>;
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === "object" && x !== null && "buffer" in x && "shape" in x && !("loss" in x);
}
