/**
 * The messages between the image-folder loader and its decode workers: one job (a slice of a
 * batch) and its reply. Kept apart from the decoder so that importing `@ovsw/data` does not pull
 * in sharp (only the workers load it).
 *
 * @module
 */
import type { ImageTransform } from "./image_transform.ts";

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
