import { deepStrictEqual as assertEquals, rejects, throws } from "node:assert/strict";
import { parseCli } from "./args.ts";
import { resolvePieces } from "./method_setup.ts";
import { toTrainConfig, TRAIN_TASK } from "./tasks.ts";

const cfgOf = async (...argv: string[]) => toTrainConfig((await parseCli(TRAIN_TASK, argv)).values);

Deno.test("--method: every method, each with its recipe, flags override it", async () => {
  const ovsw = await cfgOf();
  assertEquals(
    [ovsw.method, ovsw.optimizer, ovsw.lr, ovsw.weightDecay, ovsw.decaySet, ovsw.optimizerPieces],
    ["ovsw", "sgd", 0.1, 5e-4, "all", ["ags", "sad"]],
  );
  const bireal = await cfgOf("--method", "bireal");
  assertEquals(
    [bireal.optimizer, bireal.lr, bireal.weightDecay, bireal.schedule, bireal.labelSmoothing],
    ["adam", 1e-3, 0, "linear", 0.1],
  );
  assertEquals(bireal.optimizerPieces, ["off"]);
  const recu = await cfgOf("--method", "recu", "--lr", "0.05", "--optimizer-pieces", "sad,ags");
  assertEquals(
    [recu.lr, recu.decaySet, recu.warmup, recu.optimizerPieces],
    [0.05, "no-bn", 5, ["ags", "sad"]],
  );
  assertEquals((await cfgOf("--method", "siman", "--no-bn-decay")).decaySet, "no-vector");
  assertEquals((await cfgOf("--method", "siman")).decaySet, "no-binary-layers");
  assertEquals((await cfgOf("--method", "xnor", "--decay-set", "no-bn")).decaySet, "no-bn");
  for (const m of ["xnor", "xnorpp", "irnet", "rbnn", "siman", "fda", "reactnet"]) {
    assertEquals((await cfgOf("--method", m)).method, m);
  }
});

Deno.test("--method and --optimizer-pieces: bad values are one clear error", async () => {
  await rejects(cfgOf("--method", "cmim"), /--method must be one of vanilla\|ags\|ovsw\|xnor/);
  await rejects(cfgOf("--optimizer-pieces", "ags,foo"), /--optimizer-pieces must be one of/);
  await rejects(cfgOf("--optimizer-pieces", "off,ags"), /off cannot be combined/);
  throws(() => resolvePieces(["off", "sad"], "vanilla"), /off cannot be combined/);
  assertEquals(resolvePieces(null, "ags"), ["ags"]);
  assertEquals(resolvePieces(["off"], "ovsw"), []);
});
