/**
 * Float64 n-d array helpers for the CPU reference: shapes, strides and axis bookkeeping.
 *
 * @module
 */

/** A plain float64 tensor: data and shape (row-major). */
export interface Nd {
  /** Values, row-major. */
  data: Float64Array;
  /** Dimensions, outermost first. */
  shape: number[];
}

/** Makes an {@link Nd} from any numbers. */
export function nd(data: ArrayLike<number>, shape: readonly number[]): Nd {
  const n = shape.reduce((a, d) => a * d, 1);
  if (data.length !== n) throw new Error(`nd: ${data.length} values for shape [${shape}]`);
  return { data: Float64Array.from(data), shape: [...shape] };
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Multi-index of flat index `i`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** Normalised sorted axes. */
export function axesOf(shape: readonly number[], axes: readonly number[]): number[] {
  return [...new Set(axes.map((a) => (a < 0 ? a + shape.length : a)))].sort((a, b) => a - b);
}

/** For every flat element of `shape`, the flat index of its output after reducing `axes`. */
export function outIndexMap(shape: readonly number[], axes: readonly number[]): {
  map: Int32Array;
  nOut: number;
  outShape: number[];
} {
  const ax = axesOf(shape, axes);
  const outShape = shape.filter((_, i) => !ax.includes(i));
  const outStrides = stridesOf(outShape);
  const n = shape.reduce((a, d) => a * d, 1);
  const map = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    let o = 0;
    let k = 0;
    for (let d = 0; d < shape.length; d++) {
      if (ax.includes(d)) continue;
      o += idx[d] * outStrides[k++];
    }
    map[i] = o;
  }
  return { map, nOut: outShape.reduce((a, d) => a * d, 1), outShape };
}
