/**
 * Output poisoning for tests (internal; `@ovsw/gpu/internal`).
 *
 * @module
 */

let poison = false;

/**
 * Fills every newly created op output with NaN (f32) or 0xDEADBEEF (u32) before use, so a
 * kernel that forgets to write an element fails its test. For tests; off by default.
 *
 * @example
 * ```ts
 * import { setPoison } from "@ovsw/gpu/internal";
 * setPoison(true);
 * setPoison(false);
 * ```
 */
export function setPoison(enabled: boolean): void {
  poison = enabled;
}

/** Whether {@link setPoison} is on. */
export function poisonEnabled(): boolean {
  return poison;
}
