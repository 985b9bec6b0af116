import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
import { makeDir, writeFileAtomic } from "./atomic.ts";
import { StorageError, storageError } from "./errors.ts";
import { MetricsWriter } from "./metrics_writer.ts";

/** Rejects with a StorageError of `problem` whose one-line message names `path`. */
async function failsWith(write: () => Promise<unknown>, path: string, problem: string) {
  await assertRejects(write, (e: unknown) => {
    if (!(e instanceof StorageError)) throw e;
    assertEquals([e.path, e.problem], [path, problem]);
    assertEquals(e.message.startsWith(`cannot write ${path}: `), true, e.message);
    assertEquals(e.message.includes("\n"), false);
    return true;
  });
}

Deno.test("disk full (ENOSPC) is one line naming the path", async () => {
  // A real ENOSPC from the OS: /dev/full, written in a subprocess (Deno lets only --allow-all
  // programs touch /dev).
  const atomic = new URL("./atomic.ts", import.meta.url).href;
  const code = `import { appendText } from "${atomic}";
    await appendText("/dev/full", "row\\n").catch((e) => console.log(e.name, e.problem, e.message));`;
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "-A", code],
    stdout: "piped",
    stderr: "null",
  }).output();
  assertEquals(
    new TextDecoder().decode(r.stdout).trim(),
    "StorageError disk full cannot write /dev/full: no space left on device (disk full)",
  );
  // The same mapping for an error carrying only the OS code (another platform's wording).
  const coded = Object.assign(new Error("write failed"), { code: "ENOSPC" });
  assertEquals(
    storageError("runs/a/x", coded).message,
    "cannot write runs/a/x: no space left on device (disk full)",
  );
});

Deno.test("unwritable paths (under a regular file, missing parent) name the path", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/file`, "not a directory");
  await failsWith(() => makeDir(`${dir}/file/run`), `${dir}/file/run`, "not a directory");
  await failsWith(
    () => writeFileAtomic(`${dir}/file/x.json`, "{}"),
    `${dir}/file/x.json`,
    "not a directory",
  );
  await failsWith(
    () => MetricsWriter.open(`${dir}/file/run`),
    `${dir}/file/run`,
    "not a directory",
  );
  await failsWith(
    () => writeFileAtomic(`${dir}/none/x.json`, "{}"),
    `${dir}/none/x.json`,
    "not writable",
  );
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["file"], "no temporary files left");
  await Deno.remove(dir, { recursive: true });
});
