import assert from "node:assert/strict";
import {
  getInitializer,
  INITIALIZER_ALIASES,
  kaimingNormal,
  kaimingUniform,
  Prng,
  signedConstant,
  unsignedConstant,
  xavierConstant,
} from "./mod.ts";
import { freshSeed } from "../tests/util.ts";

/** The official magnitude in float64: calculate_gain("leaky_relu") (slope 0.01) / √fan. */
function leakyGainOverSqrtFan(fan: number): number {
  return Math.sqrt(2 / (1 + 0.01 * 0.01)) / Math.sqrt(fan);
}

/** Asserts every value is ±magnitude (as f32) and the + share is ½ within 5σ. */
function checkSigns(w: Float32Array, magnitude: number, what: string): void {
  const f32 = Math.fround(magnitude);
  let positive = 0;
  for (const v of w) {
    assert.equal(Math.abs(v), f32, `${what}: |w| ${Math.abs(v)} vs ${f32}`);
    if (v > 0) positive++;
  }
  const share = positive / w.length;
  assert.ok(Math.abs(share - 0.5) < 5 * 0.5 / Math.sqrt(w.length), `${what}: + share ${share}`);
}

Deno.test("signed_constant: ±γ·√(2/1.0001)/√fan, the builder's calculate_gain('leaky_relu')", () => {
  const s = freshSeed();
  const shape = [128, 64, 3, 3]; // fan_in 576, fan_out 1152, 73,728 values
  for (const gamma of [1, 1e-3, 7]) {
    const rel = Math.abs(leakyGainOverSqrtFan(576) / (Math.SQRT2 / 24) - 1);
    assert.ok(rel > 4e-5, "the slope-0.01 gain differs from √2"); // (1.0001)^-½ − 1 ≈ −5e-5
    checkSigns(
      signedConstant(shape, new Prng(s), { gamma }),
      gamma * leakyGainOverSqrtFan(576),
      `fan_in γ=${gamma} seed ${s}`,
    );
    checkSigns(
      signedConstant(shape, new Prng(s), { gamma, mode: "fan_out" }),
      gamma * leakyGainOverSqrtFan(1152),
      `fan_out γ=${gamma} seed ${s}`,
    );
  }
  checkSigns(signedConstant([64, 32], new Prng(s), { a: 0 }), Math.SQRT2 / Math.sqrt(32), "a=0");
});

Deno.test("unsigned_constant: every weight +γ·√(2/1.0001)/√fan", () => {
  for (const [shape, fan] of [[[16, 8, 3, 3], 72], [[10, 300], 300]] as const) {
    const w = unsignedConstant(shape, new Prng(freshSeed()), { gamma: 0.5 });
    const expected = Math.fround(0.5 * leakyGainOverSqrtFan(fan));
    assert.ok(w.every((v) => v === expected), `shape [${shape}]: ${w[0]} vs ${expected}`);
  }
  const fanOut = unsignedConstant([16, 8, 3, 3], new Prng(0), { mode: "fan_out" });
  assert.equal(fanOut[0], Math.fround(leakyGainOverSqrtFan(144)));
});

Deno.test("xavier_constant: ±γ·√(2/(fanIn+fanOut)), no gain, no fan mode", () => {
  const s = freshSeed();
  checkSigns(
    xavierConstant([128, 64, 3, 3], new Prng(s)),
    Math.sqrt(2 / (576 + 1152)),
    `conv seed ${s}`,
  );
  checkSigns(
    xavierConstant([600, 400], new Prng(s), { gamma: 1e-2 }),
    1e-2 * Math.sqrt(2 / 1000),
    `linear seed ${s}`,
  );
});

Deno.test("the --init names: official ones, the hyphenated Kaiming aliases, the constants", () => {
  const s = freshSeed();
  const shape = [16, 8, 3, 3];
  const draw = (name: string) => getInitializer(name, { gamma: 2 })(shape, new Prng(s));
  assert.deepEqual(draw("signed_constant"), signedConstant(shape, new Prng(s), { gamma: 2 }));
  assert.deepEqual(draw("unsigned_constant"), unsignedConstant(shape, new Prng(s), { gamma: 2 }));
  assert.deepEqual(draw("xavier_constant"), xavierConstant(shape, new Prng(s), { gamma: 2 }));
  assert.deepEqual(draw("kaiming-normal"), kaimingNormal(shape, new Prng(s), { gamma: 2 }));
  assert.deepEqual(draw("kaiming-uniform"), kaimingUniform(shape, new Prng(s), { gamma: 2 }));
  assert.deepEqual(Object.keys(INITIALIZER_ALIASES), ["kaiming-normal", "kaiming-uniform"]);
  assert.throws(() => getInitializer("signed-constant"), /unknown initializer "signed-constant"/);
});
