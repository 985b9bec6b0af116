/**
 * IEEE 754 binary16 conversion (round to nearest, ties to even), written out so that it runs
 * on every runtime (no `Float16Array` needed).
 *
 * @module
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The binary16 bits nearest to `v` (after rounding `v` to f32).
 *
 * @example
 * ```ts
 * import { toHalfBits } from "@ovsw/infer";
 * console.log(toHalfBits(1).toString(16), toHalfBits(-2).toString(16)); // 3c00 c000
 * ```
 */
export function toHalfBits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++; // a carry rounds up into the exponent
  return sign | h;
}

/**
 * The value of binary16 bits.
 *
 * @example
 * ```ts
 * import { fromHalfBits } from "@ovsw/infer";
 * console.log(fromHalfBits(0x3555)); // 0.333251953125
 * ```
 */
export function fromHalfBits(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
