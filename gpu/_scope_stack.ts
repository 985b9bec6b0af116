/**
 * The stack of open {@link tidy} scopes (internal): the Tensor constructor registers each new
 * tensor with the innermost one, `dispose` removes it, and the tape clears itself when the
 * outermost scope exits.
 *
 * @module
 */
import type { Tensor } from "./tensor.ts";

/** Brand carried by every Tensor, so scopes can find tensors in returned values. */
export const TENSOR_BRAND: unique symbol = Symbol.for("ovsw.tensor");

/** The open scopes, innermost last. */
export const scopes: Set<Tensor>[] = [];
let onOutermostExit: (() => void)[] = [];

/** Registers a new tensor with the innermost scope (called by the Tensor constructor). */
export function track(t: Tensor): void {
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
}

/** Removes a tensor from whatever scope holds it (called on dispose). */
export function untrack(t: Tensor): void {
  for (let i = scopes.length - 1; i >= 0; i--) {
    if (scopes[i].delete(t)) return;
  }
}

/** Registers a callback run when the outermost scope exits (the autograd tape is cleared so). */
export function atOutermostExit(fn: () => void): void {
  onOutermostExit.push(fn);
}

/** Runs and clears the callbacks registered with {@link atOutermostExit}. */
export function exitOutermost(): void {
  const fns = onOutermostExit;
  onOutermostExit = [];
  for (const fn of fns) fn();
}
