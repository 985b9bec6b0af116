/**
 * The per-epoch schedule hook shared by the BNN methods (IR-Net's k,t, ReCU's τ, RBNN's t,k,
 * SiMaN's percentile, FDA's η,n): a function the trainer calls BEFORE each epoch.
 *
 * @module
 */
import type { Module } from "../module.ts";

/**
 * Sets a method's schedule values on the layers of `model` before epoch `epoch` (0-based) of
 * `epochs`. A hook walks `model.namedModules()` and updates the method's own layers only;
 * other modules are left alone. A hook that must read back from the GPU (RBNN's rotation
 * update) returns a promise: the trainer awaits every hook's result before the epoch.
 *
 * @example
 * ```ts
 * import type { EpochHook, Module } from "@ovsw/layers";
 * const logEpoch: EpochHook = (model: Module, epoch: number, epochs: number) => {
 *   console.log(`${model.typeName}: epoch ${epoch + 1}/${epochs}`);
 * };
 * ```
 */
export type EpochHook = (model: Module, epoch: number, epochs: number) => void | Promise<void>;

/**
 * Runs several hooks in order (a method with two schedules, or a method plus a user hook).
 * Synchronous hooks run synchronously; after a hook that returns a promise, the rest run
 * once it resolves, and the chain returns a promise.
 *
 * @example
 * ```ts
 * import { chainEpochHooks, type EpochHook, Sequential } from "@ovsw/layers";
 * const seen: number[] = [];
 * const a: EpochHook = (_m, e) => {
 *   seen.push(e);
 * };
 * const b: EpochHook = (_m, e) => {
 *   seen.push(10 * e);
 * };
 * chainEpochHooks(a, b)(new Sequential(), 2, 5);
 * console.log(seen); // [2, 20]
 * ```
 */
export function chainEpochHooks(...hooks: EpochHook[]): EpochHook {
  return (model, epoch, epochs) => {
    const run = (from: number): void | Promise<void> => {
      for (let i = from; i < hooks.length; i++) {
        const done = hooks[i](model, epoch, epochs);
        if (done instanceof Promise) return done.then(() => run(i + 1));
      }
    };
    return run(0);
  };
}

/**
 * Throws a clear error unless `epoch` is an integer in [0, epochs) and `epochs` a positive
 * integer (`who` names the hook or schedule at fault).
 *
 * @example
 * ```ts
 * import { checkEpoch } from "@ovsw/layers";
 * checkEpoch("irnetKT", 0, 10); // ok
 * ```
 */
export function checkEpoch(who: string, epoch: number, epochs: number): void {
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new RangeError(`${who}: epochs must be a positive integer, got ${epochs}`);
  }
  if (!Number.isInteger(epoch) || epoch < 0 || epoch >= epochs) {
    throw new RangeError(`${who}: epoch must be an integer in [0, ${epochs}), got ${epoch}`);
  }
}
