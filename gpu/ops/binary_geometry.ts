/**
 * Shape checks and output sizes shared by the binary conv kernels.
 *
 * @module
 */
import { shapeStr, type Tensor } from "../tensor.ts";

/**
 * Stride and zero padding of a binary conv (the same along both spatial axes). The stride must
 * be a power of two (the grad-input kernel turns its divisions into shifts).
 */
export interface BinaryConvOptions {
  /** Stride (default 1). */
  stride?: number;
  /** Zero padding of the binarised input on every side (default 0). */
  padding?: number;
}

/** Every size a binary conv kernel needs, resolved and checked. */
export interface BinaryConvGeometry {
  /** Batch size. */
  n: number;
  /** Input channels. */
  c: number;
  /** Input height. */
  h: number;
  /** Input width. */
  w: number;
  /** Output channels. */
  o: number;
  /** Kernel height. */
  kh: number;
  /** Kernel width. */
  kw: number;
  /** Output height. */
  ho: number;
  /** Output width. */
  wo: number;
  /** Stride. */
  stride: number;
  /** Padding. */
  padding: number;
  /** 32-bit words per pixel and sign plane: ⌈C/32⌉. */
  cw: number;
}

/**
 * Checks an input `[N, C, H, W]` against a weight `[O, C, kh, kw]` and resolves the output size.
 *
 * @example
 * ```ts
 * import { binaryConvGeometry } from "@ovsw/gpu/internal";
 * const g = binaryConvGeometry([2, 3, 8, 8], [4, 3, 3, 3], { stride: 2, padding: 1 }, "demo");
 * console.log(g.ho, g.wo); // 4 4
 * ```
 */
export function binaryConvGeometry(
  xShape: readonly number[],
  wShape: readonly number[],
  opts: BinaryConvOptions,
  what: string,
): BinaryConvGeometry {
  const stride = opts.stride ?? 1;
  const padding = opts.padding ?? 0;
  if (xShape.length !== 4) {
    throw new RangeError(`${what}: input must be [N, C, H, W], got ${shapeStr(xShape)}`);
  }
  if (wShape.length !== 4) {
    throw new RangeError(`${what}: weight must be [O, C, kh, kw], got ${shapeStr(wShape)}`);
  }
  if (!Number.isInteger(stride) || stride < 1 || !Number.isInteger(Math.log2(stride))) {
    throw new RangeError(`${what}: stride must be a power of two (1, 2, 4, …), got ${stride}`);
  }
  if (!Number.isInteger(padding) || padding < 0) {
    throw new RangeError(`${what}: padding must be a non-negative integer, got ${padding}`);
  }
  const [n, c, h, w] = xShape;
  const [o, wc, kh, kw] = wShape;
  if (wc !== c) {
    throw new RangeError(
      `${what}: input ${shapeStr(xShape)} has ${c} channels but weight ${
        shapeStr(wShape)
      } expects ${wc}`,
    );
  }
  const ho = Math.floor((h + 2 * padding - kh) / stride) + 1;
  const wo = Math.floor((w + 2 * padding - kw) / stride) + 1;
  if (ho < 1 || wo < 1 || kh < 1 || kw < 1 || o < 1 || c < 1) {
    throw new RangeError(
      `${what}: input ${shapeStr(xShape)} and weight ${
        shapeStr(wShape)
      } with stride ${stride}, padding ${padding} give an empty output`,
    );
  }
  return { n, c, h, w, o, kh, kw, ho, wo, stride, padding, cw: Math.ceil(c / 32) };
}

/** Throws unless `t` is f32 with exactly `shape`. */
export function expectShape(t: Tensor, shape: readonly number[], what: string): void {
  if (
    t.dtype !== "f32" || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])
  ) {
    throw new RangeError(
      `${what}: expected f32 ${shapeStr(shape)}, got ${t.dtype} ${shapeStr(t.shape)}`,
    );
  }
}

/** Throws unless `t` is a u32 tensor with exactly `shape` (packed bits). */
export function expectBits(t: Tensor, shape: readonly number[], what: string): void {
  if (
    t.dtype !== "u32" || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])
  ) {
    throw new RangeError(
      `${what}: expected packed u32 ${shapeStr(shape)}, got ${t.dtype} ${shapeStr(t.shape)}`,
    );
  }
}

/** 2-D workgroup counts for `tiles` invocations at `perGroup` each (x ≤ 65535). */
export function tileGrid(tiles: number, perGroup: number): [number, number] {
  const groups = Math.ceil(tiles / perGroup);
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}

/**
 * The geometry as the leading uniforms of the binary conv kernels, in their struct order:
 * n, c, h, w, o, kh, kw, ho, wo, stride, pad, cw.
 *
 * @example
 * ```ts
 * import { binaryConvGeometry, geometryUniforms } from "./binary_geometry.ts";
 * const g = binaryConvGeometry([2, 3, 8, 8], [4, 3, 3, 3], { stride: 2, padding: 1 }, "demo");
 * console.log(geometryUniforms(g)); // [2, 3, 8, 8, 4, 3, 3, 4, 4, 2, 1, 1]
 * ```
 */
export function geometryUniforms(g: BinaryConvGeometry): number[] {
  return [g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.ho, g.wo, g.stride, g.padding, g.cw];
}
