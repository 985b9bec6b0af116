/**
 * Reverse-mode automatic differentiation over a tape of recorded ops.
 *
 * Ops call {@link record} (or {@link record1}) after computing their outputs; when gradients
 * are enabled and an input requires them, the op's backward closure is stored. {@link backward}
 * walks the tape in reverse and returns the gradient of a scalar for the tensors asked for.
 *
 * @module
 */
import { atOutermostExit } from "./_scope_stack.ts";
import type { Tensor } from "./tensor.ts";

/** Computes input gradients from output gradients (`null` where an output got none). */
export type BackwardFn = (gradOutputs: (Tensor | null)[]) => (Tensor | null)[];

interface Node {
  inputs: Tensor[];
  outputs: Tensor[];
  backward: BackwardFn;
}

let tape: Node[] = [];
let gradEnabled = true;
let clearScheduled = false;

/** Whether ops currently record onto the tape. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs `fn` with the tape off (evaluation, optimizer updates, backward passes themselves).
 *
 * @example
 * ```ts
 * import { add, initGpu, noGrad, Tensor } from "@ovsw/gpu";
 * await initGpu();
 * const w = Tensor.from([1], [1]);
 * w.requiresGrad = true;
 * const y = noGrad(() => add(w, w));
 * console.log(y.requiresGrad); // false
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Whether an op with these inputs must record itself. */
export function needsGrad(inputs: readonly (Tensor | null | undefined)[]): boolean {
  return gradEnabled && inputs.some((t) => t?.requiresGrad === true);
}

/**
 * Records an op with several outputs. Marks the outputs as requiring gradients.
 * Does nothing when no input requires a gradient or the tape is off.
 *
 * @example
 * ```ts
 * import { record, type Tensor } from "@ovsw/gpu";
 * function identity(x: Tensor): Tensor {
 *   const y = x.view(x.shape);
 *   record([x], [y], ([g]) => [g]);
 *   return y;
 * }
 * ```
 */
export function record(inputs: Tensor[], outputs: Tensor[], backward: BackwardFn): void {
  if (!needsGrad(inputs)) return;
  for (const o of outputs) o.requiresGrad = true;
  tape.push({ inputs, outputs, backward });
  if (!clearScheduled) {
    clearScheduled = true;
    atOutermostExit(() => {
      clearScheduled = false;
      tape = [];
    });
  }
}

/**
 * Records a single-output op; `backward` receives the output's gradient.
 *
 * @example
 * ```ts
 * import { record1, scale, type Tensor } from "@ovsw/gpu";
 * function twice(x: Tensor): Tensor {
 *   const y = scale(x, 2);
 *   record1([x], y, (g) => [scale(g, 2)]);
 *   return y;
 * }
 * ```
 */
export function record1(
  inputs: Tensor[],
  output: Tensor,
  backward: (grad: Tensor) => (Tensor | null)[],
): void {
  record(inputs, [output], ([g]) => backward(g!));
}

/** The gradients gathered so far by the running {@link backward}, and those taken over. */
let running: { grads: Map<number, Tensor>; taken: Set<number> } | null = null;

/**
 * For an op's backward function: takes over the gradient already gathered for `input` (from
 * ops later in the graph), so that the op can add its own contribution inside its kernel
 * instead of the tape adding the two in a separate pass. The op must then return the sum as
 * `input`'s gradient. Returns null when there is none (or outside `backward`).
 *
 * @example
 * ```ts
 * import { add, backward, initGpu, record1, Tensor, takeGradient, tidy } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([1, 2], [2]);
 * x.requiresGrad = true;
 * function double(t: Tensor): Tensor {
 *   const y = add(t, t);
 *   // 2·g, plus what x already had (its other use below), in one step.
 *   record1([t], y, (g) => {
 *     const prior = takeGradient(t);
 *     return [prior ? add(add(g, g), prior) : add(g, g)];
 *   });
 *   return y;
 * }
 * const g = tidy(() => backward(add(double(x), x), [x], Tensor.from([1, 1], [2]))[0]!);
 * console.log(await g.read()); // [3, 3]
 * ```
 */
export function takeGradient(input: Tensor): Tensor | null {
  if (!running || running.taken.has(input.id)) return null;
  const g = running.grads.get(input.id);
  if (!g) return null;
  running.taken.add(input.id);
  return g;
}

/** Adds two gradients; installed by the ops module to avoid an import cycle. */
let addGrads: ((a: Tensor, b: Tensor) => Tensor) | null = null;
/** A tensor of ones like `t`; installed by the ops module. */
let onesLike: ((t: Tensor) => Tensor) | null = null;

/** Installs the two ops the tape needs (done once by `ops/elementwise.ts`). */
export function installTapeOps(
  add: (a: Tensor, b: Tensor) => Tensor,
  ones: (t: Tensor) => Tensor,
): void {
  addGrads = add;
  onesLike = ones;
}

/**
 * Back-propagates from `loss` (a scalar unless `seed` is given) and returns the gradient of
 * each tensor in `wrt` (zeros-free: a tensor the loss does not depend on maps to `null`).
 * Clears the tape. Gradients are new tensors owned by the enclosing scope.
 *
 * @example
 * ```ts
 * import { backward, initGpu, mul, sum, Tensor, tidy } from "@ovsw/gpu";
 * await initGpu();
 * const w = Tensor.from([1, 2, 3], [3]);
 * w.requiresGrad = true;
 * const g = tidy(() => backward(sum(mul(w, w)), [w])[0]!);
 * console.log(await g.read()); // [2, 4, 6]
 * ```
 */
export function backward(loss: Tensor, wrt: Tensor[], seed?: Tensor): (Tensor | null)[] {
  if (!seed && loss.size !== 1) {
    throw new RangeError(`backward(): loss must be a scalar, got ${loss.size} elements`);
  }
  const grads = new Map<number, Tensor>();
  const owned = new Set<Tensor>();
  const nodes = tape;
  tape = [];
  const wanted = new Set(wrt.map((t) => t.id));
  grads.set(loss.id, seed ?? onesLike!(loss));
  if (!seed) owned.add(grads.get(loss.id)!);
  const prev = gradEnabled;
  const prevRunning = running;
  gradEnabled = false;
  const taken = new Set<number>();
  running = { grads, taken };
  try {
    for (let n = nodes.length - 1; n >= 0; n--) {
      const node = nodes[n];
      const outGrads = node.outputs.map((o) => grads.get(o.id) ?? null);
      if (outGrads.every((g) => g === null)) continue;
      taken.clear();
      const inGrads = node.backward(outGrads);
      // Output gradients are no longer needed unless the caller asked for that tensor, or the
      // op passed one through unchanged as an input gradient.
      node.outputs.forEach((o) => {
        const g = grads.get(o.id);
        if (g && !wanted.has(o.id)) {
          grads.delete(o.id);
          const passedOn = inGrads.some((ig) => ig !== null && ig.sharesStorageWith(g));
          if (owned.has(g) && !passedOn) {
            owned.delete(g);
            g.dispose();
          }
        }
      });
      node.inputs.forEach((input, i) => {
        const g = inGrads[i];
        if (!g || !input.requiresGrad) return;
        if (g.size !== input.size) {
          throw new Error(
            `backward: gradient of ${g.size} elements for an input of ${input.size} elements`,
          );
        }
        const gi = g.shape.length === input.shape.length ? g : g.view(input.shape);
        const existing = grads.get(input.id);
        if (existing && taken.has(input.id)) {
          // The op took the gathered gradient over and returned the sum.
          taken.delete(input.id);
          if (owned.has(existing) && !gi.sharesStorageWith(existing)) {
            owned.delete(existing);
            existing.dispose();
          }
          grads.set(input.id, gi);
        } else if (existing) {
          const summed = addGrads!(existing, gi);
          if (owned.has(existing)) {
            owned.delete(existing);
            existing.dispose();
          }
          grads.set(input.id, summed);
          owned.add(summed);
        } else {
          grads.set(input.id, gi);
        }
      });
    }
  } finally {
    gradEnabled = prev;
    running = prevRunning;
  }
  return wrt.map((t) => grads.get(t.id) ?? null);
}
