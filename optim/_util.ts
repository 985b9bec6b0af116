/**
 * Small helpers shared by the transformations: hyperparameter evaluation, argument checks and
 * the iteration over present gradients.
 *
 * @module
 */
import { shapeStr, type Tensor } from "@ovsw/gpu";
import type { Hyper, Params, Updates } from "./types.ts";

/** Checks a hyperparameter given as a number or a schedule when the transform is built. */
export function checkHyper(h: unknown, what: string, min = -Infinity): Hyper {
  if (typeof h === "function") return h as Hyper;
  if (typeof h !== "number" || !Number.isFinite(h) || h < min) {
    throw new RangeError(
      `${what} must be a finite number${min > -Infinity ? ` ≥ ${min}` : ""} or a schedule, ` +
        `got ${String(h)}`,
    );
  }
  return h;
}

/** Checks a plain numeric option. */
export function checkNumber(v: unknown, what: string, lo = -Infinity, hi = Infinity): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi) {
    const range = lo > -Infinity || hi < Infinity ? ` in [${lo}, ${hi}]` : "";
    throw new RangeError(`${what} must be a finite number${range}, got ${String(v)}`);
  }
  return v;
}

/**
 * The present (non-null) gradients as `[name, grad, param]` triples, checking that every name
 * is a known parameter of the same size.
 */
export function present(
  who: string,
  updates: Updates,
  params: Params,
): [string, Tensor, Tensor][] {
  const out: [string, Tensor, Tensor][] = [];
  for (const [name, g] of Object.entries(updates)) {
    if (g === null || g === undefined) continue;
    const p = params[name];
    if (!p) throw new Error(`${who}: got an update for "${name}", which is not in params`);
    if (p.size !== g.size) {
      throw new RangeError(
        `${who}: update for "${name}" has shape ${shapeStr(g.shape)}, ` +
          `parameter has ${shapeStr(p.shape)}`,
      );
    }
    if (g.dtype !== "f32" || p.dtype !== "f32") {
      throw new TypeError(`${who}: "${name}" must be f32 (got ${g.dtype}/${p.dtype})`);
    }
    out.push([name, g, p]);
  }
  return out;
}

/** Looks up a per-parameter state tensor, with a clear error when init() did not see it. */
export function stateFor<T>(who: string, table: Record<string, T>, name: string): T {
  const v = table[name];
  if (v === undefined) {
    throw new Error(
      `${who}: no state for parameter "${name}"; pass it to init() (or check the mask)`,
    );
  }
  return v;
}

/** Copies the non-null updates into a plain record of tensors. */
export function compact(updates: Updates): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(updates)) if (v) out[k] = v;
  return out;
}
