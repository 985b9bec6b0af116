/**
 * The TensorFlow.js peer of the training benchmark: a float ResNet-20 (16/32/64 channels, three
 * basic blocks per stage, BatchNorm, ReLU; 1×1 projection shortcuts where the shape changes)
 * trained with SGD + momentum on random 32×32×3 batches by TF.js 4.22's WebGPU backend, on the
 * same adapter as ovsw. Bench-only: nothing in the library or its tests imports this file.
 *
 * Run alone: `deno run --allow-read --allow-env tools/tfjs_resnet20.ts [steps]`
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-webgpu";

/** What one TF.js measurement found. */
export interface TfjsResult {
  /** Backend actually in use (expected "webgpu"). */
  backend: string;
  /** Adapter TF.js's WebGPU backend got, as it describes it. */
  adapter: string;
  /** Batch size. */
  batch: number;
  /** Timed steps (after one warm-up step). */
  steps: number;
  /** Milliseconds of the first (compiling) step. */
  firstStepMs: number;
  /** Median milliseconds of the timed steps (each awaited). */
  stepMs: number;
  /** Training images per second at the median step time. */
  imagesPerSecond: number;
  /** Bytes TF.js reports in use after the timed steps. */
  bytesInUse: number;
  /** Trainable parameters of the model. */
  params: number;
}

function block(x: tf.SymbolicTensor, filters: number, stride: number): tf.SymbolicTensor {
  const conv = (f: number, k: number, s: number) =>
    tf.layers.conv2d({ filters: f, kernelSize: k, strides: s, padding: "same", useBias: false });
  let y = conv(filters, 3, stride).apply(x) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization().apply(y) as tf.SymbolicTensor;
  y = tf.layers.reLU().apply(y) as tf.SymbolicTensor;
  y = conv(filters, 3, 1).apply(y) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization().apply(y) as tf.SymbolicTensor;
  let short = x;
  if (stride !== 1 || x.shape[3] !== filters) {
    short = conv(filters, 1, stride).apply(x) as tf.SymbolicTensor;
    short = tf.layers.batchNormalization().apply(short) as tf.SymbolicTensor;
  }
  const sum = tf.layers.add().apply([y, short]) as tf.SymbolicTensor;
  return tf.layers.reLU().apply(sum) as tf.SymbolicTensor;
}

/** Builds the float ResNet-20 for 32×32×3 inputs and `classes` outputs (NHWC, as TF.js wants). */
export function resnet20(classes = 10): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3] });
  let x = tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: "same", useBias: false })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  for (const [filters, stride] of [[16, 1], [32, 2], [64, 2]]) {
    for (let b = 0; b < 3; b++) x = block(x, filters, b === 0 ? stride : 1);
  }
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: classes }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/**
 * Trains the TF.js ResNet-20 for one warm-up step plus `steps` timed steps at `batch` and
 * reports images/s. Throws with the backend's own message when TF.js's WebGPU backend cannot
 * start.
 */
export async function benchTfjsResnet20(steps = 2, batch = 128): Promise<TfjsResult> {
  const ok = await tf.setBackend("webgpu");
  await tf.ready();
  if (!ok || tf.getBackend() !== "webgpu") {
    throw new Error(`TF.js could not start its WebGPU backend (got "${tf.getBackend()}")`);
  }
  // deno-lint-ignore no-explicit-any
  const backend = tf.backend() as any;
  const info = backend.adapterInfo ?? {};
  const vendor = Number(info.vendor);
  const adapter = String(
    info.description ||
      (Number.isFinite(vendor) && vendor > 0
        ? `vendor 0x${vendor.toString(16)}${vendor === 0x10005 ? " (Mesa)" : ""}`
        : info.vendor) ||
      "unknown",
  );
  const model = resnet20();
  const opt = tf.train.momentum(0.1, 0.9);
  const x = tf.randomNormal([batch, 32, 32, 3]);
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, "int32") as tf.Tensor1D, 10);
  const step = () =>
    tf.tidy(() => {
      const loss = opt.minimize(() => {
        const logits = model.apply(x, { training: true }) as tf.Tensor;
        return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
      }, true);
      return loss!;
    });
  let t0 = performance.now();
  const first = step();
  await first.data();
  first.dispose();
  const firstStepMs = performance.now() - t0;
  const times: number[] = [];
  let lossValue = 0;
  for (let i = 0; i < steps; i++) {
    t0 = performance.now();
    const loss = step();
    lossValue = (await loss.data())[0];
    loss.dispose();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const stepMs = times[Math.floor(times.length / 2)];
  if (!Number.isFinite(lossValue)) throw new Error(`TF.js ResNet-20 loss is ${lossValue}`);
  const mem = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  const result: TfjsResult = {
    backend: tf.getBackend(),
    adapter,
    batch,
    steps,
    firstStepMs,
    stepMs,
    imagesPerSecond: batch / (stepMs / 1000),
    bytesInUse: mem.numBytesInGPU ?? mem.numBytes,
    params: model.countParams(),
  };
  x.dispose();
  labels.dispose();
  model.dispose();
  opt.dispose();
  return result;
}

if (import.meta.main) {
  const steps = Number(Deno.args[0] ?? 2);
  console.log(JSON.stringify(await benchTfjsResnet20(steps), null, 2));
}
