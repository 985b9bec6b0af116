/**
 * Normalisation on the GPU: a batch of planar uint8 images, uploaded packed four bytes per u32
 * word, becomes the f32 tensor `(byte / 255 − mean[c]) / std[c]` (torchvision's `ToTensor` +
 * `Normalize`), so only a quarter of the f32 bytes cross the bus.
 *
 * @module
 */
import { f32, grid, runKernel, Tensor, WGSL_INDEX } from "@ovsw/gpu";
import type { Normalization } from "./specs.ts";

const CODE = `struct P { n: u32, plane: u32, channels: u32, _pad: u32,
  m0: f32, m1: f32, m2: f32, _m: f32, s0: f32, s1: f32, s2: f32, _s: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> bytes: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i >= p.n) { return; }
  let v = f32((bytes[i >> 2u] >> ((i & 3u) * 8u)) & 255u);
  let c = (i / p.plane) % p.channels;
  var m = p.m0; var s = p.s0;
  if (c == 1u) { m = p.m1; s = p.s1; }
  if (c == 2u) { m = p.m2; s = p.s2; }
  y[i] = (v / 255.0 - m) / s;
}`;

/**
 * Normalises `packed` (u32 words holding the bytes of a planar `[N, C, H, W]` batch, byte `i`
 * in bits `8·(i mod 4)` of word `i / 4`) into a new f32 tensor of that shape. 1 to 3 channels.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { normalizeBytes } from "@ovsw/data";
 * await initGpu();
 * const packed = Tensor.from(new Uint32Array(new Uint8Array([0, 51, 255, 102]).buffer), [1], "u32");
 * const x = normalizeBytes(packed, [1, 1, 2, 2], { mean: [0.2], std: [0.4] });
 * console.log(await x.read()); // ≈ [-0.5, 0, 2, 0.5]
 * ```
 */
export function normalizeBytes(
  packed: Tensor,
  shape: readonly [number, number, number, number],
  norm: Normalization,
): Tensor {
  const [n, c, h, w] = shape;
  const count = n * c * h * w;
  if (packed.dtype !== "u32" || packed.size * 4 < count) {
    throw new RangeError(
      `normalizeBytes: ${packed.dtype} tensor of ${packed.size} words cannot hold ` +
        `${count} bytes of a ${shape.join("×")} batch`,
    );
  }
  if (c < 1 || c > 3 || norm.mean.length !== c || norm.std.length !== c) {
    throw new RangeError(
      `normalizeBytes: ${norm.mean.length} means and ${norm.std.length} stds for ${c} channels`,
    );
  }
  const y = Tensor.empty([n, c, h, w]);
  const m = [0, 1, 2].map((k) => f32(norm.mean[k] ?? 0));
  const s = [0, 1, 2].map((k) => f32(norm.std[k] ?? 1));
  runKernel({
    name: "normalize_bytes",
    code: CODE,
    inputs: [packed],
    outputs: [y],
    uniforms: [count, h * w, c, 0, ...m, f32(0), ...s, f32(1)],
    workgroups: grid(count),
  });
  return y;
}
