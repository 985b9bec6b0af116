/**
 * Helpers shared by the data package's tests: temporary directories and generated datasets.
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import { Prng } from "@ovsw/init";
import { encodeCifar10, encodeCifar100 } from "./_cifar_encode.ts";
import { encodeIdx } from "./idx.ts";

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "ovsw_data_test_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `n` random bytes below `limit` (default 256). */
export function randomBytes(rng: Prng, n: number, limit = 256): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(limit);
  return out;
}

/** gzip as a plain Uint8Array. */
export function gzip(bytes: Uint8Array): Uint8Array {
  const z = gzipSync(bytes);
  return new Uint8Array(z.buffer, z.byteOffset, z.byteLength);
}

/** Generated IDX split data. */
export interface GeneratedIdx {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Writes a generated IDX split (`prefix` = `train` or `t10k`) into `dir`. */
export async function writeIdxSplit(
  dir: string,
  prefix: "train" | "t10k",
  rng: Prng,
  count: number,
  opts: { gz?: boolean; height?: number; width?: number } = {},
): Promise<GeneratedIdx> {
  const h = opts.height ?? 28;
  const w = opts.width ?? 28;
  const images = randomBytes(rng, count * h * w);
  const labels = randomBytes(rng, count, 10);
  const enc = (b: Uint8Array) => (opts.gz ? gzip(b) : b);
  const ext = opts.gz ? ".gz" : "";
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeFile(
    `${dir}/${prefix}-images-idx3-ubyte${ext}`,
    enc(encodeIdx(images, [count, h, w])),
  );
  await Deno.writeFile(`${dir}/${prefix}-labels-idx1-ubyte${ext}`, enc(encodeIdx(labels, [count])));
  return { images, labels, count };
}

/** Writes generated CIFAR-10 batch files into `dir` and returns their concatenated contents. */
export async function writeCifar10(
  dir: string,
  rng: Prng,
  perBatch: number,
): Promise<{ train: GeneratedIdx; test: GeneratedIdx }> {
  await Deno.mkdir(dir, { recursive: true });
  const make = async (names: string[]) => {
    const images: number[] = [];
    const labels: number[] = [];
    for (const name of names) {
      const im = randomBytes(rng, perBatch * 3072);
      const lb = randomBytes(rng, perBatch, 10);
      await Deno.writeFile(`${dir}/${name}`, encodeCifar10({ images: im, labels: lb }));
      images.push(...im);
      labels.push(...lb);
    }
    return {
      images: Uint8Array.from(images),
      labels: Uint8Array.from(labels),
      count: labels.length,
    };
  };
  const train = await make([1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`));
  const test = await make(["test_batch.bin"]);
  return { train, test };
}

/** Writes generated CIFAR-100 `train.bin`/`test.bin` into `dir`. */
export async function writeCifar100(
  dir: string,
  rng: Prng,
  count: number,
): Promise<Record<"train" | "test", { images: Uint8Array; coarse: Uint8Array; fine: Uint8Array }>> {
  await Deno.mkdir(dir, { recursive: true });
  const out = {} as Record<
    "train" | "test",
    { images: Uint8Array; coarse: Uint8Array; fine: Uint8Array }
  >;
  for (const s of ["train", "test"] as const) {
    const r = {
      images: randomBytes(rng, count * 3072),
      coarse: randomBytes(rng, count, 20),
      fine: randomBytes(rng, count, 100),
    };
    await Deno.writeFile(`${dir}/${s}.bin`, encodeCifar100(r));
    out[s] = r;
  }
  return out;
}

/** Asserts that `fn` rejects with a DatasetError whose message contains every fragment. */
export async function assertDatasetError(
  fn: () => Promise<unknown> | unknown,
  ...fragments: (string | RegExp)[]
): Promise<Error> {
  let err: unknown = null;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  if (!(err instanceof Error) || err.name !== "DatasetError") {
    throw new Error(`expected a DatasetError, got ${err === null ? "no error" : String(err)}`);
  }
  for (const f of fragments) {
    const ok = typeof f === "string" ? err.message.includes(f) : f.test(err.message);
    if (!ok) throw new Error(`DatasetError message lacks ${String(f)}: ${err.message}`);
  }
  return err;
}

/** A fresh Prng with its seed, for messages. */
export function seeded(seed: number): Prng {
  return new Prng(seed);
}
