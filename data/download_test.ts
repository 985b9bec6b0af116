import { deepEqual as assertEquals, equal } from "node:assert/strict";
import { createHash } from "node:crypto";
import { Prng } from "@ovsw/init";
import { freshSeed } from "../tests/util.ts";
import { encodeCifar10 } from "./_cifar_encode.ts";
import { downloadDataset, downloadFile } from "./download.ts";
import { encodeIdx } from "./idx.ts";
import { progressLine, type ProgressSink } from "./progress.ts";
import { readDataset } from "./read.ts";
import { encodeTar } from "./_tar.ts";
import { assertDatasetError, gzip, randomBytes, withTempDir } from "./_test_helpers.ts";

interface Served {
  base: string;
  /** Path and Range header of every request. */
  log: { path: string; range: string | null }[];
  /** Bytes to send before cutting the connection, per path, for the next request only. */
  cutNext: Map<string, number>;
  ignoreRange: boolean;
  close(): Promise<void>;
}

/** A local HTTP server for `files` that honours Range requests and can cut a transfer short. */
function serve(files: Map<string, Uint8Array>): Served {
  const state = {
    log: [] as Served["log"],
    cutNext: new Map<string, number>(),
    ignoreRange: false,
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname.slice(1);
    const range = req.headers.get("range");
    state.log.push({ path, range });
    const data = files.get(path);
    if (!data) return new Response("not here", { status: 404 });
    let start = 0;
    let status = 200;
    const headers = new Headers({ "accept-ranges": "bytes" });
    const m = range && !state.ignoreRange ? /bytes=(\d+)-/.exec(range) : null;
    if (m) {
      start = Number(m[1]);
      if (start >= data.length) {
        return new Response(null, {
          status: 416,
          headers: { "content-range": `bytes */${data.length}` },
        });
      }
      status = 206;
      headers.set("content-range", `bytes ${start}-${data.length - 1}/${data.length}`);
    }
    headers.set("content-length", String(data.length - start));
    const cut = state.cutNext.get(path);
    state.cutNext.delete(path);
    if (cut === undefined) return new Response(data.slice(start), { status, headers });
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (!sent) {
          sent = true;
          c.enqueue(data.slice(start, start + cut));
          return;
        }
        await new Promise((r) => setTimeout(r, 20)); // let the first bytes reach the client
        c.close(); // shorter than Content-Length: the client sees a cut connection
      },
    });
    return new Response(body, { status, headers });
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}/`,
    get log() {
      return state.log;
    },
    cutNext: state.cutNext,
    get ignoreRange() {
      return state.ignoreRange;
    },
    set ignoreRange(v: boolean) {
      state.ignoreRange = v;
    },
    close: () => server.shutdown(),
  };
}

function sha256(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

const quiet = () => {};

function recorder(): ProgressSink & { seen: number[]; finished: number } {
  const r = {
    seen: [] as number[],
    finished: 0,
    update(done: number) {
      r.seen.push(done);
    },
    done() {
      r.finished++;
    },
  };
  return r;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("download: success, checksum verified, then found present", async () => {
  const data = randomBytes(new Prng(freshSeed()), 50_000);
  const srv = serve(new Map([["f.bin", data]]));
  try {
    await withTempDir(async (dir) => {
      const progress = recorder();
      const dest = `${dir}/sub/f.bin`;
      const r = await downloadFile(srv.base + "f.bin", dest, {
        sha256: sha256(data),
        progress,
        log: quiet,
      });
      equal(r, "downloaded");
      assertEquals(await Deno.readFile(dest), data);
      equal(await exists(dest + ".part"), false);
      equal(progress.seen.at(-1), data.length);
      equal(progress.finished, 1);
      const again = await downloadFile(srv.base + "f.bin", dest, {
        sha256: sha256(data),
        log: quiet,
      });
      equal(again, "present");
      equal(srv.log.length, 1);
    });
  } finally {
    await srv.close();
  }
});

Deno.test("download: an interrupted transfer resumes with a Range request", async () => {
  const data = randomBytes(new Prng(freshSeed()), 80_000);
  const srv = serve(new Map([["f.bin", data]]));
  try {
    await withTempDir(async (dir) => {
      srv.cutNext.set("f.bin", 30_000);
      const dest = `${dir}/f.bin`;
      const r = await downloadFile(srv.base + "f.bin", dest, { sha256: sha256(data), log: quiet });
      equal(r, "downloaded");
      assertEquals(await Deno.readFile(dest), data);
      assertEquals(srv.log.map((l) => l.range), [null, "bytes=30000-"]);
    });
  } finally {
    await srv.close();
  }
});

Deno.test("download: without retries the .part file is kept and the next run resumes", async () => {
  const data = randomBytes(new Prng(freshSeed()), 60_000);
  const srv = serve(new Map([["f.bin", data]]));
  try {
    await withTempDir(async (dir) => {
      const dest = `${dir}/f.bin`;
      const opts = { sha256: sha256(data), retries: 0, log: quiet };
      srv.cutNext.set("f.bin", 25_000);
      await assertDatasetError(
        () => downloadFile(srv.base + "f.bin", dest, opts),
        srv.base + "f.bin",
        "interrupted",
        `25000 bytes are kept in ${dest}.part`,
      );
      equal(await exists(dest), false);
      equal((await Deno.stat(dest + ".part")).size, 25_000);
      srv.cutNext.set("f.bin", 10_000);
      await assertDatasetError(() => downloadFile(srv.base + "f.bin", dest, opts), "interrupted");
      equal((await Deno.stat(dest + ".part")).size, 35_000);
      equal(await downloadFile(srv.base + "f.bin", dest, opts), "downloaded");
      assertEquals(await Deno.readFile(dest), data);
      assertEquals(srv.log.map((l) => l.range), [null, "bytes=25000-", "bytes=35000-"]);
    });
  } finally {
    await srv.close();
  }
});

Deno.test("download: a server that ignores Range restarts the file cleanly", async () => {
  const data = randomBytes(new Prng(freshSeed()), 40_000);
  const srv = serve(new Map([["f.bin", data]]));
  try {
    await withTempDir(async (dir) => {
      const dest = `${dir}/f.bin`;
      await Deno.writeFile(dest + ".part", data.subarray(0, 12_345));
      srv.ignoreRange = true;
      equal(
        await downloadFile(srv.base + "f.bin", dest, { sha256: sha256(data), log: quiet }),
        "downloaded",
      );
      assertEquals(await Deno.readFile(dest), data);
      equal(srv.log[0].range, "bytes=12345-");
    });
  } finally {
    await srv.close();
  }
});

Deno.test("download: checksum mismatch deletes the download; HTTP 404 is not retried", async () => {
  const data = randomBytes(new Prng(freshSeed()), 10_000);
  const srv = serve(new Map([["f.bin", data]]));
  try {
    await withTempDir(async (dir) => {
      const dest = `${dir}/f.bin`;
      const wrong = "0".repeat(64);
      await assertDatasetError(
        () => downloadFile(srv.base + "f.bin", dest, { sha256: wrong, log: quiet }),
        "SHA-256 mismatch",
        `expected ${wrong}, got ${sha256(data)}`,
        dest,
      );
      equal(await exists(dest), false);
      equal(await exists(dest + ".part"), false);
      await assertDatasetError(
        () => downloadFile(srv.base + "missing.bin", dest, { sha256: wrong, log: quiet }),
        `${srv.base}missing.bin`,
        "HTTP 404",
      );
      equal(srv.log.filter((l) => l.path === "missing.bin").length, 1);
    });
  } finally {
    await srv.close();
  }
});

Deno.test("downloadDataset: IDX files and a CIFAR-10 tar.gz from an overridden base URL", async () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const idx: [string, Uint8Array][] = [
    ["train-images-idx3-ubyte.gz", gzip(encodeIdx(randomBytes(rng, 4 * 784), [4, 28, 28]))],
    ["train-labels-idx1-ubyte.gz", gzip(encodeIdx(randomBytes(rng, 4, 10), [4]))],
    ["t10k-images-idx3-ubyte.gz", gzip(encodeIdx(randomBytes(rng, 2 * 784), [2, 28, 28]))],
    ["t10k-labels-idx1-ubyte.gz", gzip(encodeIdx(randomBytes(rng, 2, 10), [2]))],
  ];
  const batches = [
    "data_batch_1",
    "data_batch_2",
    "data_batch_3",
    "data_batch_4",
    "data_batch_5",
    "test_batch",
  ]
    .map((n) => ({
      name: `cifar-10-batches-bin/${n}.bin`,
      data: encodeCifar10({ images: randomBytes(rng, 2 * 3072), labels: randomBytes(rng, 2, 10) }),
    }));
  const tgz = gzip(encodeTar(batches));
  const srv = serve(new Map([...idx, ["cifar-10-binary.tar.gz", tgz]]));
  try {
    await withTempDir(async (dir) => {
      // The published checksums do not match generated files: a clear mismatch error.
      await assertDatasetError(
        () => downloadDataset("fashion-mnist", dir, { baseUrl: srv.base, log: quiet }),
        "SHA-256 mismatch",
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
      );
      const files = idx.map(([name, data]) => ({ name, sha256: sha256(data), bytes: data.length }));
      const loc = await downloadDataset("fashion-mnist", dir, {
        baseUrl: srv.base,
        files,
        log: quiet,
      });
      equal(loc.dir, `${dir}/fashion-mnist`);
      const d = await readDataset(loc);
      assertEquals([d.train.count, d.test.count], [4, 2]);
      const tfiles = [{ name: "cifar-10-binary.tar.gz", sha256: sha256(tgz), bytes: tgz.length }];
      srv.cutNext.set("cifar-10-binary.tar.gz", 1000);
      const c = await downloadDataset("cifar10", dir, {
        baseUrl: srv.base,
        files: tfiles,
        log: quiet,
      });
      equal(c.dir, `${dir}/cifar-10-batches-bin`);
      equal(await exists(`${dir}/cifar-10-binary.tar.gz`), false);
      const cd = await readDataset(c);
      assertEquals([cd.train.count, cd.test.count], [10, 2]);
      assertEquals(
        cd.test.labels,
        batches[5].data.filter((_, i) => i % 3073 === 0),
        `seed ${seed}`,
      );
      const requests = srv.log.length;
      await downloadDataset("cifar10", dir, { baseUrl: srv.base, files: tfiles, log: quiet });
      equal(srv.log.length, requests, "an existing dataset must not be fetched again");
    });
  } finally {
    await srv.close();
  }
});

Deno.test("progressLine draws a bar with percent and sizes", () => {
  equal(progressLine("a.gz", 5e6, 20e6, 8), "a.gz ██░░░░░░  25% 5.0/20.0 MB");
  equal(progressLine("a.gz", 5e6, null), "a.gz 5.0 MB");
});
