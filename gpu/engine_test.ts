import assert from "node:assert/strict";

function assertEquals(actual: unknown, expected: unknown): void {
  assert.deepEqual(actual, expected);
}
function assertThrows(fn: () => unknown, type: new (...a: never[]) => Error, msg: string): void {
  assert.throws(fn, (e: unknown) => e instanceof type && e.message.includes(msg));
}
import {
  add,
  backward,
  engineStats,
  grid,
  keep,
  memory,
  mul,
  noGrad,
  resetStats,
  runKernel,
  scale,
  sum,
  Tensor,
  tidy,
  WGSL_INDEX,
} from "./mod.ts";
import { flush } from "./_internal.ts";
import { setupGpu } from "../tests/util.ts";

await setupGpu();

Deno.test("Tensor.from / read round-trips f32 and u32 data", async () => {
  const f = Tensor.from([1.5, -2, 0, 3e-8], [2, 2]);
  assertEquals(Array.from(await f.read()), Array.from(new Float32Array([1.5, -2, 0, 3e-8])));
  const u = Tensor.from(new Uint32Array([0, 1, 0xffffffff]), [3]);
  assertEquals(u.dtype, "u32");
  assertEquals(Array.from(await u.readU32()), [0, 1, 0xffffffff]);
  f.dispose();
  u.dispose();
});

Deno.test("bad shapes and disposed tensors give clear errors", () => {
  assertThrows(
    () => Tensor.from([1, 2, 3], [2, 2]),
    RangeError,
    "3 values do not fit shape [2, 2]",
  );
  const t = Tensor.zeros([2, 3]);
  assertThrows(() => t.view([4, 2]), RangeError, "cannot reshape [2, 3]");
  t.dispose();
  assertThrows(() => t.buffer, Error, "already disposed");
});

Deno.test("views share storage and free it with the last view", async () => {
  const before = memory();
  const t = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const v = t.view([3, -1]);
  assertEquals(v.shape, [3, 2]);
  assert(v.sharesStorageWith(t));
  t.dispose();
  assertEquals(Array.from(await v.read()), [1, 2, 3, 4, 5, 6]);
  v.dispose();
  assertEquals(memory().tensors, before.tensors);
  assertEquals(memory().bytes, before.bytes);
});

Deno.test("tidy frees intermediates, keeps returned and kept tensors", async () => {
  const a = Tensor.from([1, 2], [2]);
  const before = memory().tensors;
  let kept: Tensor | undefined;
  const out = tidy(() => {
    const b = add(a, a);
    kept = keep(scale(b, 10));
    return { result: [mul(b, a)] };
  });
  assertEquals(memory().tensors, before + 2);
  assertEquals(Array.from(await out.result[0].read()), [2, 8]);
  assertEquals(Array.from(await kept!.read()), [20, 40]);
  out.result[0].dispose();
  kept!.dispose();
  a.dispose();
});

Deno.test("tidy disposes everything when the function throws", () => {
  const before = memory().tensors;
  assertThrows(
    () =>
      tidy(() => {
        Tensor.zeros([4]);
        throw new Error("boom");
      }),
    Error,
    "boom",
  );
  assertEquals(memory().tensors, before);
});

Deno.test("the pool reuses buffers: memory is flat over many steps", () => {
  const w = Tensor.from([0.5, -0.25, 1], [3]);
  w.requiresGrad = true;
  const step = () =>
    tidy(() => {
      const [g] = backward(sum(mul(add(w, w), w)), [w]);
      noGrad(() => scale(g!, 0.1));
    });
  step(); // warm-up fills the pool
  const base = memory();
  for (let i = 0; i < 200; i++) step();
  const after = memory();
  assertEquals(after.tensors, base.tensors);
  assertEquals(after.bytes, base.bytes);
  assertEquals(after.allocatedBytes, base.allocatedBytes);
  w.dispose();
});

Deno.test("backward returns live gradients when an op passes the seed through", async () => {
  const a = Tensor.from([1, 2], [2]);
  const b = Tensor.from([3, 4], [2]);
  a.requiresGrad = true;
  b.requiresGrad = true;
  const [ga, gb] = tidy(() => backward(sum(add(a, b)), [a, b]));
  assertEquals(Array.from(await ga!.read()), [1, 1]);
  assertEquals(Array.from(await gb!.read()), [1, 1]);
  const [gaa] = tidy(() => backward(sum(add(a, a)), [a]));
  assertEquals(Array.from(await gaa!.read()), [2, 2]);
  for (const t of [a, b, ga!, gb!, gaa!]) t.dispose();
});

Deno.test("one submit records many dispatches; uniforms survive ring overflow", async () => {
  flush();
  resetStats();
  const x = Tensor.from([1], [1]);
  let y = x;
  const n = 5000; // more dispatches than the uniform ring holds
  const result = tidy(() => {
    for (let i = 0; i < n; i++) y = scale(y, i % 2 === 0 ? 2 : 0.5);
    return y;
  });
  assertEquals(Array.from(await result.read()), [1]);
  const s = engineStats();
  assert(s.dispatches >= n);
  // 5000 dispatches: a submit per 2048 pending dispatches, the upload and the readback.
  assert(s.submits <= 6, `expected few submits, got ${s.submits}`);
  assertEquals(s.readbacks, 1);
  result.dispose();
  x.dispose();
});

Deno.test("runKernel rejects an output aliasing an input", () => {
  const t = Tensor.zeros([4]);
  assertThrows(
    () =>
      runKernel({
        name: "alias",
        code: "",
        inputs: [t],
        outputs: [t.view([2, 2])],
        workgroups: [1],
      }),
    Error,
    "aliases an input",
  );
  t.dispose();
});

Deno.test("grid covers large element counts with x ≤ 65535", async () => {
  const [gx, gy] = grid(70_000 * 256);
  assert(gx <= 65535 && gx * gy * 256 >= 70_000 * 256);
  const n = 65536 * 256 + 7; // needs a second row of workgroups
  const y = Tensor.empty([n]);
  runKernel({
    name: "iota",
    code: `struct P { n: u32 }
      @group(0) @binding(0) var<uniform> p: P;
      @group(0) @binding(1) var<storage, read_write> y: array<f32>;
      @compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
        let i = ${WGSL_INDEX.expr}; if (i < p.n) { y[i] = f32(i % 1000u); } }`,
    inputs: [],
    outputs: [y],
    uniforms: [n],
    workgroups: grid(n),
  });
  const data = await y.read();
  for (const i of [0, 999, 1000, 65535 * 256, n - 1]) assertEquals(data[i], i % 1000);
  assert(data.every(Number.isFinite), "every element written");
  y.dispose();
});

Deno.test("a kernel that fails to compile is reported by name at the next readback", async () => {
  const y = Tensor.empty([4]);
  runKernel({
    name: "broken_kernel",
    code: "@compute @workgroup_size(1) fn main() { let x: u32 = 1.5; }",
    inputs: [],
    outputs: [y],
    workgroups: [1],
  });
  await assert.rejects(() => y.read(), (e: Error) => e.message.includes('"broken_kernel"'));
  y.dispose();
  const ok = Tensor.from([1], [1]);
  assertEquals(Array.from(await ok.read()), [1]);
  ok.dispose();
});

Deno.test("takeGradient: an op that adds the gathered gradient itself gives the same sums", async () => {
  const { takeGradient, record1 } = await import("./mod.ts");
  const x = Tensor.from([1, -2, 3], [3]);
  x.requiresGrad = true;
  // y = 3x, recorded by an op that adds x's gathered gradient in its own "kernel".
  const triple = (t: Tensor, fused: boolean) => {
    const y = scale(t, 3);
    record1([t], y, (g) => {
      const prior = fused ? takeGradient(t) : null;
      return [prior ? add(scale(g, 3), prior) : scale(g, 3)];
    });
    return y;
  };
  for (const fused of [false, true]) {
    const before = memory().tensors;
    const g = tidy(() => {
      // x is used by triple and, later in the graph, twice more: 3 + 1 + 2 = 6 per element.
      const y = add(triple(x, fused), add(x, scale(x, 2)));
      return backward(sum(y), [x])[0]!;
    });
    assertEquals(Array.from(await g.read()), [6, 6, 6]);
    g.dispose();
    assertEquals(memory().tensors, before);
  }
  x.dispose();
});
