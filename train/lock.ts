/**
 * The run directory's `lock` file: one process trains a run at a time. It holds the owner's
 * process id and host; a lock whose process is gone (killed, crashed) is taken over.
 *
 * @module
 */
import { RunDirError, storageError } from "./errors.ts";
import { RUN_FILES } from "./run_files.ts";

/** What the lock file records. */
export interface LockInfo {
  /** Process id of the owner. */
  pid: number;
  /** Host name of the owner. */
  host: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** A held lock; release it when the run ends. */
export interface RunLock {
  /** The lock file. */
  path: string;
  /** The lock that was taken over (its process was gone), if any. */
  stale: LockInfo | null;
  /** Removes the lock file (only if it is still ours). */
  release(): Promise<void>;
}

function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

/** Whether process `pid` is alive on this host (Linux `/proc`; elsewhere assumed alive). */
function alive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  try {
    Deno.statSync("/proc/self");
  } catch {
    return true; // no /proc: cannot tell, so never take a lock over
  }
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

function readLock(path: string): LockInfo | null {
  try {
    const v = JSON.parse(Deno.readTextFileSync(path));
    return typeof v?.pid === "number" ? v as LockInfo : null;
  } catch {
    return null; // half-written or unreadable: treated as stale
  }
}

/**
 * Takes the run directory's lock. Throws a {@link RunDirError} when a live process holds it;
 * a lock left by a process that is gone is taken over (`stale` says whose it was).
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
  const mine: LockInfo = { pid: Deno.pid, host: hostName(), since: new Date().toISOString() };
  let stale: LockInfo | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await Deno.writeTextFile(path, JSON.stringify(mine) + "\n", { createNew: true });
      return {
        path,
        stale,
        release: async () => {
          if (readLock(path)?.pid === mine.pid && readLock(path)?.since === mine.since) {
            await Deno.remove(path).catch(() => {});
          }
        },
      };
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw storageError(path, e);
    }
    const held = readLock(path);
    if (held && (held.host !== mine.host || alive(held.pid))) {
      throw new RunDirError(
        `${runDir} is in use by process ${held.pid} on ${held.host} (since ${held.since}); ` +
          `wait for it to finish, or stop it, before training this run (if no such process ` +
          `exists, delete ${path})`,
      );
    }
    stale = held ?? { pid: -1, host: "unknown", since: "unknown" };
    await Deno.remove(path).catch(() => {});
  }
  throw new RunDirError(`${path}: another process took the lock while it was being taken over`);
}
