/**
 * Where a training step goes: per-step engine counts (dispatches, bind groups created, uniform
 * bytes written, buffers acquired and created, pipelines), CPU milliseconds spent recording the
 * step (JS and command encoding, before the submit) and submitting it, and — where the adapter
 * offers `timestamp-query` — GPU milliseconds per kernel family from one profiled step. Used by
 * `bench:train` (tools/bench_train.ts) for its breakdown table.
 *
 * @module
 */
import {
  engineStats,
  kernelTimes,
  profileKernels,
  resetStats,
  sync,
  type Tensor,
  tidy,
} from "@ovsw/gpu";
import { flush } from "@ovsw/gpu/internal";

/** Kernel families of the breakdown, in table order. */
export const FAMILIES = [
  "forward conv",
  "grad-input",
  "grad-weight",
  "BN",
  "optimizer",
  "flip collector",
  "other",
] as const;

/** One kernel family. */
export type Family = typeof FAMILIES[number];

/**
 * The family of a kernel, from its name (the `name` given to `runKernel`).
 *
 * @example
 * ```ts
 * import { kernelFamily } from "./bench_breakdown.ts";
 * console.log(kernelFamily("xnor_conv2d_fwd")); // "forward conv"
 * console.log(kernelFamily("optim_fused_binary")); // "optimizer"
 * ```
 */
export function kernelFamily(name: string): Family {
  if (name.startsWith("optim_")) return "optimizer";
  if (name.startsWith("flip_")) return "flip collector";
  if (name.startsWith("bn_") || name.startsWith("bnh_")) return "BN";
  if (name.includes("grad_input") || name.includes("gradInput")) return "grad-input";
  if (
    name.includes("grad_weight") || name.includes("gradWeight") || name.startsWith("est_bwd") ||
    name === "conv2d_sum_slices"
  ) return "grad-weight";
  if (
    name.startsWith("xnor_conv") || name.startsWith("binary_pack") || name === "conv2dForward" ||
    name === "conv_permute_weight"
  ) return "forward conv";
  return "other";
}

/** Per-step figures of {@link measureBreakdown}. */
export interface Breakdown {
  /** Timed steps (medians over these). */
  steps: number;
  /** Median wall ms of a step (record, submit, wait for the GPU). */
  stepMs: number;
  /** Median CPU ms from the step's start until it is recorded (JS and command encoding). */
  recordMs: number;
  /** Median CPU ms of the submit (`flush`: uniform upload, finish, submit). */
  submitMs: number;
  /** Per-step means of the engine counters. */
  dispatches: number;
  /** Bind groups created per step (0 in the steady state). */
  bindGroupsCreated: number;
  /** Uniform bytes written per step. */
  uniformBytes: number;
  /** Buffers taken from the pool per step. */
  buffersAcquired: number;
  /** Buffers the pool had to create per step (0 in the steady state). */
  buffersCreated: number;
  /** Pipelines compiled per step (0 in the steady state). */
  pipelines: number;
  /** Dispatches per family in one step. */
  dispatchesByFamily: Record<Family, number>;
  /** GPU ms per family of one profiled step, or null without `timestamp-query`. */
  gpuMsByFamily: Record<Family, number> | null;
}

function byFamily(values: Record<string, number>): Record<Family, number> {
  const out = Object.fromEntries(FAMILIES.map((f) => [f, 0])) as Record<Family, number>;
  for (const [name, v] of Object.entries(values)) out[kernelFamily(name)] += v;
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Times `steps` steps of `step` (each recorded, submitted and waited for on its own) and, where
 * the adapter can, profiles one more step's kernels. Call after a warm-up step.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { measureBreakdown } from "./bench_breakdown.ts";
 * await initGpu();
 * const b = await measureBreakdown(() => Tensor.zeros([4]), 2);
 * console.log(b.dispatches); // 1 (the fill)
 * ```
 */
export async function measureBreakdown(step: () => Tensor, steps: number): Promise<Breakdown> {
  await sync();
  resetStats();
  const record: number[] = [];
  const submit: number[] = [];
  const total: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    tidy(step);
    const t1 = performance.now();
    flush();
    const t2 = performance.now();
    await sync();
    const t3 = performance.now();
    record.push(t1 - t0);
    submit.push(t2 - t1);
    total.push(t3 - t0);
  }
  const st = engineStats();
  const per = (v: number) => v / steps;
  let gpuMsByFamily: Record<Family, number> | null = null;
  if (profileKernels(true)) {
    try {
      tidy(step);
      const times = await kernelTimes();
      gpuMsByFamily = byFamily(
        Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.ms])),
      );
    } finally {
      profileKernels(false);
    }
  }
  return {
    steps,
    stepMs: median(total),
    recordMs: median(record),
    submitMs: median(submit),
    dispatches: per(st.dispatches),
    bindGroupsCreated: per(st.bindGroupsCreated),
    uniformBytes: per(st.uniformBytesWritten),
    buffersAcquired: per(st.buffersAcquired),
    buffersCreated: per(st.buffersCreated),
    pipelines: per(st.pipelinesCompiled),
    dispatchesByFamily: byFamily(
      Object.fromEntries(Object.entries(st.dispatchesByKernel).map(([k, v]) => [k, v / steps])),
    ),
    gpuMsByFamily,
  };
}

/**
 * Whether a step is bound by the CPU's recording or by the GPU, in words.
 *
 * @example
 * ```ts
 * import { verdict } from "./bench_breakdown.ts";
 * console.log(verdict({ recordMs: 2, submitMs: 1, stepMs: 40, gpuMsByFamily: null }));
 * ```
 */
export function verdict(
  b: Pick<Breakdown, "recordMs" | "submitMs" | "stepMs" | "gpuMsByFamily">,
): string {
  const cpu = b.recordMs;
  if (b.gpuMsByFamily) {
    const gpu = Object.values(b.gpuMsByFamily).reduce((a, v) => a + v, 0);
    const busy = Math.min(100, 100 * gpu / b.stepMs);
    return `${cpu > gpu ? "CPU-bound" : "GPU-bound"} (GPU busy ${busy.toFixed(0)}% of the step)`;
  }
  return `${2 * cpu < b.stepMs ? "GPU-bound" : "CPU-bound"} (no timestamps: recording is ` +
    `${(100 * cpu / b.stepMs).toFixed(0)}% of the step)`;
}

/** One row of the breakdown table. */
export interface BreakdownRow {
  /** Model and input, e.g. "cResNet20_1w1a, 32×32×3". */
  label: string;
  /** Batch size. */
  batch: number;
  /** The figures. */
  b: Breakdown;
}

/**
 * The breakdown as Markdown lines: counts, CPU ms, GPU ms per family and the verdict per row.
 *
 * @example
 * ```ts
 * import { breakdownTable } from "./bench_breakdown.ts";
 * console.log(breakdownTable([]).length > 2); // true
 * ```
 */
export function breakdownTable(rows: BreakdownRow[]): string[] {
  const fam = (r: Record<Family, number> | null, f: Family, digits: number) =>
    r ? r[f].toFixed(digits) : "–";
  const lines = [
    "| model | batch | images/s | ms/step | CPU ms recording | CPU ms submit | dispatches | " +
    "bind groups created | uniform bytes written | buffers acquired / created | pipelines | " +
    FAMILIES.map((f) => `${f}: dispatches / GPU ms`).join(" | ") + " | GPU ms (sum) | bound by |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | " +
    FAMILIES.map(() => "---:").join(" | ") + " | ---: | --- |",
  ];
  for (const { label, batch, b } of rows) {
    const gpu = b.gpuMsByFamily
      ? Object.values(b.gpuMsByFamily).reduce((a, v) => a + v, 0).toFixed(1)
      : "–";
    lines.push(
      `| ${label} | ${batch} | ${(batch / b.stepMs * 1000).toFixed(1)} | ${
        b.stepMs.toFixed(0)
      } | ` +
        `${b.recordMs.toFixed(1)} | ${b.submitMs.toFixed(1)} | ${b.dispatches.toFixed(0)} | ` +
        `${b.bindGroupsCreated.toFixed(0)} | ${b.uniformBytes.toFixed(0)} | ` +
        `${b.buffersAcquired.toFixed(0)} / ${b.buffersCreated.toFixed(0)} | ${
          b.pipelines.toFixed(0)
        } | ` +
        FAMILIES.map((f) => `${fam(b.dispatchesByFamily, f, 0)} / ${fam(b.gpuMsByFamily, f, 1)}`)
          .join(" | ") +
        ` | ${gpu} | ${verdict(b)} |`,
    );
  }
  return lines;
}
