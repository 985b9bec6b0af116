import { Prng } from "@ovsw/init";
import { backward, matmul, Tensor, tidy } from "../mod.ts";
import { HARDWARE_TILING, setDenseTiling } from "../_internal.ts";
import { assertClose, freshSeed, randn, setupGpu } from "../../tests/util.ts";
import { type Arr, arr, matmulRef } from "../../tests/reference/dense.ts";

await setupGpu();

function transpose(a: Arr): Arr {
  const [r, c] = a.shape;
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a.data[i * c + j];
  return { data: out, shape: [c, r] };
}

/** A dimension: odd, a multiple of 4, or large enough to span several workgroups. */
function dim(rng: Prng, kind: number): number {
  if (kind === 0) return 1 + 2 * rng.int(12);
  if (kind === 1) return 4 * (1 + rng.int(10));
  return 65 + rng.int(80);
}

async function checkMatmul(rng: Prng, seed: number, tiling: string): Promise<void> {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const kinds of [[0, 0, 0], [1, 1, 1], [2, 1, 2], [1, 0, 2], [2, 2, 0]]) {
        const [M, K, N] = kinds.map((k) => dim(rng, k));
        const aShape = transA ? [K, M] : [M, K];
        const bShape = transB ? [N, K] : [K, N];
        const as = randn(M * K, rng);
        const bs = randn(K * N, rng);
        const gs = randn(M * N, rng);
        const what = `matmul ${tiling} seed ${seed} M=${M} K=${K} N=${N} transA=${transA} ` +
          `transB=${transB}`;
        const [y, ga, gb] = tidy(() => {
          const a = Tensor.from(as, aShape);
          const b = Tensor.from(bs, bShape);
          a.requiresGrad = true;
          b.requiresGrad = true;
          const y = matmul(a, b, { transA, transB });
          const [ga, gb] = backward(y, [a, b], Tensor.from(gs, [M, N]));
          return [y, ga!, gb!];
        });
        const A = arr(as, aShape);
        const B = arr(bs, bShape);
        const G = arr(gs, [M, N]);
        const opA = transA ? transpose(A) : A;
        const opB = transB ? transpose(B) : B;
        if (y.shape.join() !== `${M},${N}`) throw new Error(`${what}: shape [${y.shape}]`);
        assertClose(await y.read(), matmulRef(A, B, transA, transB).data, 1e-4, `${what} forward`);
        const dOpA = matmulRef(G, opB, false, true);
        const dOpB = matmulRef(opA, G, true, false);
        assertClose(
          await ga.read(),
          (transA ? transpose(dOpA) : dOpA).data,
          1e-4,
          `${what} grad a`,
        );
        assertClose(
          await gb.read(),
          (transB ? transpose(dOpB) : dOpB).data,
          1e-4,
          `${what} grad b`,
        );
        for (const t of [y, ga, gb]) t.dispose();
      }
    }
  }
}

Deno.test("matmul forward and backward match the float64 reference (all transposes)", async () => {
  const seed = freshSeed();
  await checkMatmul(new Prng(seed), seed, "default tiling");
});

Deno.test("matmul is correct under the hardware tiling too", async () => {
  const seed = freshSeed();
  setDenseTiling(HARDWARE_TILING);
  try {
    await checkMatmul(new Prng(seed), seed, "hardware tiling");
  } finally {
    setDenseTiling(null);
  }
});

Deno.test("matmul with K = 0 gives zeros; bad shapes give clear errors", async () => {
  const y = matmul(Tensor.zeros([3, 0]), Tensor.zeros([0, 2]));
  assertClose(await y.read(), [0, 0, 0, 0, 0, 0]);
  y.dispose();
  const a = Tensor.zeros([2, 3]);
  const b = Tensor.zeros([4, 5]);
  let msg = "";
  try {
    matmul(a, b);
  } catch (e) {
    msg = (e as Error).message;
  }
  if (!msg.includes("[2, 3]") || !msg.includes("[4, 5]")) throw new Error(`message: ${msg}`);
  try {
    matmul(Tensor.zeros([2, 3, 1]), b);
    throw new Error("3-D operand accepted");
  } catch (e) {
    if (!(e as Error).message.includes("2-D")) throw e;
  }
  a.dispose();
  b.dispose();
});
