import { backward, mul, setBinaryTiling, sum, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import { withZeros } from "../tests/reference/binary_conv.ts";
import { binaryConv2d } from "./binary_conv2d_op.ts";
import { setBinaryConvKernels } from "./binary_conv2d_xnor.ts";

await setupGpu();

const CASES = [
  { x: [2, 3, 5, 6], w: [5, 3, 3, 3], stride: 1, padding: 1 },
  { x: [2, 37, 6, 6], w: [9, 37, 3, 3], stride: 2, padding: 1 },
  { x: [3, 33, 4, 5], w: [4, 33, 1, 1], stride: 1, padding: 0 },
];

async function run(
  kind: "xnor" | "float",
  c: typeof CASES[number],
  d: { x: Float32Array; w: Float32Array; gy: Float32Array; a: Float32Array },
  estimator: string,
  training: boolean,
  learnedAlpha: boolean,
): Promise<Float32Array[]> {
  setBinaryConvKernels(kind);
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
    setBinaryConvKernels("xnor");
  }
}

for (
  const [estimator, gradInput] of [
    ["ste", "bits"],
    ["ste", "float"],
    ["hardtanh", "bits"],
    ["hardtanhv2", "float"],
  ] as const
) {
  Deno.test(`binaryConv2d: XNOR kernels equal the float path (${estimator}, ${gradInput} grad-input)`, async () => {
    setBinaryTiling({ gradInput });
    try {
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
          const fast = await run("xnor", c, d, estimator, training, learned);
          const ref = await run("float", c, d, estimator, training, learned);
          const what = `seed ${seed}, ${estimator}, x ${c.x}, w ${c.w}, train ${training}, ` +
            `learned α ${learned}`;
          ["y", "dL/dx", "dL/dW", "dL/dα"].slice(0, ref.length).forEach((name, i) =>
            assertClose(fast[i], ref[i], 1e-5, `${what}: ${name}`)
          );
        }
      }
    } finally {
      setBinaryTiling(null);
    }
  });
}
