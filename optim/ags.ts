/**
 * AGS, Adaptive Gradient Scaling (docs/method.md §4): per output channel, lift ‖g_o‖/‖W_o‖ to at
 * least δ. Never shrinks a gradient.
 *
 * @module
 */
import { f32, grid, keep, runKernel, shapeStr, Tensor } from "@ovsw/gpu";
import type { GradientTransformation, Hyper } from "./types.ts";
import { hyperAt } from "./hyper.ts";
import { checkHyper, present, stateFor } from "./_util.ts";

/** Options of {@link ags}. */
export interface AgsOptions {
  /** Lower bound δ on ‖g_o‖/max(‖W_o‖, 1e-3) (paper: 0.04 on CIFAR ResNet-20, 0.01 on ImageNet). */
  delta: Hyper;
}

/**
 * AGS state: no optimizer memory, only the diagnostics of the last step, per parameter:
 * `ratio[o] = max(‖g_o‖,1e-6)/max(‖W_o‖,1e-3)` before scaling and `scaled[o]` ∈ {0, 1}.
 */
export type AgsState = {
  kind: "ags";
  count: number;
  ratio: { [name: string]: Tensor };
  scaled: { [name: string]: Tensor };
};

/** Workgroup size of the AGS kernels (one workgroup per output channel). */
export const AGS_WG = 64;
const WG = AGS_WG;

/**
 * WGSL of AGS's per-channel norms (workgroup arrays `sg`, `sw` of {@link AGS_WG}, `g` and `w` at
 * `base`, `p.n` values, `p.delta`): defines `r` (‖g‖/‖W‖ with the floors), `lift` and the scale
 * `f`. Shared with the fused optimizer step, so both sum in the same order.
 */
export const AGS_NORMS: string = `  var a = 0.0;
  var b = 0.0;
  for (var i = l; i < p.n; i += ${AGS_WG}u) {
    let gi = g[base + i];
    let wi = w[base + i];
    a += gi * gi;
    b += wi * wi;
  }
  sg[l] = a;
  sw[l] = b;
  workgroupBarrier();
  for (var s = ${AGS_WG / 2}u; s > 0u; s >>= 1u) {
    if (l < s) {
      sg[l] += sg[l + s];
      sw[l] += sw[l + s];
    }
    workgroupBarrier();
  }
  let gn = max(sqrt(sg[0]), 1e-6);
  let pn = max(sqrt(sw[0]), 1e-3);
  let r = gn / pn;
  let lift = r < p.delta;
  let f = select(1.0, p.delta * pn / gn, lift);
`;

const AGS = `struct P { channels: u32, n: u32, delta: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> ratio: array<f32>;
@group(0) @binding(5) var<storage, read_write> scaled: array<f32>;
var<workgroup> sg: array<f32, ${WG}>;
var<workgroup> sw: array<f32, ${WG}>;
@compute @workgroup_size(${WG}) fn main(@builtin(workgroup_id) wid: vec3u,
    @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) l: u32) {
  let o = wid.x + wid.y * nwg.x;
  if (o >= p.channels) { return; }
  let base = o * p.n;
${AGS_NORMS}
  for (var i = l; i < p.n; i += ${WG}u) { y[base + i] = f * g[base + i]; }
  if (l == 0u) {
    ratio[o] = r;
    scaled[o] = select(0.0, 1.0, lift);
  }
}`;

/** Output channels (dim 0) and elements per channel of a parameter. */
function channelsOf(p: Tensor): [number, number] {
  const channels = p.shape.length === 0 ? 1 : p.shape[0];
  return [channels, channels === 0 ? 0 : p.size / channels];
}

/**
 * AGS on every parameter it is given (wrap it in `masked(…, isBinary)`, as the presets do).
 * Per output channel `o` (dim 0; the other dims flattened): `gn = max(‖g_o‖, 1e-6)`,
 * `pn = max(‖W_o‖, 1e-3)`; if `gn/pn < δ` (strict) then `g_o ← (δ·pn/gn)·g_o`. One kernel per
 * tensor (one workgroup per channel), which also records the diagnostics in the state.
 *
 * @example
 * ```ts
 * import { ags } from "@ovsw/optim";
 * import { initGpu, Tensor, tidy } from "@ovsw/gpu";
 * await initGpu();
 * const params = { w: Tensor.from([0.3, -0.1, 0.02, 0.05], [2, 2, 1, 1]) };
 * const tx = ags({ delta: 10 });
 * const state = tx.init(params);
 * const g = Tensor.from([0, 1.4141252, 0, 1.3987573], [2, 2, 1, 1]);
 * const out = tidy(() => tx.update({ w: g }, state, params).updates.w);
 * console.log(await out.read()); // [0, 3.1622777, 0, 1.3987573]
 * ```
 */
export function ags(options: AgsOptions): GradientTransformation<AgsState> {
  const delta = checkHyper(options?.delta, "ags: delta", 0);
  return {
    name: "ags",
    init(params) {
      const state: AgsState = { kind: "ags", count: 0, ratio: {}, scaled: {} };
      for (const [name, p] of Object.entries(params)) {
        const [channels] = channelsOf(p);
        state.ratio[name] = keep(Tensor.zeros([channels]));
        state.scaled[name] = keep(Tensor.zeros([channels]));
      }
      return state;
    },
    update(updates, state, params) {
      const d = hyperAt(delta, state.count, "ags: delta", 0);
      const out: Record<string, Tensor> = {};
      for (const [name, g, p] of present("ags", updates, params)) {
        const [channels, n] = channelsOf(p);
        const ratio = stateFor("ags", state.ratio, name);
        if (ratio.size !== channels) {
          throw new RangeError(
            `ags: "${name}" has ${channels} output channels (shape ${shapeStr(p.shape)}), ` +
              `state has ${ratio.size}`,
          );
        }
        const y = Tensor.empty(g.shape);
        runKernel({
          name: "optim_ags",
          code: AGS,
          inputs: [g, p],
          outputs: [y, ratio, stateFor("ags", state.scaled, name)],
          uniforms: [channels, n, f32(d)],
          workgroups: grid(channels, 1),
        });
        out[name] = y;
      }
      state.count++;
      return { updates: out, state };
    },
  };
}
