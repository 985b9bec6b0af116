/**
 * Order statistics on the GPU without a read-back: the k-th smallest of each segment of a
 * non-negative f32 tensor by a 4-pass radix select on the value bits (non-negative floats
 * order like their u32 bits). SiMaN uses it for its whole-layer percentiles and its per-row
 * medians inside the (synchronous) forward.
 *
 * @module
 */
import { runKernel, Tensor } from "@ovsw/gpu";

/** Most order statistics asked of one segment at once. */
export const MAX_QUERIES = 4;

const PASS = `struct P { n: u32, q: u32, shift: u32, segs: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> st: array<u32>;
var<workgroup> hist: array<atomic<u32>, ${256 * MAX_QUERIES}>;
@compute @workgroup_size(256) fn main(@builtin(workgroup_id) wid: vec3u,
    @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) l: u32) {
  let seg = wid.x + wid.y * nwg.x;
  if (seg >= p.segs) { return; }
  for (var b = l; b < 256u * p.q; b += 256u) { atomicStore(&hist[b], 0u); }
  workgroupBarrier();
  let above = p.shift + 8u;
  let mask = select(0xffffffffu << above, 0u, above >= 32u);
  for (var j = l; j < p.n; j += 256u) {
    let bits = bitcast<u32>(x[seg * p.n + j]);
    for (var q = 0u; q < p.q; q++) {
      if ((bits & mask) == (st[(seg * p.q + q) * 2u] & mask)) {
        atomicAdd(&hist[q * 256u + ((bits >> p.shift) & 255u)], 1u);
      }
    }
  }
  workgroupBarrier();
  if (l < p.q) {
    let s = (seg * p.q + l) * 2u;
    var k = st[s + 1u];
    for (var b = 0u; b < 256u; b++) {
      let c = atomicLoad(&hist[l * 256u + b]);
      if (k < c) {
        st[s] = st[s] | (b << p.shift);
        break;
      }
      k -= c;
    }
    st[s + 1u] = k;
  }
}`;

/**
 * The bits of the `ks[q]`-th smallest value (0-based) of each of the `segments` equal segments
 * of `x` (all values ≥ 0), as a u32 tensor `[segments, ks.length, 2]` whose `[..., 0]` is the
 * value's bit pattern (`bitcast<f32>` in WGSL). One workgroup per segment, four passes.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { selectKth } from "./_select.ts";
 * await initGpu();
 * const st = selectKth(Tensor.from([3, 1, 2, 5, 4, 0], [6]), 2, [1]);
 * const bits = await st.readU32();
 * console.log(new Float32Array(Uint32Array.from([bits[0], bits[2]]).buffer)); // [2, 4]
 * ```
 */
export function selectKth(x: Tensor, segments: number, ks: readonly number[]): Tensor {
  const n = x.size / segments;
  if (!Number.isInteger(n) || ks.length < 1 || ks.length > MAX_QUERIES) {
    throw new RangeError(
      `selectKth: ${x.size} values in ${segments} segments with ${ks.length} queries`,
    );
  }
  if (ks.some((k) => !Number.isInteger(k) || k < 0 || k >= n)) {
    throw new RangeError(`selectKth: ranks [${ks}] outside [0, ${n})`);
  }
  const init = new Uint32Array(segments * ks.length * 2);
  for (let s = 0; s < segments; s++) ks.forEach((k, q) => (init[(s * ks.length + q) * 2 + 1] = k));
  const st = Tensor.from(init, [segments, ks.length, 2]);
  const groups: [number, number] = segments > 65535
    ? [65535, Math.ceil(segments / 65535)]
    : [segments, 1];
  for (const shift of [24, 16, 8, 0]) {
    runKernel({
      name: "radix_select",
      code: PASS,
      inputs: [x],
      outputs: [st],
      uniforms: [n, ks.length, shift, segments],
      workgroups: groups,
    });
  }
  return st;
}
