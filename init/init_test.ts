import assert from "node:assert/strict";
import {
  calculateGain,
  computeFans,
  constantInit,
  defaultBias,
  defaultWeight,
  getInitializer,
  INITIALIZER_NAMES,
  kaimingNormal,
  kaimingStd,
  kaimingUniform,
  normalInit,
  Prng,
  xavierNormal,
  xavierUniform,
} from "./mod.ts";
import { freshSeed } from "../tests/util.ts";
import {
  assertNormal as checkNormal,
  assertUniform as checkUniform,
} from "../tests/distribution.ts";

const PINNED_U32 = [2837322924, 544945897, 479756282];

const seed = freshSeed;

Deno.test("fans and gains match PyTorch", () => {
  assert.deepEqual(computeFans([64, 16, 3, 3]), { fanIn: 144, fanOut: 576 });
  assert.deepEqual(computeFans([10, 64]), { fanIn: 64, fanOut: 10 });
  assert.equal(calculateGain("relu"), Math.SQRT2);
  // PyTorch's calculate_gain("leaky_relu") defaults to slope 0.01; kaiming_normal_ passes a=0.
  assert.equal(calculateGain("leaky_relu"), Math.sqrt(2 / (1 + 0.01 ** 2)));
  assert.equal(calculateGain("leaky_relu", 0), Math.SQRT2);
  assert.ok(Math.abs(calculateGain("leaky_relu", Math.sqrt(5)) - Math.sqrt(1 / 3)) < 1e-15);
  assert.equal(calculateGain("linear"), 1);
  assert.throws(() => computeFans([5]), /at least 2 dimensions/);
  // The binary-conv init of §8: std = √2/√(C·k·k).
  assert.ok(Math.abs(kaimingStd([512, 512, 3, 3]) - Math.sqrt(2 / 4608)) < 1e-15);
});

Deno.test("kaiming normal/uniform statistics, fan modes and gamma scaling", () => {
  const s = seed();
  const shape = [256, 128, 3, 3]; // 294,912 values
  for (const gamma of [1, 1e-3, 1e3]) {
    const rng = new Prng(s);
    const stdIn = gamma * Math.SQRT2 / Math.sqrt(128 * 9);
    checkNormal(kaimingNormal(shape, rng, { gamma }), stdIn, `normal γ=${gamma} seed ${s}`);
    const stdOut = gamma * Math.SQRT2 / Math.sqrt(256 * 9);
    checkNormal(
      kaimingNormal(shape, rng, { gamma, mode: "fan_out" }),
      stdOut,
      `normal fan_out γ=${gamma} seed ${s}`,
    );
    checkUniform(
      kaimingUniform(shape, rng, { gamma }),
      Math.sqrt(3) * stdIn,
      `uniform γ=${gamma} seed ${s}`,
    );
  }
  // linear gain
  const lin = kaimingNormal([1000, 500], new Prng(s), { nonlinearity: "linear" });
  checkNormal(lin, 1 / Math.sqrt(500), `linear gain seed ${s}`);
});

Deno.test("gamma scales the same draw exactly", () => {
  const s = seed();
  const a = kaimingNormal([32, 16, 3, 3], new Prng(s));
  const b = kaimingNormal([32, 16, 3, 3], new Prng(s), { gamma: 1e-3 });
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(b[i] - Math.fround(a[i] * 1e-3)) <= 1e-6 * Math.abs(a[i]) + 1e-12);
  }
  const u = kaimingUniform([32, 16, 3, 3], new Prng(s));
  const v = kaimingUniform([32, 16, 3, 3], new Prng(s), { gamma: 10 });
  for (let i = 0; i < u.length; i++) assert.ok(Math.abs(v[i] - 10 * u[i]) < 1e-5);
});

Deno.test("xavier, normal, constant and PyTorch defaults", () => {
  const s = seed();
  const rng = new Prng(s);
  checkNormal(xavierNormal([600, 400], rng), Math.sqrt(2 / 1000), `xavier normal seed ${s}`);
  checkUniform(xavierUniform([600, 400], rng), Math.sqrt(6 / 1000), `xavier uniform seed ${s}`);
  checkNormal(
    xavierNormal([600, 400], rng, { gamma: 0.5, gain: 2 }),
    Math.sqrt(2 / 1000),
    `xavier gain·γ seed ${s}`,
  );
  checkNormal(normalInit([100, 8192], rng, { std: 0.01 }), 0.01, `normal(0, 0.01) seed ${s}`);
  assert.deepEqual([...constantInit([2], 1e-8)], [Math.fround(1e-8), Math.fround(1e-8)]);
  // PyTorch default: kaiming_uniform(a=√5) = U(±1/√fanIn); bias U(±1/√fanIn).
  checkUniform(defaultWeight([512, 576], rng), 1 / 24, `default weight seed ${s}`);
  checkUniform(defaultWeight([64, 64, 3, 3], rng, { gamma: 3 }), 3 / 24, `default γ seed ${s}`);
  const b = defaultBias([200000, 64], rng);
  assert.equal(b.length, 200000);
  checkUniform(b, 1 / 8, `default bias seed ${s}`);
});

Deno.test("same seed gives the same weights; different seeds differ", () => {
  const a = kaimingNormal([16, 8, 3, 3], new Prng(1234));
  const b = kaimingNormal([16, 8, 3, 3], new Prng(1234));
  const c = kaimingNormal([16, 8, 3, 3], new Prng(1235));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  // Pinned values: the stream is portable (32-bit integer arithmetic), so these never change.
  const pinned = new Prng(42);
  assert.deepEqual([pinned.nextU32(), pinned.nextU32(), pinned.nextU32()], PINNED_U32);
});

Deno.test("named initialisers and their errors", () => {
  for (const name of INITIALIZER_NAMES) {
    const w = getInitializer(name, { gamma: 0.5 })([8, 4, 3, 3], new Prng(7));
    assert.equal(w.length, 288);
    assert.ok(w.every(Number.isFinite), name);
  }
  assert.throws(() => getInitializer("he"), /unknown initializer "he"; choose one of/);
  assert.throws(
    () => getInitializer("kaiming_normal", { gamma: 0 }),
    /gamma must be a positive finite number/,
  );
  assert.throws(() => getInitializer("kaiming_normal", { gamma: NaN }), /gamma/);
});
