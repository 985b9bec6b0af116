/**
 * Decoding an image file to 8-bit interleaved RGB with sharp (libvips), converted the way
 * Pillow's `Image.convert("RGB")` does (what torchvision's `ImageFolder` loader calls): grey is
 * copied to the three channels, an alpha channel is dropped (not composited), CMYK uses Pillow's
 * `cmyk2rgb` formula rather than an ICC transform. EXIF orientation is ignored, as in Pillow.
 *
 * @module
 */
import { DatasetError } from "./errors.ts";
import { cmykToRgb, toRgb } from "./pixel_convert.ts";

/** A decoded image: `width × height` pixels, three bytes each (R, G, B), row after row. */
export interface RgbImage {
  /** Interleaved RGB bytes. */
  data: Uint8Array;
  /** Columns. */
  width: number;
  /** Rows. */
  height: number;
}

type Sharp = typeof import("sharp").default;
let sharpModule: Promise<Sharp> | null = null;

/** sharp, imported on first use (loading it needs `--allow-ffi`; listing folders does not). */
function loadSharp(): Promise<Sharp> {
  sharpModule ??= import("sharp").then((m) => m.default);
  return sharpModule;
}

/**
 * Makes this thread a one-core decoder: libvips gets one thread and keeps no operation cache
 * (each decode worker calls it once).
 *
 * @example
 * ```ts ignore
 * import { useOneDecodeThread } from "@ovsw/data/decode";
 * await useOneDecodeThread(); // needs --allow-ffi
 * ```
 */
export async function useOneDecodeThread(): Promise<void> {
  const sharp = await loadSharp();
  sharp.concurrency(1);
  sharp.cache(false);
}

/**
 * Decodes an encoded image (JPEG, PNG, WebP, TIFF, GIF…) to RGB. A corrupt, truncated or
 * unsupported file is a {@link DatasetError} naming `file`.
 *
 * Needs `--allow-ffi` (sharp is a native module), so the example is not run by the doc tests:
 *
 * @example
 * ```ts ignore
 * import { decodeRgb } from "@ovsw/data/decode";
 * const img = await decodeRgb(await Deno.readFile("photo.png"), "photo.png");
 * console.log(img.width, img.height, img.data.length); // w h 3·w·h
 * ```
 */
export async function decodeRgb(bytes: Uint8Array, file: string): Promise<RgbImage> {
  const sharp = await loadSharp();
  try {
    const meta = await sharp(bytes, { failOn: "truncated" }).metadata();
    const cmyk = meta.space === "cmyk";
    let pipeline = sharp(bytes, { failOn: "truncated" });
    if (cmyk) pipeline = pipeline.pipelineColourspace("cmyk").toColourspace("cmyk");
    const { data, info } = await pipeline.raw({ depth: "uchar" }).toBuffer({
      resolveWithObject: true,
    });
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const n = info.width * info.height;
    const rgb = cmyk ? cmykToRgb(pixels, n) : toRgb(pixels, n, info.channels);
    return { data: rgb, width: info.width, height: info.height };
  } catch (e) {
    const why = (e as Error).message.split("\n")[0];
    throw new DatasetError(file, `cannot decode the image (${why})`, { cause: e });
  }
}
