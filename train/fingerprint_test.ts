import { throws as assertThrows } from "node:assert/strict";
import { Prng } from "@ovsw/init";
import { freshSeed } from "../tests/util.ts";
import { SESSION_KEYS, TRAIN_CONFIG_KEYS, type TrainConfig } from "./config.ts";
import { RunDirError } from "./errors.ts";
import { checkFingerprint, fingerprintRun, fingerprintState } from "./fingerprint.ts";

const WHERE = { config: "c.json", data: "d", state: "s.json", checkpoint: "ckpt" };

function config(rng: Prng): TrainConfig {
  const c: Record<string, unknown> = {};
  for (const k of TRAIN_CONFIG_KEYS) c[k] = rng.uniformArray(1)[0];
  return c as unknown as TrainConfig;
}

Deno.test("checkFingerprint names the changed config key, data split or state field", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const split = () => ({
    images: Uint8Array.from(rng.uniformArray(12), (v) => v * 255),
    labels: new Uint8Array(3),
  });
  const data = { train: split(), test: split() };
  const cfg = config(rng);
  const state = { model: "m", epoch: 1, stepInEpoch: 2, step: 5, best: null, extra: { a: [1] } };
  const stored = { ...(await fingerprintRun(cfg, data)), state: await fingerprintState(state) };
  checkFingerprint(stored, stored, WHERE);
  for (const key of TRAIN_CONFIG_KEYS) {
    const found = { ...stored, ...(await fingerprintRun({ ...cfg, [key]: -1 }, data)) };
    if (SESSION_KEYS.includes(key)) checkFingerprint(stored, found, WHERE);
    else {
      assertThrows(
        () => checkFingerprint(stored, found, WHERE),
        (e: unknown) =>
          e instanceof RunDirError && e.message.startsWith(`c.json: "config.${key}" differs`),
        `seed ${seed}, key ${key}`,
      );
    }
  }
  const other = { ...data, test: { ...data.test, labels: new Uint8Array([0, 0, 1]) } };
  const foundData = { ...stored, data: (await fingerprintRun(cfg, other)).data };
  assertThrows(
    () => checkFingerprint(stored, foundData, WHERE),
    /the test data \(d\) is not the data ckpt/,
  );
  const foundState = { ...stored, state: await fingerprintState({ ...state, extra: { a: [2] } }) };
  assertThrows(() => checkFingerprint(stored, foundState, WHERE), /s\.json: "extra" differs/);
});
