import assert from "node:assert/strict";
import { Tensor } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import {
  FdaConv2d,
  fdaSchedule,
  IrNetConv2d,
  irnetKT,
  type Module,
  RbnnConv2d,
  rbnnKT,
  ReActBlock,
  RecuConv2d,
  recuTau,
  SimanConv2d,
  simanPercent,
} from "@ovsw/layers";
import { FlipCollector } from "@ovsw/metrics";
import { createModel } from "@ovsw/models";
import { disposeState, readDiagnostics } from "@ovsw/optim";
import { freshSeed, setupGpu } from "../../tests/util.ts";
import { trainStep } from "../step.ts";
import { bnnMethod } from "./method.ts";
import { METHOD_INFO } from "./registry.ts";

await setupGpu();

/** The names of the parameters tagged `binary`. */
function binaryNames(model: Module): string[] {
  return model.namedParameters().filter(([, p]) => p.tag === "binary").map(([n]) => n);
}

/**
 * One training step of `method` on `model` at batch 2 with `pieces`; checks the loss, that
 * every parameter the optimizer updates moved or stayed finite, and that AGS/SAD (when asked)
 * and the flip collector saw exactly the method's binary weights.
 */
async function oneStep(
  method: string,
  model: string,
  input: number[],
  pieces?: ("ags" | "sad")[],
): Promise<void> {
  const seed = freshSeed();
  const m = bnnMethod(method, pieces ? { pieces } : {});
  const net = createModel(model, { seed, classes: 10, ...m.modelOptions });
  const params = net.paramRecord();
  const binary = binaryNames(net);
  assert.ok(binary.length >= 4, `${method}/${model}: ${binary.length} binary weights`);
  await m.epochHook?.(net, 0, 4);
  const tx = m.optimizer(net);
  let state = tx.init(params);
  const collector = new FlipCollector(params);
  const rng = new Prng(seed);
  const x = Tensor.from(rng.normalArray(input.reduce((a, b) => a * b, 1)), input);
  const y = Tensor.from(new Uint32Array([1, 7]), [2]);
  try {
    const before = await params[binary[0]].read();
    net.train();
    state = trainStep(net, tx, state, { x, y, size: 2 }, {
      params,
      collector,
      labelSmoothing: m.recipe.labelSmoothing,
    });
    const after = await params[binary[0]].read();
    assert.ok(after.every(Number.isFinite), `${method}/${model}: non-finite weights, seed ${seed}`);
    const report = await collector.report();
    assert.deepEqual(report.layers.map((l) => l.name).sort(), [...binary].sort());
    if (pieces) {
      const d = await readDiagnostics(state);
      if (pieces.includes("ags")) assert.deepEqual(Object.keys(d.ags).sort(), [...binary].sort());
      if (pieces.includes("sad")) assert.deepEqual(Object.keys(d.sad).sort(), [...binary].sort());
    }
    // Something trained: the first binary weight changed, unless the method freezes it at
    // step 0 (RBNN: |sin θ| = 1 gives exactly zero gradient; only decay moves it).
    if (method !== "rbnn") {
      assert.ok(after.some((v, i) => v !== before[i]), `${method}/${model}: no update`);
    }
  } finally {
    disposeState(state);
    collector.dispose();
    net.dispose();
    x.dispose();
    y.dispose();
  }
}

for (const { name } of METHOD_INFO) {
  Deno.test(`method ${name}: one step on vgg-small-28 (28×28, batch 2), its own recipe`, () =>
    oneStep(name, "vgg-small-28", [2, 1, 28, 28]));
  Deno.test(`method ${name} + AGS + SAD: one step on cresnet20 (reduced 16×16, batch 2)`, () =>
    oneStep(name, "cresnet20", [2, 3, 16, 16], ["ags", "sad"]));
}

Deno.test("reactnet: ReAct blocks in the residual models, RSign before the VGG convs", () => {
  const m = bnnMethod("reactnet");
  const res = createModel("cresnet20", { ...m.modelOptions });
  assert.equal(res.namedModules().filter(([, x]) => x instanceof ReActBlock).length, 18);
  const vgg = createModel("vgg-small-28", { ...m.modelOptions });
  assert.ok(vgg.namedParameters().some(([n]) => n === "conv1.0.bias"));
  assert.equal(
    createModel("resnet18", m.modelOptions).outputShape([1, 3, 32, 32]).join(),
    "1,1000",
  );
  for (const net of [res, vgg]) net.dispose();
});

Deno.test("the methods' optimizers: base, decay set and pieces", () => {
  const net = createModel("vgg-small-28");
  const name = (method: string, pieces?: ("ags" | "sad")[]) =>
    bnnMethod(method, pieces ? { pieces } : {}).optimizer(net).name;
  assert.equal(name("vanilla"), "sgd");
  assert.equal(name("ovsw"), "chain(masked(chain(ags, sad)), sgd)");
  assert.equal(name("bireal"), "adam");
  assert.equal(name("recu", ["ags", "sad"]), "chain(masked(chain(ags, sad)), sgd)");
  assert.equal(name("reactnet", ["sad"]), "chain(masked(sad), adam)");
  net.dispose();
});

Deno.test("epoch hooks: each method's schedule values before every epoch", async () => {
  const E = 5;
  const cases: [string, new (...a: never[]) => Module, (m: never, e: number) => void][] = [
    [
      "irnet",
      IrNetConv2d,
      (c: IrNetConv2d, e) => assert.deepEqual([c.k, c.t], [irnetKT(e, E).k, irnetKT(e, E).t]),
    ],
    ["recu", RecuConv2d, (c: RecuConv2d, e) => assert.equal(c.tau, recuTau(e, E))],
    ["siman", SimanConv2d, (c: SimanConv2d, e) => assert.equal(c.percent, simanPercent(e, E))],
    [
      "rbnn",
      RbnnConv2d,
      (c: RbnnConv2d, e) => assert.deepEqual([c.k, c.t], [rbnnKT(e, E).k, rbnnKT(e, E).t]),
    ],
    [
      "fda",
      FdaConv2d,
      (c: FdaConv2d, e) =>
        assert.deepEqual([c.eta, c.n], [fdaSchedule(e, E).eta, fdaSchedule(e, E).n]),
    ],
  ];
  for (const [method, cls, check] of cases) {
    const m = bnnMethod(method);
    const net = createModel("vgg-small-28", { ...m.modelOptions });
    const convs = net.namedModules().filter(([, x]) => x instanceof cls).map(([, x]) => x);
    assert.equal(convs.length, 4, method);
    for (let e = 0; e < E; e++) {
      await m.epochHook!(net, e, E);
      for (const c of convs) check(c as never, e);
      await m.resumeHook!(net, e, E); // a mid-epoch resume sets the same values
      for (const c of convs) check(c as never, e);
    }
    net.dispose();
  }
  for (const m of ["vanilla", "ags", "ovsw", "xnor", "xnorpp", "bireal", "reactnet"]) {
    assert.equal(bnnMethod(m).epochHook, null, m);
  }
});

Deno.test("rbnn's resume hook leaves the rotations alone (they are in the checkpoint)", async () => {
  const m = bnnMethod("rbnn");
  const net = createModel("vgg-small-28", { ...m.modelOptions });
  const r1 = () => net.namedBuffers().find(([n]) => n.endsWith("R1"))![1].read();
  const start = await r1();
  await m.resumeHook!(net, 1, 4);
  assert.deepEqual(await r1(), start);
  await m.epochHook!(net, 1, 4);
  assert.notDeepEqual(await r1(), start);
  net.dispose();
});

Deno.test("bnnMethod: unknown names are one clear error", () => {
  assert.throws(() => bnnMethod("cmim"), /unknown method "cmim"; choose one of vanilla, ags/);
});
