import assert from "node:assert/strict";
import { Sequential } from "../sequential.ts";
import { chainEpochHooks, type EpochHook } from "./epoch_hook.ts";

Deno.test("chainEpochHooks: sync hooks stay sync; after an async hook the rest wait for it", async () => {
  const seen: string[] = [];
  const sync = (tag: string): EpochHook => (_m, e) => {
    seen.push(`${tag}${e}`);
  };
  const later: EpochHook = async (_m, e) => {
    await new Promise((r) => setTimeout(r, 5));
    seen.push(`async${e}`);
  };
  const model = new Sequential();
  assert.equal(chainEpochHooks(sync("a"), sync("b"))(model, 1, 3), undefined);
  assert.deepEqual(seen, ["a1", "b1"]);
  seen.length = 0;
  const done = chainEpochHooks(sync("a"), later, sync("b"))(model, 2, 3);
  assert.ok(done instanceof Promise);
  assert.deepEqual(seen, ["a2"]);
  await done;
  assert.deepEqual(seen, ["a2", "async2", "b2"]);
});
