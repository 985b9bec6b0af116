/**
 * Verified, resumable downloads: a `.part` file grows with HTTP Range requests until complete,
 * is checked against its SHA-256, and only then renamed to its final name.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { DatasetError } from "./errors.ts";
import { maybeGunzip } from "./_files.ts";
import { type DatasetLocation, locateDataset } from "./layout.ts";
import { type ProgressSink, stderrProgress } from "./progress.ts";
import { type DatasetName, datasetSpec, type RemoteFile } from "./specs.ts";
import { readTar } from "./_tar.ts";

/** Options of {@link downloadFile}. */
export interface DownloadFileOptions {
  /** Expected lower-case hex SHA-256 of the complete file. */
  sha256: string;
  /** Automatic resumes after an interrupted transfer within this call; default 3. */
  retries?: number;
  /** Progress display; default a bar on stderr when it is a terminal. */
  progress?: ProgressSink;
  /** Status messages (resume, re-download); default `console.error`. */
  log?: (message: string) => void;
}

/** What {@link downloadFile} did. */
export type DownloadResult = "present" | "downloaded";

/** A failure that retrying cannot fix (HTTP 404, permissions…). */
class FatalDownloadError extends DatasetError {}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

async function fileSize(path: string): Promise<number | null> {
  try {
    return (await Deno.stat(path)).size;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/**
 * SHA-256 of a file as lower-case hex, read in chunks.
 *
 * @example
 * ```ts
 * import { sha256File } from "@ovsw/data";
 * console.log((await sha256File("deno.json")).length); // 64
 * ```
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using f = await Deno.open(path, { read: true });
  const buf = new Uint8Array(1 << 20);
  for (;;) {
    const n = await f.read(buf);
    if (n === null) break;
    hash.update(buf.subarray(0, n));
  }
  return hash.digest("hex");
}

async function writeAll(f: Deno.FsFile, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await f.write(data.subarray(off));
}

/** One HTTP request appending to `part` from `offset`. Throws on interruption. */
async function transfer(
  url: string,
  part: string,
  offset: number,
  progress: ProgressSink,
): Promise<void> {
  const res = await fetch(url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {} });
  let total: number | null = null;
  let append = false;
  if (res.status === 416 && offset > 0) {
    await res.body?.cancel();
    return; // the part file already holds everything; the checksum decides
  } else if (res.status === 206) {
    const m = /bytes (\d+)-(\d+)\/(\d+|\*)/.exec(res.headers.get("content-range") ?? "");
    if (!m || Number(m[1]) !== offset) {
      await res.body?.cancel();
      await Deno.truncate(part, 0);
      throw new Error(`server resumed at the wrong offset (${m?.[1] ?? "?"}, wanted ${offset})`);
    }
    total = m[3] === "*" ? null : Number(m[3]);
    append = true;
  } else if (res.status === 200) {
    const len = res.headers.get("content-length");
    total = len === null ? null : Number(len);
    offset = 0; // the server ignored the Range header: start over
  } else {
    await res.body?.cancel();
    const msg = `HTTP ${res.status} ${res.statusText}`;
    if (res.status >= 500) throw new Error(msg);
    throw new FatalDownloadError(url, msg);
  }
  if (!res.body) throw new Error("response without a body");
  let done = offset;
  progress.update(done, total);
  {
    using f = await Deno.open(part, { write: true, create: true, append, truncate: !append });
    for await (const chunk of res.body) {
      await writeAll(f, chunk);
      done += chunk.length;
      progress.update(done, total);
    }
  }
  if (total !== null && done < total) {
    throw new Error(`connection closed after ${done} of ${total} bytes`);
  }
}

/**
 * Downloads `url` to `dest` and checks its SHA-256. Data goes to `dest + ".part"`, which is
 * renamed to `dest` only once complete and verified. An interrupted transfer resumes with an
 * HTTP Range request, automatically up to `retries` times, and in a later call otherwise (the
 * `.part` file is kept). A checksum mismatch deletes the `.part` file and throws a
 * {@link DatasetError}. If `dest` already exists with the right checksum nothing is fetched.
 *
 * @example
 * ```ts
 * import { downloadFile, sha256File } from "@ovsw/data";
 * // A local file stands in for the server: file:// URLs need only --allow-read.
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/source.bin`, "some bytes");
 * const sha256 = await sha256File(`${dir}/source.bin`);
 * const url = `file://${dir}/source.bin`;
 * console.log(await downloadFile(url, `${dir}/copy/source.bin`, { sha256 })); // "downloaded"
 * console.log(await downloadFile(url, `${dir}/copy/source.bin`, { sha256 })); // "present"
 * ```
 */
export async function downloadFile(
  url: string,
  dest: string,
  opts: DownloadFileOptions,
): Promise<DownloadResult> {
  const expected = opts.sha256.toLowerCase();
  const log = opts.log ?? ((m: string) => console.error(m));
  const retries = opts.retries ?? 3;
  const fail = (what: string, e?: unknown): never => {
    throw new DatasetError(dest, what, { cause: e });
  };
  try {
    await Deno.mkdir(dirname(dest), { recursive: true });
  } catch (e) {
    fail(`cannot create the directory ${dirname(dest)}: ${(e as Error).message}`, e);
  }
  if ((await fileSize(dest)) !== null) {
    if ((await sha256File(dest)) === expected) return "present";
    log(`${dest}: exists but its SHA-256 is wrong; downloading it again`);
  }
  const part = dest + ".part";
  const progress = opts.progress ?? stderrProgress(basename(dest));
  for (let attempt = 0;; attempt++) {
    const offset = (await fileSize(part)) ?? 0;
    if (offset > 0) log(`${url}: resuming at byte ${offset}`);
    try {
      await transfer(url, part, offset, progress);
      break;
    } catch (e) {
      if (e instanceof FatalDownloadError) {
        progress.done();
        throw e;
      }
      const have = (await fileSize(part)) ?? 0;
      const why = (e as Error).message;
      if (attempt >= retries) {
        progress.done();
        throw new DatasetError(
          url,
          `download interrupted (${why}); ${have} bytes are kept in ${part} and the next run ` +
            `resumes from there`,
          { cause: e },
        );
      }
      log(`${url}: transfer interrupted (${why}); retrying`);
    }
  }
  progress.done();
  const actual = await sha256File(part);
  if (actual !== expected) {
    const size = (await fileSize(part)) ?? 0;
    await Deno.remove(part);
    throw new DatasetError(
      url,
      `SHA-256 mismatch for ${dest}: expected ${expected}, got ${actual} (${size} bytes); ` +
        `the download was deleted, run again to retry`,
    );
  }
  await Deno.rename(part, dest);
  return "downloaded";
}

/**
 * Unpacks a `.tar.gz` archive into `dir` (only regular files; paths stay inside `dir`).
 *
 * @example
 * ```ts
 * import { gzipSync } from "node:zlib";
 * import { extractTarGz } from "@ovsw/data";
 * import { encodeTar } from "./_tar.ts";
 * const dir = await Deno.makeTempDir();
 * const tar = encodeTar([{ name: "batches/a.bin", data: new Uint8Array([1, 2, 3]) }]);
 * await Deno.writeFile(`${dir}/a.tar.gz`, gzipSync(tar));
 * console.log(await extractTarGz(`${dir}/a.tar.gz`, `${dir}/out`)); // [ ".../out/batches/a.bin" ]
 * ```
 */
export async function extractTarGz(archive: string, dir: string): Promise<string[]> {
  const entries = readTar(maybeGunzip(await Deno.readFile(archive), archive), archive);
  const written: string[] = [];
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeFile(path + ".part", e.data);
    await Deno.rename(path + ".part", path);
    written.push(path);
  }
  return written;
}

/** Options of {@link downloadDataset}. */
export interface DownloadDatasetOptions {
  /**
   * Replaces the dataset's official base URL (for mirrors and tests). Default: the env var
   * `OVSW_DOWNLOAD_BASE_URL` if set, else the official location.
   */
  baseUrl?: string;
  /** Automatic resumes per file; default 3. */
  retries?: number;
  /** Status messages; default `console.error`. */
  log?: (message: string) => void;
  /** Progress display per file; default a bar on stderr when it is a terminal. */
  progress?: (file: string) => ProgressSink;
  /** Replaces the dataset's file list and checksums (for other mirrors' files and tests). */
  files?: readonly RemoteFile[];
}

function envBase(): string | undefined {
  try {
    return Deno.env.get("OVSW_DOWNLOAD_BASE_URL") || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes a dataset available under `dataDir`, downloading it if it is not there yet: MNIST and
 * Fashion-MNIST to `dataDir/mnist/` and `dataDir/fashion-mnist/`, CIFAR archives unpacked to
 * `dataDir/cifar-10-batches-bin/` and `dataDir/cifar-100-binary/` (the archive is deleted after
 * unpacking). Every file is checked against its published SHA-256.
 *
 * @example
 * ```ts
 * import { DATASETS, downloadDataset, encodeIdx, sha256File } from "@ovsw/data";
 * // A local mirror (file:// URLs need only --allow-read) with a 2-image MNIST look-alike.
 * const mirror = await Deno.makeTempDir();
 * const files = [];
 * for (const f of DATASETS.mnist.remote) {
 *   const bytes = f.name.includes("images")
 *     ? encodeIdx(new Uint8Array(2 * 28 * 28), [2, 28, 28])
 *     : encodeIdx(new Uint8Array([3, 7]), [2]);
 *   await Deno.writeFile(`${mirror}/${f.name}`, bytes);
 *   files.push({ ...f, bytes: bytes.length, sha256: await sha256File(`${mirror}/${f.name}`) });
 * }
 * const dataDir = await Deno.makeTempDir();
 * const loc = await downloadDataset("mnist", dataDir, {
 *   baseUrl: `file://${mirror}`,
 *   files,
 *   log: () => {},
 * });
 * console.log(loc.dir); // <dataDir>/mnist
 * ```
 */
export async function downloadDataset(
  name: DatasetName,
  dataDir: string,
  opts: DownloadDatasetOptions = {},
): Promise<DatasetLocation> {
  const spec = datasetSpec(name);
  try {
    return locateDataset(dataDir, name);
  } catch {
    // not there yet
  }
  let base = opts.baseUrl ?? envBase() ?? spec.baseUrl;
  if (!base.endsWith("/")) base += "/";
  const log = opts.log ?? ((m: string) => console.error(m));
  const target = spec.archiveDir ? dataDir : `${dataDir}/${spec.subdirs[0]}`;
  for (const f of opts.files ?? spec.remote) {
    const dest = `${target}/${f.name}`;
    log(`downloading ${base}${f.name} (${(f.bytes / 1e6).toFixed(1)} MB) to ${dest}`);
    await downloadFile(base + f.name, dest, {
      sha256: f.sha256,
      retries: opts.retries,
      log,
      progress: opts.progress?.(f.name),
    });
    if (spec.archiveDir) {
      await extractTarGz(dest, dataDir);
      await Deno.remove(dest);
    }
  }
  return locateDataset(dataDir, name);
}
