import {
  backward,
  type BinaryConvKernels,
  FLOAT_BINARY_CONV_KERNELS,
  mul,
  setBinaryConvKernels,
  sum,
  Tensor,
  tidy,
} from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import { withZeros } from "../tests/reference/binary_conv.ts";
import { binaryConv2d } from "./binary_conv2d_op.ts";

await setupGpu();

const CASES = [
  { x: [2, 3, 5, 6], w: [5, 3, 3, 3], stride: 1, padding: 1 },
  { x: [2, 37, 6, 6], w: [9, 37, 3, 3], stride: 2, padding: 1 },
  { x: [3, 33, 4, 5], w: [4, 33, 1, 1], stride: 1, padding: 0 },
];

async function run(
  kernels: Partial<BinaryConvKernels>,
  c: typeof CASES[number],
  d: { x: Float32Array; w: Float32Array; gy: Float32Array; a: Float32Array },
  estimator: string,
  training: boolean,
  learnedAlpha: boolean,
): Promise<Float32Array[]> {
  setBinaryConvKernels({ ...FLOAT_BINARY_CONV_KERNELS, ...kernels });
  try {
    const out = tidy(() => {
      const x = Tensor.from(d.x, c.x);
      const w = Tensor.from(d.w, c.w);
      const alpha = learnedAlpha ? Tensor.from(d.a, [c.w[0]]) : undefined;
      for (const t of [x, w, alpha]) if (t) t.requiresGrad = true;
      const y = binaryConv2d(x, w, { ...c, estimator, training, alpha });
      const gyT = Tensor.from(d.gy, y.shape);
      const grads = backward(sum(mul(y, gyT)), alpha ? [x, w, alpha] : [x, w]);
      return [y, ...grads.map((g) => g!)];
    });
    const vals = await Promise.all(out.map((t) => t.read()));
    out.forEach((t) => t.dispose());
    return vals;
  } finally {
    setBinaryConvKernels(null);
  }
}

// Each entry of the (op, implementation) table on its own, then all XNOR entries together,
// against the all-float path; ste_v2 (no signForward) must ignore the table.
for (
  const [estimator, kernels] of [
    ["ste", { forward: "xnor" }],
    ["hardtanh", { gradInput: "xnor" }],
    ["hardtanhv2", { gradWeight: "xnor" }],
    ["ste", { forward: "xnor", gradInput: "xnor", gradWeight: "xnor" }],
    ["hardtanhv2", { forward: "xnor", gradInput: "float", gradWeight: "xnor" }],
    ["ste_v2", { forward: "xnor", gradInput: "xnor", gradWeight: "xnor" }],
  ] as [string, Partial<BinaryConvKernels>][]
) {
  Deno.test(`binaryConv2d: kernels ${JSON.stringify(kernels)} equal the float path (${estimator})`, async () => {
    for (const c of CASES) {
      for (const [training, learned] of [[true, false], [false, false], [true, true]]) {
        const seed = freshSeed();
        const rng = new Prng(seed);
        const oShape = [
          c.x[0],
          c.w[0],
          Math.floor((c.x[2] + 2 * c.padding - c.w[2]) / c.stride) + 1,
          Math.floor((c.x[3] + 2 * c.padding - c.w[3]) / c.stride) + 1,
        ];
        const d = {
          x: withZeros(c.x.reduce((a, b) => a * b), rng, 0.7),
          w: withZeros(c.w.reduce((a, b) => a * b), rng, 0.5),
          gy: rng.normalArray(oShape.reduce((a, b) => a * b)),
          a: rng.uniformArray(c.w[0], 0.5, 1.5),
        };
        const fast = await run(kernels, c, d, estimator, training, learned);
        const ref = await run(FLOAT_BINARY_CONV_KERNELS, c, d, estimator, training, learned);
        const what = `seed ${seed}, ${estimator}, x ${c.x}, w ${c.w}, train ${training}, ` +
          `learned α ${learned}`;
        ["y", "dL/dx", "dL/dW", "dL/dα"].slice(0, ref.length).forEach((name, i) =>
          assertClose(fast[i], ref[i], 1e-5, `${what}: ${name}`)
        );
      }
    }
  });
}
