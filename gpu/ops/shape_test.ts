import { Prng } from "@ovsw/init";
import { backward, copy, flatten, reshape, Tensor, tidy } from "../mod.ts";
import { assertClose, freshSeed, randn, setupGpu } from "../../tests/util.ts";

await setupGpu();

Deno.test("reshape, flatten and copy keep values and pass gradients through", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const shape = [1 + rng.int(3), 1 + rng.int(4), 1 + rng.int(3), 1 + rng.int(3)];
  const n = shape.reduce((a, d) => a * d, 1);
  const xs = randn(n, rng);
  const gs = randn(n, rng);
  for (const kind of ["reshape", "flatten", "copy"] as const) {
    const what = `${kind} seed ${seed} shape [${shape}]`;
    const [y, gx] = tidy(() => {
      const x = Tensor.from(xs, shape);
      x.requiresGrad = true;
      const y = kind === "reshape"
        ? reshape(x, [-1, shape[3]])
        : kind === "flatten"
        ? flatten(x)
        : copy(x);
      const [gx] = backward(y, [x], Tensor.from(gs, y.shape));
      return [y, gx!];
    });
    const expectShape = kind === "reshape"
      ? [n / shape[3], shape[3]]
      : kind === "flatten"
      ? [shape[0], n / shape[0]]
      : shape;
    if (JSON.stringify(y.shape) !== JSON.stringify(expectShape)) {
      throw new Error(`${what}: shape [${y.shape}]`);
    }
    if (JSON.stringify(gx.shape) !== JSON.stringify(shape)) {
      throw new Error(`${what}: grad shape [${gx.shape}]`);
    }
    assertClose(await y.read(), xs, 1e-7, `${what} forward`);
    assertClose(await gx.read(), gs, 1e-7, `${what} backward`);
    y.dispose();
    gx.dispose();
  }
});

Deno.test("copy of a u32 tensor makes new storage", async () => {
  const x = Tensor.from(new Uint32Array([7, 8, 9]), [3]);
  const y = copy(x);
  if (y.sharesStorageWith(x)) throw new Error("shares storage");
  const got = await y.readU32();
  if (got.join() !== "7,8,9") throw new Error(`got ${got}`);
});

Deno.test("reshape to an impossible shape names both shapes", () => {
  let msg = "";
  try {
    reshape(Tensor.zeros([2, 3]), [4, 2]);
  } catch (e) {
    msg = (e as Error).message;
  }
  if (!msg.includes("[2, 3]") || !msg.includes("[4, 2]")) throw new Error(msg);
});
