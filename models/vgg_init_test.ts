import assert from "node:assert/strict";
import type { Module } from "@ovsw/layers";
import { assertClose, freshSeed, setupGpu } from "../tests/util.ts";
import {
  assertNormal as checkNormal,
  assertUniform as checkUniform,
} from "../tests/distribution.ts";
import { createModel } from "./mod.ts";

await setupGpu();

async function params(net: Module): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [name, p] of net.namedParameters()) out[name] = await p.read();
  return out;
}

Deno.test("vgg-small-28 init: binary Kaiming fan_in, stem and classifier PyTorch default, BN 1/0", async () => {
  const seed = freshSeed();
  const net = createModel("vgg-small-28", { seed });
  const p = await params(net);
  net.dispose();
  const what = (n: string) => `${n} seed ${seed}`;
  // Binary convs [out, in, 3, 3]: N(0, 2/(9·in)), the builder's kaiming_normal_ (fan_in, a = 0).
  for (const [name, cin] of [["conv1", 64], ["conv2", 64], ["conv3", 128], ["conv4", 128]]) {
    checkNormal(p[`${name}.weight`], Math.sqrt(2 / (9 * (cin as number))), what(`${name}`));
  }
  // FP stem conv [64, 1, 3, 3] and classifier [10, 2304]: kaiming_uniform(a=√5) = U(±1/√fanIn).
  checkUniform(p["conv0.weight"], 1 / 3, what("conv0"));
  checkUniform(p["fc.weight"], 1 / 48, what("fc"));
  assert.ok(p["fc.bias"].every((v) => Math.abs(v) <= 1 / 48), what("fc.bias bound"));
  assert.ok(p["fc.bias"].some((v) => v !== 0), what("fc.bias is drawn, not zero"));
  for (let i = 0; i < 5; i++) {
    assert.ok(p[`bn${i}.weight`].every((v) => v === 1), `bn${i} γ = 1`);
    assert.ok(p[`bn${i}.bias`].every((v) => v === 0), `bn${i} β = 0`);
  }
  // γ scales the binary convs' draw exactly and leaves the stem and classifier alone.
  const scaledNet = createModel("vgg-small-28", { seed, gamma: 1e-3 });
  const scaled = await params(scaledNet);
  scaledNet.dispose();
  assertClose(scaled["conv3.weight"], p["conv3.weight"].map((v) => v * 1e-3), 1e-6, what("γ"));
  assert.deepEqual(scaled["conv0.weight"], p["conv0.weight"], what("stem unscaled"));
  assert.deepEqual(scaled["fc.weight"], p["fc.weight"], what("fc unscaled"));
});

Deno.test("vgg-small keeps the authors' VGG override: every conv N(0, 2/(9·C_out)), fc N(0, 0.01), bias 0", async () => {
  const seed = freshSeed();
  const net = createModel("vgg-small", { seed });
  const p = await params(net);
  net.dispose();
  const widths = [128, 128, 256, 256, 512, 512];
  widths.forEach((cout, i) => {
    checkNormal(p[`conv${i}.weight`], Math.sqrt(2 / (9 * cout)), `conv${i} seed ${seed}`);
  });
  checkNormal(p["fc.weight"], 0.01, `fc seed ${seed}`);
  assert.ok(p["fc.bias"].every((v) => v === 0), "fc bias 0");
  assert.ok(p["bn5.weight"].every((v) => v === 1) && p["bn5.bias"].every((v) => v === 0));
  // A named init replaces the binary convs' only.
  const namedNet = createModel("vgg-small", { seed, init: "signed_constant" });
  const named = await params(namedNet);
  namedNet.dispose();
  const magnitude = Math.fround(Math.sqrt(2 / 1.0001) / Math.sqrt(9 * 128));
  assert.ok(named["conv2.weight"].every((v) => Math.abs(v) === magnitude), "signed_constant");
  assert.deepEqual(named["conv0.weight"], p["conv0.weight"], "stem keeps the VGG init");
});
