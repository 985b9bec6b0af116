/**
 * Combinators: {@link chain} runs transformations in sequence, {@link masked} applies one to a
 * subset of the parameters, {@link partition} routes parameter groups to different ones.
 *
 * @module
 */
import type { Tensor } from "@ovsw/gpu";
import type { GradientTransformation, OptState, Params, Selector, Updates } from "./types.ts";
import { compact } from "./_util.ts";

/**
 * Runs transformations one after another; the state is the array of their states.
 * Intermediate update tensors are freed as soon as the next transformation has replaced them.
 *
 * @example
 * ```ts
 * import { addDecayedWeights, chain, scaleByLearningRate, trace } from "@ovsw/optim";
 * const sgdLike = chain(addDecayedWeights(5e-4), trace({ momentum: 0.9 }), scaleByLearningRate(0.1));
 * console.log(sgdLike.name); // chain(addDecayedWeights, trace, scaleByLearningRate)
 * ```
 */
export function chain(...transforms: GradientTransformation[]): GradientTransformation<OptState[]> {
  return {
    name: `chain(${transforms.map((t) => t.name).join(", ")})`,
    init: (params) => transforms.map((t) => t.init(params)),
    update(updates, state, params) {
      if (!Array.isArray(state) || state.length !== transforms.length) {
        throw new Error(
          `${this.name}: state is not this chain's state (expected ${transforms.length} entries)`,
        );
      }
      const inputs = new Set(Object.values(updates).filter((t): t is Tensor => !!t));
      let current = compact(updates);
      transforms.forEach((t, i) => {
        const r = t.update(current, state[i], params);
        state[i] = r.state;
        const next = r.updates;
        const still = new Set(Object.values(next));
        for (const old of Object.values(current)) {
          if (!inputs.has(old) && !still.has(old)) old.dispose();
        }
        current = next;
      });
      return { updates: current, state };
    },
  };
}

function subset(record: Params, sel: Selector, params: Params): Params;
function subset(record: Updates, sel: Selector, params: Params): Updates;
function subset(record: Updates, sel: Selector, params: Params): Updates {
  const out: Updates = {};
  for (const [k, v] of Object.entries(record)) {
    const p = params[k];
    if (p && sel(k, p)) out[k] = v;
  }
  return out;
}

/**
 * Applies `transform` only to the parameters chosen by `selector`; the others' updates pass
 * through unchanged. The state is the inner transformation's state.
 *
 * @example
 * ```ts
 * import { ags, isBinary, masked } from "@ovsw/optim";
 * const agsOnBinary = masked(ags({ delta: 0.04 }), isBinary);
 * console.log(agsOnBinary.name); // masked(ags)
 * ```
 */
export function masked<S extends OptState>(
  transform: GradientTransformation<S>,
  selector: Selector,
): GradientTransformation<S> {
  return {
    name: `masked(${transform.name})`,
    init: (params) => transform.init(subset(params, selector, params)),
    update(updates, state, params) {
      const inner = transform.update(subset(updates, selector, params), state, params);
      const out = compact(updates);
      for (const k of Object.keys(out)) {
        const p = params[k];
        if (p && selector(k, p)) delete out[k];
      }
      Object.assign(out, inner.updates);
      return { updates: out, state: inner.state };
    },
  };
}

/**
 * Routes each parameter to the transformation of its label (`labelFn(name, param)`); the state
 * is a record of the per-label states. Every parameter must get a label that has a transform.
 *
 * @example
 * ```ts
 * import { adam, isVector, partition, sgd } from "@ovsw/optim";
 * const tx = partition(
 *   { weights: sgd({ learningRate: 0.1, momentum: 0.9 }), vectors: adam({ learningRate: 1e-3 }) },
 *   (name, p) => (isVector(name, p) ? "vectors" : "weights"),
 * );
 * console.log(tx.name);
 * ```
 */
export function partition(
  transforms: Record<string, GradientTransformation>,
  labelFn: (name: string, param: Tensor) => string,
): GradientTransformation<{ [label: string]: OptState }> {
  const labels = Object.keys(transforms);
  const name = `partition(${labels.map((l) => `${l}: ${transforms[l].name}`).join(", ")})`;
  const labelOf = (k: string, p: Tensor): string => {
    const l = labelFn(k, p);
    if (!(l in transforms)) {
      throw new Error(
        `${name}: parameter "${k}" got label "${l}", which has no transform ` +
          `(labels: ${labels.join(", ")})`,
      );
    }
    return l;
  };
  return {
    name,
    init(params) {
      for (const [k, p] of Object.entries(params)) labelOf(k, p);
      const state: { [label: string]: OptState } = {};
      for (const l of labels) {
        state[l] = transforms[l].init(subset(params, (k, p) => labelOf(k, p) === l, params));
      }
      return state;
    },
    update(updates, state, params) {
      const out: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(updates)) {
        if (v && !params[k]) throw new Error(`${name}: got an update for unknown "${k}"`);
      }
      for (const l of labels) {
        const sel: Selector = (k, p) => labelOf(k, p) === l;
        const r = transforms[l].update(subset(updates, sel, params), state[l], params);
        state[l] = r.state;
        Object.assign(out, r.updates);
      }
      return { updates: out, state };
    },
  };
}
