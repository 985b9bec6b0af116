/**
 * Crash-safe file and directory replacement: everything is written under a temporary name,
 * flushed to disk, then renamed into place, so a crash leaves either the old or the new
 * version, never a half-written one.
 *
 * @module
 */

/** Writes bytes to a file and flushes them to disk. */
async function writeSynced(path: string, data: Uint8Array): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    let off = 0;
    while (off < data.length) off += await file.write(data.subarray(off));
    await file.sync();
  } finally {
    file.close();
  }
}

/**
 * Replaces a file atomically: writes a temporary sibling, syncs it, renames it into place.
 *
 * @example
 * ```ts
 * import { replaceFileAtomic } from "@ovsw/cli";
 * const dir = await Deno.makeTempDir();
 * await replaceFileAtomic(`${dir}/state.json`, new TextEncoder().encode("{}"));
 * ```
 */
export async function replaceFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const tmp = `${path}.tmp-${Deno.pid}`;
  try {
    await writeSynced(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** The name of the file written last into a complete directory (its presence marks it whole). */
export const COMPLETE_MARKER = "state.json";

/**
 * Replaces a directory atomically: `fill(tmpDir)` writes every file (the
 * {@link COMPLETE_MARKER} last), then the old directory is moved to `<dir>.old`, the new one
 * renamed into place, and the old one removed. {@link findCompleteDir} recovers from a crash
 * between the two renames.
 *
 * @example
 * ```ts
 * import { replaceDirAtomic } from "@ovsw/cli";
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
  const tmp = `${dir}.tmp-${Deno.pid}`;
  const old = `${dir}.old`;
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  await Deno.mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  }
  if (!(await exists(`${tmp}/${COMPLETE_MARKER}`))) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw new Error(`replaceDirAtomic: ${dir}: the writer did not create ${COMPLETE_MARKER}`);
  }
  // Sync the directory entries so the renames below cannot overtake the file contents.
  await syncDir(tmp);
  if (await exists(dir)) {
    await Deno.remove(old, { recursive: true }).catch(() => {});
    await Deno.rename(dir, old);
  }
  await Deno.rename(tmp, dir);
  await syncDir(dir.substring(0, Math.max(dir.lastIndexOf("/"), 0)) || ".");
  await Deno.remove(old, { recursive: true }).catch(() => {});
}

async function syncDir(path: string): Promise<void> {
  try {
    const f = await Deno.open(path, { read: true });
    try {
      await f.sync();
    } finally {
      f.close();
    }
  } catch {
    // Some file systems cannot fsync a directory; the renames stay atomic regardless.
  }
}

/**
 * The complete version of a directory written by {@link replaceDirAtomic}: `dir` itself if it
 * holds the {@link COMPLETE_MARKER}, else `<dir>.old` (a crash between the renames), else null.
 *
 * @example
 * ```ts
 * import { findCompleteDir } from "@ovsw/cli";
 * console.log(await findCompleteDir("/nonexistent/checkpoint-latest")); // null
 * ```
 */
export async function findCompleteDir(dir: string): Promise<string | null> {
  for (const d of [dir, `${dir}.old`]) {
    if (await exists(`${d}/${COMPLETE_MARKER}`)) return d;
  }
  return null;
}
