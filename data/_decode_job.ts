/**
 * One decode job (a slice of a batch) and its reply, and the function a decode worker runs on
 * it.
 *
 * @module
 */
import { decodeRgb } from "./decode_image.ts";
import { DatasetError } from "./errors.ts";
import { applyTransform } from "./image_transform.ts";
import type { DecodeJob, DecodeReply } from "./decode_types.ts";

export type { DecodeItem, DecodeJob, DecodeReply } from "./decode_types.ts";

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
