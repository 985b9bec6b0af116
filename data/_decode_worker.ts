/**
 * The body of one decode worker (a Deno Worker): reads, decodes and transforms the images of a
 * job and writes their planar bytes into the job's shared batch buffer. One job at a time;
 * every failure is answered as a message naming the file, never thrown.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { decodeImageJob, type DecodeJob } from "./_decode_job.ts";
import { useOneDecodeThread } from "./decode_image.ts";

// Each worker is one decoding core.
let queue: Promise<void> = useOneDecodeThread().catch(() => {});
self.onmessage = (e: MessageEvent<DecodeJob>) => {
  const job = e.data;
  queue = queue.then(async () => self.postMessage(await decodeImageJob(job)));
};
