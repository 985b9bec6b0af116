/**
 * Dense-op rows of `deno task bench`: matmul at 512³ and the three convolution products at
 * ResNet-20 shapes, each beside a naive one-output-per-invocation kernel run in the same
 * process, and a full conv2d forward + backward step with its dispatch count.
 *
 * @module
 */
import { backward, conv2d, matmul, sum, Tensor } from "@ovsw/gpu";
import { conv2dForward, conv2dGradInput, conv2dGradWeight } from "@ovsw/gpu/internal";
import { Prng } from "@ovsw/init";
import { type BenchOptions, type BenchTable, gflops, timeIt } from "./bench_table.ts";
import { naiveConv, naiveMatmul } from "./bench_naive.ts";

/**
 * Batch at which the naive convolution baselines run (GFLOP/s is a rate, so it compares):
 * naive kernels at N=128 take minutes here, and on llvmpipe a naive grad-weight invocation
 * that loops over more than ~32k pixels was seen to return wrong sums.
 */
const BASELINE_BATCH = 16;

async function maxRelDiff(a: Tensor, b: Tensor): Promise<number> {
  const [x, y] = [await a.read(), await b.read()];
  let err = 0;
  let ref = 0;
  for (let i = 0; i < x.length; i++) {
    err = Math.max(err, Math.abs(x[i] - y[i]));
    ref = Math.max(ref, Math.abs(y[i]));
  }
  a.dispose();
  b.dispose();
  return err / Math.max(ref, 1e-30);
}

function check(diff: number): string {
  return diff <= 1e-4 ? `matches naive (${diff.toExponential(0)})` : `MISMATCH ${diff}`;
}

/**
 * Adds the dense rows to `table`.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { BenchTable } from "./bench_table.ts";
 * import { benchDense } from "./bench_dense.ts";
 * await initGpu();
 * const table = new BenchTable();
 * await benchDense(table, { batch: 2, iters: 1 });
 * table.print();
 * ```
 */
export async function benchDense(table: BenchTable, options: BenchOptions): Promise<void> {
  const rng = new Prng(7);
  const { batch, iters } = options;
  const slowIters = Math.max(1, Math.ceil(iters / 3));

  const n = 512;
  const a = Tensor.from(rng.normalArray(n * n), [n, n]);
  const b = Tensor.from(rng.normalArray(n * n), [n, n]);
  const fast = await timeIt(() => matmul(a, b), { iters });
  const slow = await timeIt(() => naiveMatmul(a, b), { iters: slowIters });
  const flop = 2 * n ** 3;
  table.add({
    group: "matmul",
    name: "512³ register-tiled",
    value: gflops(flop, fast.ms),
    unit: "GFLOP/s",
    baseline: gflops(flop, slow.ms),
    timing: fast,
    note: check(await maxRelDiff(matmul(a, b), naiveMatmul(a, b))),
  });
  a.dispose();
  b.dispose();

  for (const [C, S] of [[16, 32], [32, 16], [64, 8]]) {
    const opts = { stride: 1, padding: 1 };
    const w = Tensor.from(rng.normalArray(C * C * 9, 0, 0.1), [C, C, 3, 3]);
    const make = (N: number) => ({
      N,
      geo: { N, C, H: S, W: S, O: C, K: 3, stride: 1, pad: 1 },
      x: Tensor.from(rng.normalArray(N * C * S * S), [N, C, S, S]),
      dy: Tensor.from(rng.normalArray(N * C * S * S), [N, C, S, S]),
    });
    const big = make(batch);
    const small = make(Math.min(batch, BASELINE_BATCH));
    const flopAt = (N: number) => 2 * N * C * C * 9 * S * S;
    const shape = `${C}ch ${S}×${S} N=${batch}`;
    type Sized = ReturnType<typeof make>;
    const cases = [
      {
        name: "forward",
        fast: (d: Sized) => conv2dForward(d.x, w, opts),
        slow: (d: Sized) => naiveConv("forward", d.geo, d.x, w),
      },
      {
        name: "grad-input",
        fast: (d: Sized) => conv2dGradInput(d.dy, w, d.x.shape, opts),
        slow: (d: Sized) => naiveConv("gradInput", d.geo, d.dy, w),
      },
      {
        name: "grad-weight",
        fast: (d: Sized) => conv2dGradWeight(d.x, d.dy, w.shape, opts),
        slow: (d: Sized) => naiveConv("gradWeight", d.geo, d.x, d.dy),
      },
    ];
    for (const c of cases) {
      const tf = await timeIt(() => c.fast(big), { iters });
      const ts = await timeIt(() => c.slow(small), { iters: slowIters });
      table.add({
        group: "conv2d 3×3 p1",
        name: `${c.name} ${shape}`,
        value: gflops(flopAt(big.N), tf.ms),
        unit: "GFLOP/s",
        baseline: gflops(flopAt(small.N), ts.ms),
        timing: tf,
        note: `baseline at N=${small.N}; ` +
          check(await maxRelDiff(c.fast(small), c.slow(small))),
      });
    }
    const { x } = big;
    w.requiresGrad = true;
    x.requiresGrad = true;
    const step = await timeIt(() => {
      backward(sum(conv2d(x, w, opts)), [x, w]);
    }, { iters });
    w.requiresGrad = false;
    x.requiresGrad = false;
    table.add({
      group: "conv2d 3×3 p1",
      name: `fwd+bwd step ${shape}`,
      value: step.ms,
      unit: "ms",
      timing: step,
      note: "conv2d → sum → backward (x and w)",
    });
    for (const t of [w, big.x, big.dy, small.x, small.dy]) t.dispose();
  }
}
