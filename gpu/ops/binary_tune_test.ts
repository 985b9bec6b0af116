import assert from "node:assert/strict";
import { binaryConvKernels, engineStats, resetStats, setBinaryConvKernels } from "@ovsw/gpu";
import {
  binaryTiling,
  setBinaryTiling,
  tilingCandidates,
  tuneBinaryKernels,
} from "@ovsw/gpu/internal";
import { device } from "../device.ts";
import { setupGpu } from "../../tests/util.ts";

await setupGpu();

Deno.test("tilingCandidates respect the adapter's workgroup limit", () => {
  const max = device().limits.maxComputeInvocationsPerWorkgroup;
  for (const [name, t] of Object.entries(tilingCandidates())) {
    for (const wg of [t.fwdWorkgroup, t.bwdWorkgroup, t.gwWorkgroup]) {
      assert.ok(wg <= max, `${name}: ${wg} > ${max}`);
    }
    setBinaryTiling(t); // a valid tiling (throws otherwise)
  }
  setBinaryTiling(null);
});

Deno.test("tuneBinaryKernels measures once, puts the choice in use and reads it back from the cache", async () => {
  const dir = await Deno.makeTempDir();
  const cacheFile = `${dir}/sub/tiling.json`;
  try {
    const opts = { batch: 2, shapes: [[16, 4]] as [number, number][], minMs: 0, cacheFile };
    const first = await tuneBinaryKernels(opts);
    assert.equal(first.measured, true);
    assert.ok(Object.keys(first.timesMs).length >= 7, JSON.stringify(first.timesMs));
    assert.deepEqual(binaryTiling(), first.tiling);
    assert.equal(binaryConvKernels().gradInput, first.gradInput);
    setBinaryTiling(null);
    setBinaryConvKernels(null);
    resetStats();
    const second = await tuneBinaryKernels(opts);
    assert.equal(second.measured, false);
    assert.equal(engineStats().dispatches, 0, "the cached choice runs no kernel");
    assert.deepEqual(second.tiling, first.tiling);
    assert.equal(second.gradInput, first.gradInput);
    assert.deepEqual(binaryTiling(), first.tiling);
    const cached = JSON.parse(await Deno.readTextFile(cacheFile));
    assert.deepEqual(Object.keys(cached), [first.key]);
  } finally {
    setBinaryTiling(null);
    setBinaryConvKernels(null);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tuneBinaryKernels names a cache it cannot read", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.json`, "{ not json");
    await assert.rejects(
      () => tuneBinaryKernels({ cacheFile: `${dir}/bad.json` }),
      /tuneBinaryKernels: cannot read the cache .*bad\.json/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
