/**
 * Trajectories recorded with PyTorch 1.13 (tools/gen_optim_fixtures.py → optim_torch.json):
 * the optimizers here must reproduce torch.optim.SGD/Adam/AdamW, and AGS → SAD → SGD, step by
 * step on the same parameters and gradients.
 */
import assert from "node:assert/strict";
import { Tensor, tidy } from "@ovsw/gpu";
import type { ParamTag } from "@ovsw/gpu";
import { assertClose, setupGpu } from "../tests/util.ts";
import {
  adam,
  adamw,
  applyUpdates,
  type GradientTransformation,
  ovsw,
  type Params,
  readDiagnostics,
  vanilla,
} from "./mod.ts";

await setupGpu();

interface Case {
  optimizer: string;
  options: Record<string, number | boolean | number[]>;
  shapes: Record<string, number[]>;
  tags: Record<string, ParamTag>;
  init: Record<string, number[]>;
  grads: Record<string, number[]>[];
  after: Record<string, number[]>[];
  silent: Record<string, number>[];
  scaled: Record<string, number>[];
}

const fixture = JSON.parse(
  await Deno.readTextFile(new URL("../tests/fixtures/optim_torch.json", import.meta.url)),
) as { cases: Record<string, Case> };

function optimizerFor(c: Case): GradientTransformation {
  const o = c.options;
  const lrs = o.lr as number[];
  const learningRate = (s: number) => lrs[s];
  if (c.optimizer === "adam") return adam({ learningRate, weightDecay: o.weightDecay as number });
  if (c.optimizer === "adamw") return adamw({ learningRate, weightDecay: o.weightDecay as number });
  const common = {
    learningRate,
    momentum: o.momentum as number,
    weightDecay: o.weightDecay as number,
    nesterov: (o.nesterov as boolean | undefined) ?? false,
    noBnDecay: (o.noBnDecay as boolean | undefined) ?? false,
  };
  if (o.delta === undefined) return vanilla(common);
  return ovsw({
    ...common,
    delta: o.delta as number,
    dampenWeight: o.dampenWeight as number,
    trackMomentum: o.trackMomentum as number,
    threshold: o.threshold as number,
  });
}

for (const [name, c] of Object.entries(fixture.cases)) {
  Deno.test(`torch fixture: ${name} (${c.optimizer}, ${c.after.length} steps)`, async () => {
    const params: Params = {};
    for (const [k, data] of Object.entries(c.init)) {
      params[k] = Tensor.from(data, c.shapes[k]);
      params[k].tag = c.tags[k];
    }
    const tx = optimizerFor(c);
    const state = tx.init(params);
    for (let s = 0; s < c.after.length; s++) {
      tidy(() => {
        const grads: Record<string, Tensor> = {};
        for (const [k, g] of Object.entries(c.grads[s])) grads[k] = Tensor.from(g, c.shapes[k]);
        applyUpdates(params, tx.update(grads, state, params).updates);
      });
      if (c.silent[s] && Object.keys(c.silent[s]).length > 0) {
        const d = await readDiagnostics(state);
        for (const [k, v] of Object.entries(c.silent[s])) {
          assertClose([d.sad[k].maskedFraction], [v], 1e-6, `${name} step ${s} ${k} silent`);
          assertClose([d.ags[k].scaledFraction], [c.scaled[s][k]], 1e-6, `${name} ${k} scaled`);
        }
      }
      for (const [k, want] of Object.entries(c.after[s])) {
        assertClose(await params[k].read(), want, 2e-5, `${name} step ${s} ${k}`);
      }
    }
    assert.ok(c.after.length >= 5);
  });
}
