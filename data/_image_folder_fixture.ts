/**
 * A small ImageFolder of generated images for the image-folder tests (needs sharp, so
 * `--allow-ffi`): three classes, JPEGs of different sizes and aspect ratios, one grey JPEG, one
 * CMYK JPEG, one RGBA PNG, one non-image file that is ignored, and a validation split.
 *
 * @module
 */
import sharp from "sharp";

/** A smooth-ish pattern with per-image variety, interleaved RGB. */
function pixels(w: number, h: number, salt: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        out[(y * w + x) * 3 + c] = (x * (3 + c) + y * (5 + salt) + salt * 40 + c * 60) % 256;
      }
    }
  }
  return out;
}

function rgbImage(w: number, h: number, salt: number) {
  return sharp(pixels(w, h, salt), { raw: { width: w, height: h, channels: 3 } });
}

/** A JPEG of the pattern. */
export async function jpeg(w: number, h: number, salt: number): Promise<Uint8Array> {
  return new Uint8Array(await rgbImage(w, h, salt).jpeg({ quality: 90 }).toBuffer());
}

/** The paths of the special files of {@link makeImageFolder}. */
export interface ImageFolderFixture {
  /** The data directory (holds `train/` and `val/`). */
  dir: string;
  /** A grey JPEG. */
  grey: string;
  /** A CMYK JPEG. */
  cmyk: string;
  /** An RGBA PNG. */
  rgba: string;
  /** Training images per class. */
  perClass: number[];
}

/** Writes the fixture under `dir`: train/{ant,bee,cat}, val/{ant,bee,cat}. */
export async function makeImageFolder(dir: string): Promise<ImageFolderFixture> {
  const sizes: [number, number][] = [[40, 30], [30, 40], [64, 20], [20, 64], [33, 33], [50, 41]];
  const classes = ["cat", "ant", "bee"]; // written unsorted; read sorted
  const perClass = [0, 0, 0];
  for (const [k, cls] of classes.entries()) {
    await Deno.mkdir(`${dir}/train/${cls}/sub`, { recursive: true });
    await Deno.mkdir(`${dir}/val/${cls}`, { recursive: true });
    for (let i = 0; i < 4; i++) {
      const [w, h] = sizes[(i + k) % sizes.length];
      const where = i === 3 ? `sub/img${i}.JPEG` : `img${i}.jpg`;
      await Deno.writeFile(`${dir}/train/${cls}/${where}`, await jpeg(w, h, i + 4 * k));
    }
    await Deno.writeFile(`${dir}/val/${cls}/v.jpg`, await jpeg(36, 28, 20 + k));
  }
  perClass.fill(4);
  const grey = `${dir}/train/ant/grey.jpg`;
  await Deno.writeFile(grey, await rgbImage(26, 34, 7).toColourspace("b-w").jpeg().toBuffer());
  const cmyk = `${dir}/train/bee/cmyk.jpg`;
  await Deno.writeFile(cmyk, await rgbImage(44, 24, 8).toColourspace("cmyk").jpeg().toBuffer());
  const rgba = `${dir}/train/cat/alpha.png`;
  const withAlpha = new Uint8Array(18 * 22 * 4).map((_, i) => (i * 29) % 256);
  await Deno.writeFile(
    rgba,
    await sharp(withAlpha, { raw: { width: 18, height: 22, channels: 4 } }).png().toBuffer(),
  );
  perClass[0]++, perClass[1]++, perClass[2]++;
  await Deno.writeTextFile(`${dir}/train/cat/README.txt`, "not an image, ignored");
  return { dir, grey, cmyk, rgba, perClass };
}
