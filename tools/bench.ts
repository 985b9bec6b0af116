/**
 * `deno task bench`: prints one table of engine benchmarks on this machine's adapter.
 *
 * Flags: `--batch N` (conv batch, default 128), `--iters N` (timed iterations, default 5),
 * `--only NAME[,NAME]` (suites: see SUITES below), `--tiling TM,TN,WX,WY` (override the dense
 * tiling, e.g. `8,8,8,8` or `4,4,16,16`).
 *
 * To add rows, write `tools/bench_<area>.ts` exporting a {@link BenchSuite} and list it in
 * SUITES.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { adapterDescription, engineStats, initGpu } from "@ovsw/gpu";
import { denseTiling, setDenseTiling } from "@ovsw/gpu/internal";
import { type BenchOptions, type BenchSuite, BenchTable } from "./bench_table.ts";
import { benchDense } from "./bench_dense.ts";
import { benchData } from "./bench_data.ts";
import { benchImageFolder } from "./bench_imagefolder.ts";
import { benchMetrics } from "./bench_metrics.ts";
import { benchOptim } from "./bench_optim.ts";

/** Every suite, in print order. Other packages add theirs here. */
const SUITES: Record<string, BenchSuite> = {
  dense: benchDense,
  optim: benchOptim,
  metrics: benchMetrics,
  data: benchData,
  imagefolder: benchImageFolder,
};

function intFlag(flag: string, v: string | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    console.error(`bench: --${flag} must be an integer ≥ ${min}, got "${v}"`);
    Deno.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      args: Deno.args,
      options: {
        batch: { type: "string" },
        iters: { type: "string" },
        only: { type: "string" },
        tiling: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (e) {
    console.error(`bench: ${(e as Error).message}`);
    Deno.exit(2);
  }
  if (args.help) {
    console.log(
      "deno task bench [--batch N] [--iters N] [--tiling TM,TN,WX,WY] [--only " +
        Object.keys(SUITES).join(",") + "]",
    );
    return;
  }
  const options: BenchOptions = {
    // Training batch norm needs two images per channel.
    batch: intFlag("batch", args.batch, 128, 2),
    iters: intFlag("iters", args.iters, 5, 1),
  };
  const only = args.only ? args.only.split(",").map((s) => s.trim()) : Object.keys(SUITES);
  for (const name of only) {
    if (!SUITES[name]) {
      console.error(`bench: unknown suite "${name}" (have: ${Object.keys(SUITES).join(", ")})`);
      Deno.exit(2);
    }
  }
  await initGpu();
  if (args.tiling) {
    const v = args.tiling.split(",").map(Number);
    if (v.length !== 4) {
      console.error(`bench: --tiling wants TM,TN,WX,WY, got "${args.tiling}"`);
      Deno.exit(2);
    }
    try {
      setDenseTiling({ tm: v[0], tn: v[1], wx: v[2], wy: v[3] });
    } catch (e) {
      console.error(`bench: --tiling: ${(e as Error).message}`);
      Deno.exit(2);
    }
  }
  const a = adapterDescription();
  const t = denseTiling();
  const table = new BenchTable("ovsw engine benchmark");
  table.note(
    `adapter: ${a.description} (backend ${a.backend}${a.isFallbackAdapter ? ", software" : ""})`,
  );
  table.note(
    `dense tiling: ${t.tm}×${t.tn} outputs per invocation, workgroup ${t.wx}×${t.wy}; ` +
      `conv batch N=${options.batch}; ${options.iters} timed iterations (baselines fewer)`,
  );
  table.note("baseline = naive one-output-per-invocation kernel measured in the same run");
  const t0 = performance.now();
  for (const name of only) await SUITES[name](table, options);
  const s = engineStats();
  table.note(
    `total ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
      `${s.pipelinesCompiled} pipelines compiled in ${s.compileMs.toFixed(0)} ms`,
  );
  table.print();
}

if (import.meta.main) await main();
