/**
 * Sign binarisers with the methods' straight-through backwards: the clipped STE (exclusive
 * window `|x| < 1` of XNOR-Net and the bnn library, inclusive `|x| ≤ 1` of `torch.clamp`), the
 * identity STE (ReCU's weights) and IR-Net's EDE. All forward `sign(x)` with sign(0) = 0, as
 * `torch.sign`.
 *
 * @module
 */
import { mapElements, record1, type Tensor } from "@ovsw/gpu";

/** `sign(x)` forward; backward `g · grad(x)` with `grad` a WGSL expression in `b` (= x). */
function signWithGrad(name: string, x: Tensor, grad: string, scalars: number[] = []): Tensor {
  const y = mapElements(name, "sign(a)", [x]);
  record1([x], y, (g) => [mapElements(`${name}_grad`, `a * (${grad})`, [g, x], scalars)]);
  return y;
}

/** Which side of ±1 the clipped STE's window includes. */
export type SteWindow = "exclusive" | "inclusive";

/**
 * `sign(x)` with the clipped straight-through gradient: `1[|x| < 1]` (`"exclusive"`, XNOR-Net's
 * `BinActive` and the bnn library's `SignActivation`: zero at |x| ≥ 1) or `1[|x| ≤ 1]`
 * (`"inclusive"`, the gradient of `torch.clamp(x, -1, 1)` used by Bi-Real/ReActNet/BiBench).
 *
 * @example
 * ```ts
 * import { backward, initGpu, sum, Tensor, tidy } from "@ovsw/gpu";
 * import { steSign } from "@ovsw/layers";
 * await initGpu();
 * const x = Tensor.from([-1, 0, 0.5, 1], [4]);
 * x.requiresGrad = true;
 * const g = tidy(() => backward(sum(steSign(x, "exclusive")), [x])[0]!);
 * console.log(await g.read()); // [0, 1, 1, 0]
 * ```
 */
export function steSign(x: Tensor, window: SteWindow): Tensor {
  return window === "exclusive"
    ? signWithGrad("ste_sign_excl", x, "select(0.0, 1.0, abs(b) < 1.0)")
    : signWithGrad("ste_sign_incl", x, "select(0.0, 1.0, abs(b) <= 1.0)");
}

/**
 * `sign(x)` with the identity straight-through gradient (ReCU's weight `BinaryQuantize`).
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { identitySign } from "@ovsw/layers";
 * await initGpu();
 * console.log(await identitySign(Tensor.from([-2, 0, 3], [3])).read()); // [-1, 0, 1]
 * ```
 */
export function identitySign(x: Tensor): Tensor {
  return signWithGrad("identity_sign", x, "1.0");
}

/**
 * IR-Net's Error Decay Estimator: `sign(x)` forward, `k·t·(1 − tanh(t·x)²)` backward (the same
 * k, t for weights and activations; see `irnetKT` for their per-epoch schedule).
 *
 * @example
 * ```ts
 * import { backward, initGpu, sum, Tensor, tidy } from "@ovsw/gpu";
 * import { ede } from "@ovsw/layers";
 * await initGpu();
 * const x = Tensor.from([0, 1], [2]);
 * x.requiresGrad = true;
 * const g = tidy(() => backward(sum(ede(x, 10, 0.1)), [x])[0]!);
 * console.log(await g.read()); // [1, 0.990066…]
 * ```
 */
export function ede(x: Tensor, k: number, t: number): Tensor {
  // tanh saturates to ±1 in f32 beyond |20|; clamping avoids inf/inf in a tanh built on exp.
  return signWithGrad(
    "ede",
    x,
    "p.s0 * p.s1 * (1.0 - tanh(clamp(b * p.s1, -20.0, 20.0)) * tanh(clamp(b * p.s1, -20.0, 20.0)))",
    [k, t],
  );
}
