/**
 * Element-wise ops on same-shape tensors, each with its backward.
 *
 * @module
 */
import { f32, grid, runKernel, type Uniform, WGSL_INDEX } from "../kernel.ts";
import { installTapeOps, record1 } from "../tape.ts";
import { shapeStr, Tensor } from "../tensor.ts";

const cache = new Map<string, string>();

/** WGSL for `y[i] = expr` over `n` elements, with inputs named a, b, c… and uniforms p.s0…. */
function mapCode(arity: number, expr: string, scalars: number): string {
  const key = `${arity}|${scalars}|${expr}`;
  let code = cache.get(key);
  if (!code) {
    const names = ["a", "b", "c", "d"].slice(0, arity);
    const fields = ["n: u32", ...Array.from({ length: scalars }, (_, i) => `s${i}: f32`)];
    code = `struct P { ${fields.join(", ")} }
@group(0) @binding(0) var<uniform> p: P;
${
      names.map((nm, i) => `@group(0) @binding(${i + 1}) var<storage, read> ${nm}_: array<f32>;`)
        .join("\n")
    }
@group(0) @binding(${arity + 1}) var<storage, read_write> y_: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.n) { return; }
  ${names.map((nm) => `let ${nm} = ${nm}_[i];`).join(" ")}
  y_[i] = ${expr};
}`;
    cache.set(key, code);
  }
  return code;
}

/**
 * Runs an element-wise WGSL expression over same-shape f32 tensors (named `a`, `b`, `c`, `d`;
 * float scalars as `p.s0`, `p.s1`, …). No autograd: ops build on it.
 *
 * @example
 * ```ts
 * import { initGpu, mapElements, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([1, -2], [2]);
 * console.log(await mapElements("square", "a * a", [x]).read()); // [1, 4]
 * ```
 */
export function mapElements(
  name: string,
  expr: string,
  inputs: Tensor[],
  scalars: number[] = [],
): Tensor {
  const shape = inputs[0].shape;
  for (const t of inputs) {
    if (t.size !== inputs[0].size) {
      throw new RangeError(
        `${name}: shapes ${inputs.map((x) => shapeStr(x.shape)).join(" and ")} differ`,
      );
    }
    if (t.dtype !== "f32") throw new TypeError(`${name}: expected f32 tensors, got ${t.dtype}`);
  }
  const out = Tensor.empty(shape);
  const uniforms: Uniform[] = [out.size, ...scalars.map(f32)];
  runKernel({
    name,
    code: mapCode(inputs.length, expr, scalars.length),
    inputs,
    outputs: [out],
    uniforms,
    workgroups: grid(out.size),
  });
  return out;
}

/**
 * Element-wise sum.
 *
 * @example
 * ```ts
 * import { add, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await add(Tensor.from([1], [1]), Tensor.from([2], [1])).read()); // [3]
 * ```
 */
export function add(a: Tensor, b: Tensor): Tensor {
  const y = mapElements("add", "a + b", [a, b]);
  record1([a, b], y, (g) => [g, g]);
  return y;
}

/**
 * Element-wise difference `a − b`.
 *
 * @example
 * ```ts
 * import { initGpu, sub, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await sub(Tensor.from([3], [1]), Tensor.from([1], [1])).read()); // [2]
 * ```
 */
export function sub(a: Tensor, b: Tensor): Tensor {
  const y = mapElements("sub", "a - b", [a, b]);
  record1([a, b], y, (g) => [g, neg(g)]);
  return y;
}

/**
 * Element-wise product.
 *
 * @example
 * ```ts
 * import { initGpu, mul, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await mul(Tensor.from([3], [1]), Tensor.from([2], [1])).read()); // [6]
 * ```
 */
export function mul(a: Tensor, b: Tensor): Tensor {
  const y = mapElements("mul", "a * b", [a, b]);
  record1([a, b], y, (g) => [
    a.requiresGrad ? mapElements("mul", "a * b", [g, b]) : null,
    b.requiresGrad ? mapElements("mul", "a * b", [g, a]) : null,
  ]);
  return y;
}

/**
 * Element-wise quotient `a / b`.
 *
 * @example
 * ```ts
 * import { div, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await div(Tensor.from([3], [1]), Tensor.from([2], [1])).read()); // [1.5]
 * ```
 */
export function div(a: Tensor, b: Tensor): Tensor {
  const y = mapElements("div", "a / b", [a, b]);
  record1([a, b], y, (g) => [
    a.requiresGrad ? mapElements("div", "a / b", [g, b]) : null,
    b.requiresGrad ? mapElements("div_grad_b", "-a * b / (c * c)", [g, a, b]) : null,
  ]);
  return y;
}

/**
 * Multiplies by a constant.
 *
 * @example
 * ```ts
 * import { initGpu, scale, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await scale(Tensor.from([3], [1]), 2).read()); // [6]
 * ```
 */
export function scale(a: Tensor, s: number): Tensor {
  const y = mapElements("scale", "a * p.s0", [a], [s]);
  record1([a], y, (g) => [scale(g, s)]);
  return y;
}

/**
 * Negation.
 *
 * @example
 * ```ts
 * import { initGpu, neg, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await neg(Tensor.from([3], [1])).read()); // [-3]
 * ```
 */
export function neg(a: Tensor): Tensor {
  const y = mapElements("neg", "-a", [a]);
  record1([a], y, (g) => [neg(g)]);
  return y;
}

/**
 * Absolute value; its gradient is `sign(a)` (0 at 0).
 *
 * @example
 * ```ts
 * import { abs, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await abs(Tensor.from([-3], [1])).read()); // [3]
 * ```
 */
export function abs(a: Tensor): Tensor {
  const y = mapElements("abs", "abs(a)", [a]);
  record1([a], y, (g) => [mapElements("abs_grad", "a * sign(b)", [g, a])]);
  return y;
}

/**
 * `sign` with sign(0) = 0 (as torch.sign and WGSL). Its gradient is zero; binary layers use
 * straight-through estimators instead (see the layers package).
 *
 * @example
 * ```ts
 * import { initGpu, sign, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await sign(Tensor.from([-3, 0, 2], [3])).read()); // [-1, 0, 1]
 * ```
 */
export function sign(a: Tensor): Tensor {
  const y = mapElements("sign", "sign(a)", [a]);
  record1([a], y, () => [null]);
  return y;
}

/**
 * Clamps to [lo, hi]; the gradient passes where lo < a < hi (strict, as PyTorch's Hardtanh).
 *
 * @example
 * ```ts
 * import { clamp, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await clamp(Tensor.from([-3, 0.5], [2]), -1, 1).read()); // [-1, 0.5]
 * ```
 */
export function clamp(a: Tensor, lo: number, hi: number): Tensor {
  const y = mapElements("clamp", "clamp(a, p.s0, p.s1)", [a], [lo, hi]);
  record1([a], y, (g) => [
    mapElements("clamp_grad", "select(0.0, a, b > p.s0 && b < p.s1)", [g, a], [lo, hi]),
  ]);
  return y;
}

/**
 * Hardtanh: clamp to [−1, 1] with the strict-window gradient.
 *
 * @example
 * ```ts
 * import { hardtanh, initGpu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await hardtanh(Tensor.from([2], [1])).read()); // [1]
 * ```
 */
export function hardtanh(a: Tensor): Tensor {
  return clamp(a, -1, 1);
}

/**
 * Rectified linear unit; gradient 1 where a > 0.
 *
 * @example
 * ```ts
 * import { initGpu, relu, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await relu(Tensor.from([-1, 2], [2])).read()); // [0, 2]
 * ```
 */
export function relu(a: Tensor): Tensor {
  const y = mapElements("relu", "max(a, 0.0)", [a]);
  record1([a], y, (g) => [mapElements("relu_grad", "select(0.0, a, b > 0.0)", [g, a])]);
  return y;
}

/**
 * A tensor of ones with the shape of `t`.
 *
 * @example
 * ```ts
 * import { initGpu, onesLike, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * console.log(await onesLike(Tensor.zeros([2])).read()); // [1, 1]
 * ```
 */
export function onesLike(t: Tensor): Tensor {
  return Tensor.full(t.shape, 1);
}

installTapeOps((a, b) => mapElements("add", "a + b", [a, b]), onesLike);
