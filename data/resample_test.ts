import assert from "node:assert/strict";
import { Prng } from "@ovsw/init";
import { centerCropBox, resizeShorterSide } from "./crop_params.ts";
import { resampleToPlanar } from "./resample.ts";

/** The synthetic image of testdata/make_pil_fixtures.py, interleaved RGB. */
function pattern(w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        out[(y * w + x) * 3 + c] = (x * 37 + y * 91 + c * 53 + x * y) % 256;
      }
    }
  }
  return out;
}

interface PilCase {
  kind: "crop" | "eval";
  width: number;
  height: number;
  box?: [number, number, number, number];
  out?: number;
  short?: number;
  crop?: number;
  planar: number[];
}

const reference = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/pil_reference.json", import.meta.url)),
) as { resample: PilCase[] };

Deno.test("resampleToPlanar reproduces Pillow's bilinear resize byte for byte", () => {
  for (const c of reference.resample) {
    const rgb = pattern(c.width, c.height);
    let spec;
    if (c.kind === "crop") {
      const [top, left, height, width] = c.box!;
      const all = { top: 0, left: 0, height: c.out!, width: c.out! };
      spec = {
        source: { top, left, height, width },
        outWidth: c.out!,
        outHeight: c.out!,
        window: all,
        flip: false,
      };
    } else {
      const [outWidth, outHeight] = resizeShorterSide(c.width, c.height, c.short!);
      spec = {
        source: { top: 0, left: 0, height: c.height, width: c.width },
        outWidth,
        outHeight,
        window: centerCropBox(outWidth, outHeight, c.crop!),
        flip: false,
      };
    }
    const out = new Uint8Array(c.planar.length);
    resampleToPlanar(rgb, c.width, spec, out, 0);
    assert.deepEqual(
      [...out],
      c.planar,
      `${c.kind} ${c.width}×${c.height} ${JSON.stringify(c.box ?? c.short)}`,
    );
  }
});

/** Antialiased bilinear resize in float64 without fixed point or intermediate rounding. */
function float64Resize(
  rgb: Uint8Array,
  w: number,
  h: number,
  ow: number,
  oh: number,
): Float64Array {
  const weights = (inSize: number, outSize: number, o: number) => {
    const scale = inSize / outSize;
    const fs = Math.max(scale, 1);
    const center = (o + 0.5) * scale;
    const ws: [number, number][] = [];
    let sum = 0;
    for (let x = 0; x < inSize; x++) {
      const k = Math.max(0, 1 - Math.abs((x + 0.5 - center) / fs));
      if (k > 0) ws.push([x, k]);
      sum += k;
    }
    return ws.map(([x, k]) => [x, k / sum] as [number, number]);
  };
  const out = new Float64Array(3 * ow * oh);
  for (let y = 0; y < oh; y++) {
    const wy = weights(h, oh, y);
    for (let x = 0; x < ow; x++) {
      const wx = weights(w, ow, x);
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (const [sy, ky] of wy) {
          for (const [sx, kx] of wx) s += ky * kx * rgb[(sy * w + sx) * 3 + c];
        }
        out[c * ow * oh + y * ow + x] = s;
      }
    }
  }
  return out;
}

Deno.test("resampleToPlanar is within rounding of a float64 triangle filter, on random images", () => {
  const rng = new Prng(11);
  for (let t = 0; t < 20; t++) {
    const w = 2 + rng.int(40);
    const h = 2 + rng.int(40);
    const ow = 1 + rng.int(30);
    const oh = 1 + rng.int(30);
    const rgb = new Uint8Array(w * h * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = rng.int(256);
    const out = new Uint8Array(3 * ow * oh);
    const full = { top: 0, left: 0, height: oh, width: ow };
    resampleToPlanar(
      rgb,
      w,
      {
        source: { top: 0, left: 0, height: h, width: w },
        outWidth: ow,
        outHeight: oh,
        window: full,
        flip: false,
      },
      out,
      0,
    );
    const ref = float64Resize(rgb, w, h, ow, oh);
    for (let i = 0; i < out.length; i++) {
      assert.ok(
        Math.abs(out[i] - ref[i]) <= 1.0001,
        `${w}×${h}→${ow}×${oh} [${i}]: ${out[i]} vs ${ref[i]}`,
      );
    }
  }
});

Deno.test("flip mirrors the window; a constant image stays constant; a bad window is refused", () => {
  const rgb = pattern(23, 17);
  const spec = {
    source: { top: 1, left: 2, height: 12, width: 15 },
    outWidth: 9,
    outHeight: 9,
    window: { top: 0, left: 0, height: 9, width: 9 },
    flip: false,
  };
  const a = new Uint8Array(3 * 81);
  const b = new Uint8Array(3 * 81);
  resampleToPlanar(rgb, 23, spec, a, 0);
  resampleToPlanar(rgb, 23, { ...spec, flip: true }, b, 0);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < 9; y++) {
      for (let x = 0; x < 9; x++) assert.equal(b[c * 81 + y * 9 + x], a[c * 81 + y * 9 + 8 - x]);
    }
  }
  const flat = new Uint8Array(23 * 17 * 3).fill(77);
  resampleToPlanar(flat, 23, spec, a, 0);
  assert.ok(a.every((v) => v === 77));
  assert.throws(
    () =>
      resampleToPlanar(
        rgb,
        23,
        { ...spec, window: { top: 1, left: 0, height: 9, width: 9 } },
        a,
        0,
      ),
    /outside the 9×9 resized image/,
  );
});
