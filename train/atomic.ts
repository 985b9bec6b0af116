/**
 * Crash-safe file and directory replacement, the only writer of the run directory's files:
 * everything is written under a unique temporary name, flushed to disk (file and directory),
 * then renamed into place, so a crash leaves the old or the new version, never a half-written
 * one. Failed writes are a {@link StorageError} naming the path.
 *
 * @module
 */
import { storageError } from "./errors.ts";

let counter = 0;

/** A temporary sibling name unique to this call (process id, counter, random suffix). */
function tempName(path: string): string {
  const rand = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  return `${path}.tmp-${Deno.pid}-${counter++}-${rand}`;
}

/**
 * Whether a path exists (a broken symbolic link counts); errors other than "not found" (or a
 * parent that is a file) throw.
 *
 * @example
 * ```ts
 * import { exists } from "@ovsw/train";
 * console.log(await exists("/nonexistent/file")); // false
 * ```
 */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return false;
    throw e;
  }
}

/** Writes bytes to a new file and flushes them to disk. */
async function writeSynced(path: string, data: Uint8Array): Promise<void> {
  const file = await Deno.open(path, { write: true, createNew: true });
  try {
    let off = 0;
    while (off < data.length) off += await file.write(data.subarray(off));
    await file.sync();
  } finally {
    file.close();
  }
}

/** The directory holding `path` (`.` for a bare name). */
function parentDir(path: string): string {
  const i = path.replace(/\/+$/, "").lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.substring(0, i);
}

/**
 * Flushes a directory's entries (renames into it) to disk; file systems that cannot fsync a
 * directory are skipped (the renames stay atomic).
 *
 * @example
 * ```ts
 * import { syncDir } from "@ovsw/train";
 * await syncDir(await Deno.makeTempDir());
 * ```
 */
export async function syncDir(path: string): Promise<void> {
  let f: Deno.FsFile;
  try {
    f = await Deno.open(path, { read: true });
  } catch {
    return;
  }
  try {
    await f.sync();
  } catch {
    // e.g. EINVAL on file systems without directory fsync
  } finally {
    f.close();
  }
}

/**
 * Replaces `path` with `data` atomically and durably: a uniquely named temporary sibling is
 * written and synced, renamed over `path`, and the directory synced. A reader sees the old or
 * the new content, never a partial one; concurrent calls never share a temporary file.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "@ovsw/train";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a.txt`, "hello\n");
 * console.log(await Deno.readTextFile(`${dir}/a.txt`)); // hello
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const tmp = tempName(path);
  try {
    await writeSynced(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw storageError(path, e);
  }
  await syncDir(parentDir(path));
}

/**
 * Writes `value` as JSON (indented by `indent` spaces, 0 for compact) atomically; non-finite
 * numbers become `null`.
 *
 * @example
 * ```ts
 * import { writeJsonAtomic } from "@ovsw/train";
 * const dir = await Deno.makeTempDir();
 * await writeJsonAtomic(`${dir}/config.json`, { name: "demo", method: "ovsw" });
 * ```
 */
export async function writeJsonAtomic(path: string, value: unknown, indent = 1): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, indent) + "\n");
}

/**
 * Appends text to a file (creating it); a failure is a {@link StorageError} naming the path.
 *
 * @example
 * ```ts
 * import { appendText } from "@ovsw/train";
 * const dir = await Deno.makeTempDir();
 * await appendText(`${dir}/log.txt`, "one\n");
 * ```
 */
export async function appendText(path: string, text: string): Promise<void> {
  try {
    await Deno.writeTextFile(path, text, { append: true });
  } catch (e) {
    throw storageError(path, e);
  }
}

/**
 * Creates a directory and its parents; a failure is a {@link StorageError} naming it.
 *
 * @example
 * ```ts
 * import { makeDir } from "@ovsw/train";
 * await makeDir(`${await Deno.makeTempDir()}/a/b`);
 * ```
 */
export async function makeDir(path: string): Promise<void> {
  try {
    await Deno.mkdir(path, { recursive: true });
  } catch (e) {
    throw storageError(path, e);
  }
}

/** The name of the file written last into a complete directory (its presence marks it whole). */
export const COMPLETE_MARKER = "state.json";

/**
 * Replaces a directory atomically: `fill(tmpDir)` writes every file (the
 * {@link COMPLETE_MARKER} last) into a uniquely named temporary directory, which is synced;
 * then the old directory is moved to `<dir>.old`, the new one renamed into place, the parent
 * synced, and the old one removed. {@link findCompleteDir} recovers from a crash between the
 * two renames.
 *
 * @example
 * ```ts
 * import { replaceDirAtomic } from "@ovsw/train";
 * const root = await Deno.makeTempDir();
 * await replaceDirAtomic(`${root}/checkpoint-latest`, async (tmp) => {
 *   await Deno.writeTextFile(`${tmp}/state.json`, "{}");
 * });
 * ```
 */
export async function replaceDirAtomic(
  dir: string,
  fill: (tmpDir: string) => Promise<void>,
): Promise<void> {
  const tmp = tempName(dir);
  const old = `${dir}.old`;
  await makeDir(tmp);
  try {
    await fill(tmp);
    if (!(await exists(`${tmp}/${COMPLETE_MARKER}`))) {
      throw new Error(`replaceDirAtomic: ${dir}: the writer did not create ${COMPLETE_MARKER}`);
    }
    // Sync the directory entries so the renames below cannot overtake the file contents.
    await syncDir(tmp);
    if (await exists(dir)) {
      await Deno.remove(old, { recursive: true }).catch(() => {});
      await Deno.rename(dir, old);
    }
    await Deno.rename(tmp, dir);
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    if (e instanceof Error && e.message.startsWith("replaceDirAtomic")) throw e;
    throw storageError(dir, e);
  }
  await syncDir(parentDir(dir));
  await Deno.remove(old, { recursive: true }).catch(() => {});
}

/**
 * The complete version of a directory written by {@link replaceDirAtomic}: `dir` itself if it
 * holds the {@link COMPLETE_MARKER}, else `<dir>.old` (a crash between the renames), else null.
 *
 * @example
 * ```ts
 * import { findCompleteDir } from "@ovsw/train";
 * console.log(await findCompleteDir("/nonexistent/checkpoint-latest")); // null
 * ```
 */
export async function findCompleteDir(dir: string): Promise<string | null> {
  for (const d of [dir, `${dir}.old`]) {
    if (await exists(`${d}/${COMPLETE_MARKER}`)) return d;
  }
  return null;
}
