import { Prng } from "@ovsw/init";
import { assertClose, freshSeed } from "../tests/util.ts";
import { type CropFlip, drawCropFlip, normalizationTable, writeImage } from "./_augment.ts";
import { randomBytes } from "./_test_helpers.ts";

/** float64 reference: ToTensor on the zero-padded image, crop, flip, then Normalize. */
function reference(
  src: Uint8Array,
  [C, H, W]: [number, number, number],
  mean: number[],
  std: number[],
  crop: CropFlip | null,
  pad: number,
): Float64Array {
  const P = H + 2 * pad;
  const Q = W + 2 * pad;
  const out = new Float64Array(C * H * W);
  for (let c = 0; c < C; c++) {
    const padded = new Float64Array(P * Q); // zeros
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        padded[(y + pad) * Q + x + pad] = src[c * H * W + y * W + x] / 255;
      }
    }
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let v: number;
        if (!crop) v = padded[(y + pad) * Q + x + pad];
        else {
          const cx = crop.flip ? W - 1 - x : x;
          v = padded[(y + crop.dy) * Q + cx + crop.dx];
        }
        out[c * H * W + y * W + x] = (v - mean[c]) / std[c];
      }
    }
  }
  return out;
}

Deno.test("writeImage matches the padded-crop-flip-normalise reference", () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  for (const [shape, pad] of [[[3, 32, 32], 4], [[1, 28, 28], 2], [[2, 5, 7], 3]] as const) {
    const [C, H, W] = shape;
    const mean = Array.from({ length: C }, () => rng.uniform());
    const std = Array.from({ length: C }, () => 0.1 + rng.uniform());
    const lut = normalizationTable({ mean, std }, C);
    const n = C * H * W;
    const src = randomBytes(rng, 2 * n);
    const cases: (CropFlip | null)[] = [null, { dy: 0, dx: 2 * pad, flip: true }];
    for (let i = 0; i < 12; i++) cases.push(drawCropFlip(rng, pad));
    for (const crop of cases) {
      const dst = new Float32Array(3 * n).fill(NaN);
      writeImage(src, n, dst, n, [C, H, W], lut, crop ?? undefined, pad);
      const ref = reference(src.subarray(n), [C, H, W], mean, std, crop, pad);
      assertClose(dst.subarray(n, 2 * n), ref, 1e-5, `seed ${seed} ${JSON.stringify(crop)}`);
    }
  }
});

Deno.test("drawCropFlip covers every offset and both flips", () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const c = drawCropFlip(rng, 2);
    if (c.dy < 0 || c.dy > 4 || c.dx < 0 || c.dx > 4) throw new Error(`seed ${seed}: ${c}`);
    seen.add(`${c.dy},${c.dx},${c.flip}`);
  }
  if (seen.size !== 50) throw new Error(`seed ${seed}: only ${seen.size} of 50 outcomes seen`);
});
