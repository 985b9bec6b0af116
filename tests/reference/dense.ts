/**
 * Plain float64 CPU reference for the dense ops: matmul, linear and conv2d (forward,
 * grad-input, grad-weight). Slow and obvious on purpose; tests compare the GPU kernels to it.
 *
 * @module
 */

/** A float64 array with a shape (row-major). */
export interface Arr {
  /** Values, row-major. */
  data: Float64Array;
  /** Dimensions, outermost first. */
  shape: number[];
}

/** Wraps values (e.g. the f32 inputs given to the GPU) as a float64 {@link Arr}. */
export function arr(values: ArrayLike<number>, shape: number[]): Arr {
  const n = shape.reduce((a, b) => a * b, 1);
  if (values.length !== n) throw new RangeError(`arr: ${values.length} values for [${shape}]`);
  return { data: Float64Array.from(values), shape: [...shape] };
}

/** `op(a) · op(b)` where op transposes when asked; a is [M, K] (or [K, M]), b [K, N] (or [N, K]). */
export function matmulRef(a: Arr, b: Arr, transA = false, transB = false): Arr {
  const [ar, ac] = a.shape;
  const [br, bc] = b.shape;
  const M = transA ? ac : ar;
  const K = transA ? ar : ac;
  const N = transB ? br : bc;
  const Kb = transB ? bc : br;
  if (K !== Kb) throw new RangeError(`matmulRef: inner dimensions ${K} and ${Kb} differ`);
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const av = transA ? a.data[k * M + i] : a.data[i * K + k];
        const bv = transB ? b.data[j * K + k] : b.data[k * N + j];
        s += av * bv;
      }
      out[i * N + j] = s;
    }
  }
  return { data: out, shape: [M, N] };
}

/** `x · wᵀ + b` with x [N, in], w [out, in], b [out] (PyTorch's `F.linear`). */
export function linearRef(x: Arr, w: Arr, b?: Arr): Arr {
  const y = matmulRef(x, w, false, true);
  if (b) {
    const out = y.shape[1];
    for (let i = 0; i < y.data.length; i++) y.data[i] += b.data[i % out];
  }
  return y;
}

/** Output spatial size of a convolution along one axis. */
export function convOutSize(size: number, k: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - k) / stride) + 1;
}

/** Convolution geometry shared by the three conv references. */
export interface ConvGeom {
  /** Stride (both axes). */
  stride: number;
  /** Zero padding (both axes). */
  padding: number;
}

/**
 * Visits every in-bounds multiply of a convolution of x `xShape` with w `wShape` into an
 * `[N, O, OH, OW]` output, in the order n, o, oh, ow, c, kh, kw, as flat indices into y, x and w.
 */
function forEachTap(
  xShape: number[],
  wShape: number[],
  OH: number,
  OW: number,
  { stride, padding }: ConvGeom,
  visit: (yi: number, xi: number, wi: number) => void,
): void {
  const [N, C, H, W] = xShape;
  const [O, , KH, KW] = wShape;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const yi = ((n * O + o) * OH + oh) * OW + ow;
          for (let c = 0; c < C; c++) {
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * stride - padding + kh;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * stride - padding + kw;
                if (iw < 0 || iw >= W) continue;
                visit(yi, ((n * C + c) * H + ih) * W + iw, ((o * C + c) * KH + kh) * KW + kw);
              }
            }
          }
        }
      }
    }
  }
}

/** NCHW cross-correlation without bias: x [N, C, H, W], w [O, C, kh, kw] → [N, O, OH, OW]. */
export function conv2dRef(x: Arr, w: Arr, geom: ConvGeom): Arr {
  const [N, C, H, W] = x.shape;
  const [O, C2, KH, KW] = w.shape;
  if (C !== C2) throw new RangeError(`conv2dRef: ${C} input channels, weight has ${C2}`);
  const OH = convOutSize(H, KH, geom.stride, geom.padding);
  const OW = convOutSize(W, KW, geom.stride, geom.padding);
  const y = new Float64Array(N * O * OH * OW);
  forEachTap(x.shape, w.shape, OH, OW, geom, (yi, xi, wi) => {
    y[yi] += w.data[wi] * x.data[xi];
  });
  return { data: y, shape: [N, O, OH, OW] };
}

/** Gradient of {@link conv2dRef} with respect to x, given dy [N, O, OH, OW]. */
export function conv2dGradInputRef(
  dy: Arr,
  w: Arr,
  inputShape: number[],
  geom: ConvGeom,
): Arr {
  const [N, C, H, W] = inputShape;
  const [, , OH, OW] = dy.shape;
  const dx = new Float64Array(N * C * H * W);
  forEachTap(inputShape, w.shape, OH, OW, geom, (yi, xi, wi) => {
    dx[xi] += dy.data[yi] * w.data[wi];
  });
  return { data: dx, shape: [N, C, H, W] };
}

/** Gradient of {@link conv2dRef} with respect to w, given x and dy. */
export function conv2dGradWeightRef(
  x: Arr,
  dy: Arr,
  weightShape: number[],
  geom: ConvGeom,
): Arr {
  const [, C] = x.shape;
  const [O, , KH, KW] = weightShape;
  const [, , OH, OW] = dy.shape;
  const dw = new Float64Array(O * C * KH * KW);
  forEachTap(x.shape, weightShape, OH, OW, geom, (yi, xi, wi) => {
    dw[wi] += dy.data[yi] * x.data[xi];
  });
  return { data: dw, shape: [O, C, KH, KW] };
}
