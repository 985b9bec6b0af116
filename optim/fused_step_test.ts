import assert from "node:assert/strict";
import { memory, type ParamTag, Tensor, tidy } from "@ovsw/gpu";
import { Prng } from "@ovsw/init";
import { freshSeed, setupGpu } from "../tests/util.ts";
import {
  agsOnly,
  applyUpdates,
  type GradientTransformation,
  type OptState,
  ovsw,
  type Params,
  vanilla,
} from "./mod.ts";

await setupGpu();

const LAYOUT: [string, number[], ParamTag][] = [
  ["stem.weight", [4, 3, 3, 3], "float"],
  ["layer1.0.conv1.weight", [8, 4, 3, 3], "binary"],
  ["layer1.0.bn1.weight", [8], "vector"],
  ["layer1.0.bn1.bias", [8], "vector"],
  ["layer1.0.conv2.weight", [8, 8, 3, 3], "binary"],
  ["layer1.0.bn2.weight", [8], "vector"],
  ["layer1.0.bn2.bias", [8], "vector"],
  ["fc.weight", [5, 8], "float"],
  ["fc.bias", [5], "vector"],
];

function makeParams(seed: number): Params {
  const rng = new Prng(seed);
  const params: Params = {};
  for (const [k, shape, tag] of LAYOUT) {
    const n = shape.reduce((a, d) => a * d, 1);
    params[k] = Tensor.from(rng.normalArray(n, 0, 0.1), shape);
    params[k].tag = tag;
  }
  return params;
}

/** Every tensor of a state, in a fixed order. */
function stateTensors(s: OptState, out: Tensor[] = []): Tensor[] {
  if (s instanceof Tensor) out.push(s);
  else if (Array.isArray(s)) s.forEach((v) => stateTensors(v, out));
  else if (s && typeof s === "object") {
    for (const k of Object.keys(s).sort()) stateTensors((s as Record<string, OptState>)[k], out);
  }
  return out;
}

/** Runs `steps` steps unfused (update + applyUpdates) and fused; returns the largest difference. */
async function maxDifference(tx: GradientTransformation, steps: number): Promise<number> {
  const seed = freshSeed();
  const [pa, pb] = [makeParams(seed), makeParams(seed)];
  let [sa, sb] = [tx.init(pa), tx.init(pb)];
  const rng = new Prng(seed + 1);
  for (let s = 0; s < steps; s++) {
    const grads = Object.fromEntries(
      LAYOUT.map(([k, shape]) => {
        const n = shape.reduce((a, d) => a * d, 1);
        // Some gradients tiny, so that AGS lifts them; some large.
        return [k, Tensor.from(rng.normalArray(n, 0, s % 2 === 0 ? 1e-4 : 0.5), shape)];
      }),
    );
    tidy(() => {
      const r = tx.update(grads, sa, pa);
      applyUpdates(pa, r.updates);
      sa = r.state;
    });
    tidy(() => {
      sb = tx.fusedStep!(grads, sb, pb);
    });
    Object.values(grads).forEach((g) => g.dispose());
  }
  const a = [...Object.values(pa), ...stateTensors(sa)];
  const b = [...Object.values(pb), ...stateTensors(sb)];
  assert.equal(a.length, b.length);
  assert.deepEqual(
    JSON.stringify(sa, (_k, v) => v instanceof Tensor ? v.shape : v),
    JSON.stringify(sb, (_k, v) => v instanceof Tensor ? v.shape : v),
  );
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [await a[i].read(), await b[i].read()];
    for (let j = 0; j < x.length; j++) {
      const d = Math.abs(x[j] - y[j]) / Math.max(1e-3, Math.abs(x[j]));
      if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
    }
  }
  [...a, ...b].forEach((t) => t.dispose());
  return worst;
}

const common = { learningRate: (s: number) => 0.1 / (s + 1), weightDecay: 5e-4 };

Deno.test("fused ovsw() step equals update + applyUpdates (params and every state tensor)", async () => {
  const before = memory().tensors;
  const d = await maxDifference(ovsw({ ...common, threshold: 0.5, dampenWeight: 0.01 }), 4);
  assert.ok(d <= 1e-6, `relative difference ${d}`);
  assert.equal(memory().tensors, before);
});

Deno.test("fused agsOnly() and vanilla() steps (with noBnDecay, nesterov) equal the chain", async () => {
  assert.ok(await maxDifference(agsOnly({ ...common, noBnDecay: true }), 3) <= 1e-6);
  assert.ok(await maxDifference(vanilla({ ...common, nesterov: true }), 3) <= 1e-6);
  assert.ok(await maxDifference(vanilla({ ...common, momentum: 0 }), 2) <= 1e-6);
});

Deno.test("the fused step rejects another preset's state", () => {
  const params = makeParams(1);
  const state = vanilla(common).init(params);
  assert.throws(
    () => ovsw(common).fusedStep!({}, state as OptState[], params),
    /state is not this preset's state/,
  );
  Object.values(params).forEach((t) => t.dispose());
  tidy(() => undefined);
});
