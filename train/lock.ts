/**
 * The run directory's `lock` file: one process trains a run at a time. The owner holds an
 * exclusive advisory lock (`flock`) on the file for as long as it runs and writes its process
 * id into it; the operating system drops the lock when the process ends however it ends, so a
 * lock left by a killed process is simply taken over.
 *
 * @module
 */
import { RunDirError, storageError } from "./errors.ts";
import { RUN_FILES } from "./run_files.ts";

/** What the lock file records. */
export interface LockInfo {
  /** Process id of the owner. */
  pid: number;
  /** ISO time the lock was taken. */
  since: string;
}

/** A held lock; release it when the run ends. */
export interface RunLock {
  /** The lock file. */
  path: string;
  /** The record left by an earlier owner that ended without releasing it (killed), if any. */
  stale: LockInfo | null;
  /** Empties the lock file and drops the lock. */
  release(): Promise<void>;
}

function parseLock(text: string): LockInfo | null {
  try {
    const v = JSON.parse(text);
    return typeof v?.pid === "number" ? v as LockInfo : null;
  } catch {
    return null; // empty (released) or half-written
  }
}

/**
 * Takes the run directory's lock. Throws a {@link RunDirError} naming the process when
 * another live process holds it; a record left by a process that ended without releasing it
 * is taken over (`stale` says whose it was).
 *
 * @example
 * ```ts
 * import { lockRunDir } from "@ovsw/train";
 * const dir = await Deno.makeTempDir();
 * const lock = await lockRunDir(dir);
 * await lockRunDir(dir).catch((e) => console.log(e.message)); // ... is in use by process ...
 * await lock.release();
 * ```
 */
export async function lockRunDir(runDir: string): Promise<RunLock> {
  const path = `${runDir}/${RUN_FILES.lock}`;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, write: true, create: true });
  } catch (e) {
    throw storageError(path, e);
  }
  if (!(await file.tryLock(true))) {
    const held = parseLock(await Deno.readTextFile(path).catch(() => ""));
    file.close();
    const who = held ? `process ${held.pid} (since ${held.since})` : "another process";
    throw new RunDirError(
      `${runDir} is in use by ${who}; wait for it to finish, or stop it, before training ` +
        `this run again`,
    );
  }
  const before = parseLock(await Deno.readTextFile(path).catch(() => ""));
  const mine: LockInfo = { pid: Deno.pid, since: new Date().toISOString() };
  try {
    await file.truncate(0);
    await file.seek(0, Deno.SeekMode.Start);
    await file.write(new TextEncoder().encode(JSON.stringify(mine) + "\n"));
  } catch (e) {
    file.close();
    throw storageError(path, e);
  }
  let held = true;
  return {
    path,
    stale: before,
    release: async () => {
      if (!held) return;
      held = false;
      await file.truncate(0).catch(() => {});
      await file.unlock().catch(() => {});
      file.close();
    },
  };
}
