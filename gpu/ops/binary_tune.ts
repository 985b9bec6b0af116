/**
 * Tile sizes chosen per adapter by a one-time measurement, cached: the binary conv kernels'
 * tilings (forward, grad-input, grad-weight, each chosen on its own) and whether the grad-input
 * runs on the ±1 "bits" kernel or on the f32 transposed conv. The candidates come from the
 * adapter's limits (workgroup sizes up to `maxComputeInvocationsPerWorkgroup`) and the two
 * built-in tilings; each is timed at cResNet-like shapes, recorded several times per submit so
 * that the ≈ 10 ms completion polling of some runtimes does not dominate, and the wall time
 * (CPU recording and GPU together) decides. The choice is written to a JSON file keyed by the
 * adapter and the batch, and read back instead of measuring on later runs.
 *
 * @module
 */
import { adapterDescription, device } from "../device.ts";
import { sync } from "../_engine.ts";
import { tidy } from "../scope.ts";
import { Tensor } from "../tensor.ts";
import { mapElements } from "./elementwise.ts";
import { conv2dGradInput } from "./conv2d.ts";
import { binaryConvGeometry } from "./binary_geometry.ts";
import { packActivationSigns, packWeightSigns } from "./binary_pack.ts";
import { xnorConv2dForward } from "./xnor_conv2d.ts";
import { binaryConv2dGradInput } from "./binary_conv_grad_input.ts";
import { binaryConv2dGradWeight } from "./binary_conv_grad_weight.ts";
import {
  type BinaryTiling,
  HARDWARE_BINARY_TILING,
  setBinaryTiling,
  SOFTWARE_BINARY_TILING,
} from "./binary_tiling.ts";
import { binaryConvKernels, setBinaryConvKernels } from "./binary_conv_table.ts";

/** Options of {@link tuneBinaryKernels}. */
export interface TuneOptions {
  /** Batch of the timed shapes (default 32). */
  batch?: number;
  /** `[channels, pixels]` of the timed square 3×3 convs (default 16@32², 32@16², 64@8²). */
  shapes?: [number, number][];
  /** JSON file the choice is cached in (null: no cache). */
  cacheFile?: string | null;
  /** Each candidate is repeated within one submit until it has run this long (default 40 ms). */
  minMs?: number;
}

/** What {@link tuneBinaryKernels} chose. */
export interface TuneResult {
  /** The cache key: adapter, backend and batch. */
  key: string;
  /** The tiling now in use. */
  tiling: BinaryTiling;
  /** The grad-input implementation now in use. */
  gradInput: "xnor" | "float";
  /** False when the choice was read from the cache. */
  measured: boolean;
  /** Milliseconds per candidate (empty when read from the cache). */
  timesMs: Record<string, number>;
}

/**
 * Candidate tilings for this adapter: the built-in software and hardware tilings and wider
 * workgroups up to the adapter's `maxComputeInvocationsPerWorkgroup` (at most 256).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { tilingCandidates } from "@ovsw/gpu/internal";
 * await initGpu();
 * console.log(Object.keys(tilingCandidates())); // ["software", "hardware", …]
 * ```
 */
export function tilingCandidates(): Record<string, BinaryTiling> {
  const maxWg = Math.min(256, device().limits.maxComputeInvocationsPerWorkgroup);
  const out: Record<string, BinaryTiling> = {
    software: { ...SOFTWARE_BINARY_TILING },
    hardware: { ...HARDWARE_BINARY_TILING },
  };
  for (const wg of [128, 256]) {
    if (wg > maxWg) continue;
    out[`wide${wg}`] = {
      ...HARDWARE_BINARY_TILING,
      fwdWorkgroup: wg,
      bwdWorkgroup: wg,
      gwWorkgroup: wg,
      fwdPixels: 4,
      fwdOut: 8,
      bwdPixels: 4,
      bwdChannels: 8,
      gwChannels: 8,
      gwOut: 8,
    };
  }
  return out;
}

async function timeIt(fn: () => void, minMs: number): Promise<number> {
  tidy(fn); // compiles the pipelines
  await sync();
  for (let reps = 1;; reps *= 4) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) tidy(fn);
    await sync();
    const ms = performance.now() - t0;
    if (ms >= minMs || reps >= 64) return ms / reps;
  }
}

/** Puts a grad-input implementation in use unless every product is on the float kernels. */
function useGradInput(gradInput: "xnor" | "float"): void {
  if (binaryConvKernels().forward === "xnor") {
    setBinaryConvKernels({ ...binaryConvKernels(), gradInput });
  }
}

function cacheKey(batch: number): string {
  const a = adapterDescription();
  return `${a.description} | ${a.vendor} | ${a.backend} | batch ${batch}`;
}

async function readCache(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw new Error(`tuneBinaryKernels: cannot read the cache ${file}: ${(e as Error).message}`);
  }
}

/**
 * Chooses the binary conv tiling and grad-input implementation for this adapter (measuring once,
 * then reading `cacheFile`) and puts them in use (`setBinaryTiling`, `setBinaryConvKernels`).
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { setBinaryTiling, tuneBinaryKernels } from "@ovsw/gpu/internal";
 * await initGpu();
 * const r = await tuneBinaryKernels({ batch: 2, shapes: [[16, 4]], minMs: 0, cacheFile: null });
 * console.log(r.measured, r.gradInput); // true "xnor" (or "float")
 * setBinaryTiling(null);
 * ```
 */
export async function tuneBinaryKernels(options: TuneOptions = {}): Promise<TuneResult> {
  const batch = options.batch ?? 32;
  const shapes = options.shapes ?? [[16, 32], [32, 16], [64, 8]];
  const minMs = options.minMs ?? 40;
  const file = options.cacheFile ?? null;
  const key = cacheKey(batch);
  const cache = file ? await readCache(file) : {};
  const hit = cache[key] as { tiling: BinaryTiling; gradInput: "xnor" | "float" } | undefined;
  if (hit) {
    setBinaryTiling(hit.tiling);
    useGradInput(hit.gradInput);
    return { key, tiling: hit.tiling, gradInput: hit.gradInput, measured: false, timesMs: {} };
  }
  const data = shapes.map(([c, px]) => {
    const n = batch * c * px * px;
    const x = Tensor.from(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7)), [
      batch,
      c,
      px,
      px,
    ]);
    const w = Tensor.from(Float32Array.from({ length: c * c * 9 }, (_, i) => Math.cos(i)), [
      c,
      c,
      3,
      3,
    ]);
    const gy = Tensor.from(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.3)), [
      batch,
      c,
      px,
      px,
    ]);
    const alpha = Tensor.full([c], 0.8);
    return { x, w, gy, alpha, geom: binaryConvGeometry(x.shape, w.shape, { padding: 1 }, "tune") };
  });
  const timesMs: Record<string, number> = {};
  const best = { fwd: "", bwd: "", gw: "" };
  const bestMs = { fwd: Infinity, bwd: Infinity, gw: Infinity };
  const candidates = tilingCandidates();
  try {
    for (const [name, tiling] of Object.entries(candidates)) {
      setBinaryTiling(tiling);
      const runs = {
        fwd: () => {
          for (const d of data) {
            xnorConv2dForward(packActivationSigns(d.x), packWeightSigns(d.w), d.alpha, d.geom);
          }
        },
        bwd: () => {
          for (const d of data) {
            binaryConv2dGradInput(d.gy, packWeightSigns(d.w), d.alpha, d.geom, { x: d.x });
          }
        },
        gw: () => {
          for (const d of data) {
            binaryConv2dGradWeight(packActivationSigns(d.x), d.gy, null, d.geom);
          }
        },
      };
      for (const family of ["fwd", "bwd", "gw"] as const) {
        const ms = await timeIt(runs[family], minMs);
        timesMs[`${family} ${name}`] = ms;
        if (ms < bestMs[family]) {
          bestMs[family] = ms;
          best[family] = name;
        }
      }
    }
    // The f32 grad-input: transposed conv of α-scaled signs, then the ApproxSign window pass.
    const floatMs = await timeIt(() => {
      for (const d of data) {
        const ga = conv2dGradInput(d.gy, d.w, d.x.shape, { padding: 1 });
        mapElements("tune_window", "a * max(0.0, 2.0 - 2.0 * abs(b))", [ga, d.x]);
      }
    }, minMs);
    timesMs["bwd float"] = floatMs;
  } finally {
    setBinaryTiling(null);
    for (const d of data) [d.x, d.w, d.gy, d.alpha].forEach((t) => t.dispose());
  }
  const pick = (family: "fwd" | "bwd" | "gw") => candidates[best[family]];
  const tiling: BinaryTiling = {
    ...pick("fwd"),
    bwdPixels: pick("bwd").bwdPixels,
    bwdChannels: pick("bwd").bwdChannels,
    bwdWorkgroup: pick("bwd").bwdWorkgroup,
    gwChannels: pick("gw").gwChannels,
    gwOut: pick("gw").gwOut,
    gwWorkgroup: pick("gw").gwWorkgroup,
    gwSplitTarget: pick("gw").gwSplitTarget,
    gwMinSlice: pick("gw").gwMinSlice,
  };
  const gradInput = timesMs["bwd float"] < bestMs.bwd ? "float" : "xnor";
  setBinaryTiling(tiling);
  useGradInput(gradInput);
  if (file) {
    cache[key] = { tiling, gradInput, timesMs };
    const dir = file.replace(/[/\\][^/\\]*$/, "");
    if (dir && dir !== file) await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(file, JSON.stringify(cache, null, 2) + "\n");
  }
  return { key, tiling, gradInput, measured: true, timesMs };
}
