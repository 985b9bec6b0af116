import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
import { RunDirError } from "./errors.ts";
import { lockRunDir } from "./lock.ts";

Deno.test("lockRunDir: one holder at a time; released locks are taken again", async () => {
  const dir = await Deno.makeTempDir();
  const a = await lockRunDir(dir);
  assertEquals(a.stale, null);
  await assertRejects(
    () => lockRunDir(dir),
    (e: unknown) =>
      e instanceof RunDirError && new RegExp(`is in use by process ${Deno.pid} `).test(e.message),
  );
  await a.release();
  const b = await lockRunDir(dir);
  assertEquals(b.stale, null, "a released lock is not stale");
  await b.release();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("lockRunDir: a record left by a killed owner is taken over and reported", async () => {
  const dir = await Deno.makeTempDir();
  // What a SIGKILLed owner leaves: its record, but no held lock (the OS dropped it).
  await Deno.writeTextFile(`${dir}/lock`, JSON.stringify({ pid: 4242, since: "then" }));
  const lock = await lockRunDir(dir);
  assertEquals(lock.stale, { pid: 4242, since: "then" });
  assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/lock`)).pid, Deno.pid);
  await lock.release();
  assertEquals(await Deno.readTextFile(`${dir}/lock`), "");
  await Deno.remove(dir, { recursive: true });
});
