/**
 * The parameters a weight-decay set selects, as an optimizer selector over a model's
 * parameter names.
 *
 * @module
 */
import { BatchNormBase, type Module } from "@ovsw/layers";
import { isVector, nameMatches, not, type Selector } from "@ovsw/optim";
import type { DecaySet } from "./recipe.ts";

/** The parameter names of the modules `pick` selects (each module's own and nested ones). */
function namesOf(model: Module, pick: (m: Module) => boolean): string[] {
  const out = new Set<string>();
  for (const [name, m] of model.namedModules()) {
    if (pick(m)) { for (const [n] of m.namedParameters(name)) out.add(n); }
  }
  return [...out];
}

/** Whether `m` itself owns a binary latent weight (a binary conv of any method). */
function ownsBinaryWeight(m: Module): boolean {
  return m.namedParameters().some(([n, p]) => n === "weight" && p.tag === "binary");
}

/**
 * The weight-decay mask of a set on `model` (`undefined`: every parameter).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { createModel } from "@ovsw/models";
 * import { decayMask } from "@ovsw/train";
 * await initGpu();
 * const model = createModel("vgg-small-28");
 * const mask = decayMask(model, "no-bn")!;
 * const params = model.paramRecord();
 * console.log(mask("bn1.weight", params["bn1.weight"]), mask("fc.weight", params["fc.weight"])); // false true
 * ```
 */
export function decayMask(model: Module, set: DecaySet): Selector | undefined {
  switch (set) {
    case "all":
      return undefined;
    case "no-vector":
      return not(isVector);
    case "no-bn":
      return not(nameMatches(namesOf(model, (m) => m instanceof BatchNormBase)));
    case "no-binary-layers":
      return not(nameMatches(namesOf(model, ownsBinaryWeight)));
  }
}
