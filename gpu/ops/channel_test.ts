import { Prng } from "@ovsw/init";
import { addChannel, backward, mulChannel, Tensor, tidy } from "../mod.ts";
import { assertClose, freshSeed, randn, setupGpu } from "../../tests/util.ts";
import { nd } from "../../tests/reference/nd.ts";
import { refAddChannel, refChannelSum, refMulChannel } from "../../tests/reference/channel.ts";

await setupGpu();

function randomShape(rng: Prng): number[] {
  const shapes = [
    [1 + rng.int(4), 1 + rng.int(6), 1 + rng.int(5), 1 + rng.int(5)],
    [1 + rng.int(6), 1 + rng.int(9)],
    [1 + rng.int(3), 1 + rng.int(5), 1 + rng.int(7)],
  ];
  return shapes[rng.int(shapes.length)];
}

for (const kind of ["add", "mul"] as const) {
  Deno.test(`${kind}Channel forward and backward match the float64 reference`, async () => {
    const seed = freshSeed();
    const rng = new Prng(seed);
    for (let trial = 0; trial < 6; trial++) {
      const shape = randomShape(rng);
      const n = shape.reduce((a, d) => a * d, 1);
      const xs = randn(n, rng);
      const vs = randn(shape[1], rng);
      const gs = randn(n, rng);
      const what = `${kind}Channel seed ${seed} shape [${shape}]`;
      const [y, gx, gv] = tidy(() => {
        const x = Tensor.from(xs, shape);
        const v = Tensor.from(vs, [shape[1]]);
        x.requiresGrad = true;
        v.requiresGrad = true;
        const y = kind === "add" ? addChannel(x, v) : mulChannel(x, v);
        const [gx, gv] = backward(y, [x, v], Tensor.from(gs, shape));
        return [y, gx!, gv!];
      });
      const X = nd(xs, shape);
      const G = nd(gs, shape);
      const ref = kind === "add" ? refAddChannel(X, vs) : refMulChannel(X, vs);
      assertClose(await y.read(), ref.data, 1e-4, `${what} forward`);
      const gxRef = kind === "add" ? G.data : refMulChannel(G, vs).data;
      assertClose(await gx.read(), gxRef, 1e-4, `${what} grad x`);
      const gvRef = kind === "add" ? refChannelSum(G) : refChannelSum(G, X);
      assertClose(await gv.read(), gvRef, 1e-4, `${what} grad channel`);
      for (const t of [y, gx, gv]) t.dispose();
    }
  });
}

Deno.test("addChannel with a wrong channel count names both shapes", () => {
  let msg = "";
  try {
    addChannel(Tensor.zeros([2, 3, 4, 4]), Tensor.zeros([4]));
  } catch (e) {
    msg = (e as Error).message;
  }
  if (!msg.includes("[4]") || !msg.includes("[2, 3, 4, 4]")) throw new Error(msg);
});

Deno.test("add then backward: a pass-through gradient survives the seed's disposal", async () => {
  const [g] = tidy(() => {
    const x = Tensor.from([1, 2, 3, 4], [2, 2]);
    x.requiresGrad = true;
    const y = addChannel(x, Tensor.from([1, 1], [2]));
    const l = Tensor.from([1, 1, 1, 1], [2, 2]);
    return backward(y, [x], l);
  });
  assertClose(await g!.read(), [1, 1, 1, 1]);
});
