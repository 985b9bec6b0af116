/**
 * One decode job (a slice of a batch) and its reply, and the function a decode worker runs on
 * it.
 *
 * @module
 */
import { decodeRgb } from "./decode_image.ts";
import { DatasetError } from "./errors.ts";
import { applyTransform, type ImageTransform } from "./image_transform.ts";

/** One image of a job: its file, its index in the split, and its byte offset in the buffer. */
export interface DecodeItem {
  /** Image path. */
  file: string;
  /** Index of the image in its split (seeds its random draws). */
  index: number;
  /** Byte offset of its planar output in the job's buffer. */
  at: number;
}

/** Work for one decode worker. */
export interface DecodeJob {
  /** Job id, echoed in the reply. */
  id: number;
  /** The batch buffer the images are written into. */
  buffer: SharedArrayBuffer;
  /** The images. */
  items: DecodeItem[];
  /** The preprocessing. */
  transform: ImageTransform;
  /** Run seed. */
  seed: number;
  /** Epoch (seeds the random draws with the seed and the index). */
  epoch: number;
}

/** A worker's answer: done, or the file that failed and why. */
export type DecodeReply =
  | { id: number; ok: true }
  | { id: number; ok: false; file: string; problem: string };

/**
 * Runs a job: each image is read, decoded to RGB, transformed and written at its offset. The
 * first failure stops the job and is returned (not thrown) with the file at fault.
 *
 * @example
 * ```ts
 * import { decodeImageJob } from "./_decode_job.ts";
 * import { imagenetTransform } from "./image_transform.ts";
 * const reply = await decodeImageJob({
 *   id: 1, buffer: new SharedArrayBuffer(3 * 8 * 8), seed: 0, epoch: 0,
 *   items: [{ file: "/nonexistent.jpg", index: 0, at: 0 }],
 *   transform: imagenetTransform("eval", 8),
 * });
 * console.log(reply.ok); // false
 * ```
 */
export async function decodeImageJob(job: DecodeJob): Promise<DecodeReply> {
  const out = new Uint8Array(job.buffer);
  for (const item of job.items) {
    try {
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(item.file);
      } catch (e) {
        throw new DatasetError(item.file, `cannot read the image (${(e as Error).message})`);
      }
      const img = await decodeRgb(bytes, item.file);
      applyTransform(img, job.transform, job.seed, job.epoch, item.index, out, item.at);
    } catch (e) {
      const problem = e instanceof DatasetError
        ? e.message.slice(e.file.length + 2)
        : `cannot preprocess the image (${(e as Error).message})`;
      return { id: job.id, ok: false, file: item.file, problem };
    }
  }
  return { id: job.id, ok: true };
}
