/**
 * Atomic file replacement: write a temporary file beside the target, then rename over it.
 *
 * @module
 */

let counter = 0;

/**
 * Replaces `path` with `data` atomically (a reader sees the old or the new file, never a
 * partial one). The temporary file lives in the same directory.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "@ovsw/metrics";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a.txt`, "hello\n");
 * console.log(await Deno.readTextFile(`${dir}/a.txt`));
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}-${counter++}`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/**
 * Writes `value` as JSON (indented by `indent` spaces, 0 for compact) atomically; non-finite
 * numbers become `null`.
 *
 * @example
 * ```ts
 * import { writeJsonAtomic } from "@ovsw/metrics";
 * const dir = await Deno.makeTempDir();
 * await writeJsonAtomic(`${dir}/config.json`, { name: "demo", method: "ovsw" });
 * ```
 */
export async function writeJsonAtomic(path: string, value: unknown, indent = 1): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, indent) + "\n");
}
