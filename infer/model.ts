/**
 * `BnnModel`: runs an exported binary network on WebGPU with the XNOR-popcount kernels of
 * `kernels.ts`. No autograd, no latent weights: the packed signs, folded scales and the float
 * stem/classifier are all it holds. Uses only Web APIs (`navigator.gpu`), so the same module
 * runs in Deno and in a browser.
 *
 * @module
 */
import { decodeExport, type ExportedModel, type ExportHeader } from "./format.ts";
import * as K from "./kernels.ts";
import type { Op } from "./ops.ts";
import { valueShapes } from "./shapes.ts";

/** Options of {@link BnnModel.load}. */
export interface BnnModelOptions {
  /** A device to use (default: a new one from `navigator.gpu`). */
  device?: GPUDevice;
}

/** What {@link BnnModel.classify} returns. */
export interface Classification {
  /** Logits `[count, classes]`, row-major. */
  logits: Float32Array;
  /** Top-1 class per image (the first maximum). */
  predictions: Int32Array;
}

const STORAGE = 0x80 | 0x08 | 0x04; // STORAGE | COPY_DST | COPY_SRC
const UNIFORM = 0x40 | 0x08; // UNIFORM | COPY_DST
const MAP_READ = 0x01 | 0x08; // MAP_READ | COPY_DST

/** One recorded dispatch of a plan. */
interface Dispatch {
  pipeline: GPUComputePipeline;
  bind: GPUBindGroup;
  groups: [number, number];
}

/** Everything a batch size needs, built once and reused. */
interface Plan {
  batch: number;
  input: GPUBuffer;
  output: GPUBuffer;
  outputBytes: number;
  readback: GPUBuffer;
  dispatches: Dispatch[];
  buffers: GPUBuffer[];
}

async function requestDevice(): Promise<GPUDevice> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) {
    throw new Error("this runtime has no WebGPU (navigator.gpu is missing)");
  }
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new Error("WebGPU is present but no adapter is available");
  }
  return await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
}

/** The dispatch grid for `total` invocations. */
function grid(total: number): [number, number] {
  const groups = Math.max(1, Math.ceil(total / K.WORKGROUP));
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}

/**
 * An exported binary network, loaded onto a WebGPU device.
 *
 * @example
 * ```ts
 * import { BnnModel, encodeExport } from "@ovsw/infer";
 * const bytes = encodeExport({
 *   model: "toy", inputShape: [1, 1, 2], normalization: { mean: [0], std: [1] },
 *   classes: ["a", "b"], output: "y", metadata: {},
 *   ops: [
 *     { op: "flatten", input: "input", output: "f" },
 *     { op: "linear", input: "f", output: "y", weight: "w", inFeatures: 2, outFeatures: 2 },
 *   ],
 * }, new Map([["w", { shape: [2, 2], data: new Float32Array([1, 0, 0, 1]) }]]));
 * const model = await BnnModel.load(bytes);
 * console.log(await model.logits(new Float32Array([3, 5]), 1)); // Float32Array [3, 5]
 * model.dispose();
 * ```
 */
export class BnnModel {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly weights = new Map<string, GPUBuffer>();
  private plan: Plan | null = null;
  private readonly dummy: GPUBuffer;

  private constructor(
    readonly device: GPUDevice,
    readonly header: ExportHeader,
    blobs: Map<string, Float32Array | Uint32Array>,
    private readonly ownsDevice: boolean,
  ) {
    this.dummy = this.upload(new Float32Array(4));
    const planes = new Set<string>();
    for (const op of header.ops) {
      if (op.op !== "binary_conv2d") continue;
      const signs = blobs.get(op.signs) as Uint32Array;
      const nz = op.nonzero ? blobs.get(op.nonzero) as Uint32Array : null;
      const grouped = groupBits(signs, nz, op.outChannels, op.kernel ** 2, op.inChannels);
      this.weights.set(`${op.output}#bits`, this.upload(grouped));
      planes.add(op.signs);
      if (op.nonzero) planes.add(op.nonzero);
    }
    for (const [name, data] of blobs) {
      if (!planes.has(name)) this.weights.set(name, this.upload(data));
    }
  }

  /**
   * Loads an export (file bytes or a decoded model) onto `options.device` or a new device.
   */
  static async load(
    source: Uint8Array | ArrayBuffer | ExportedModel,
    options: BnnModelOptions = {},
  ): Promise<BnnModel> {
    const model = "header" in source ? source : decodeExport(source);
    const device = options.device ?? await requestDevice();
    return new BnnModel(device, model.header, model.blobs, !options.device);
  }

  /** Class names. */
  get classes(): readonly string[] {
    return this.header.classes;
  }

  /**
   * Normalises 8-bit pixels (NCHW, `count` images) as the training data loader does:
   * `(v / 255 − mean[c]) / std[c]`, rounded to f32.
   */
  normalize(pixels: Uint8Array, count: number): Float32Array {
    const [c, h, w] = this.header.inputShape;
    const { mean, std } = this.header.normalization;
    if (pixels.length !== count * c * h * w) {
      throw new RangeError(
        `normalize: ${pixels.length} pixels are not ${count} images of ${c}×${h}×${w}`,
      );
    }
    const table = new Float32Array(256 * c);
    for (let ch = 0; ch < c; ch++) {
      for (let v = 0; v < 256; v++) {
        table[ch * 256 + v] = (v / 255 - mean[ch]) / std[ch];
      }
    }
    const out = new Float32Array(pixels.length);
    const hw = h * w;
    for (let i = 0; i < pixels.length; i++) {
      out[i] = table[Math.floor(i / hw) % c * 256 + pixels[i]];
    }
    return out;
  }

  /** Logits `[batch, classes]` of normalised images `x` (`[batch, C, H, W]`, f32). */
  async logits(x: Float32Array, batch: number): Promise<Float32Array> {
    const [c, h, w] = this.header.inputShape;
    if (
      !Number.isInteger(batch) || batch < 1 || x.length !== batch * c * h * w
    ) {
      throw new RangeError(
        `logits: ${x.length} values are not ${batch} images of ${c}×${h}×${w}`,
      );
    }
    const plan = this.planFor(batch);
    this.device.queue.writeBuffer(
      plan.input,
      0,
      x as Float32Array<ArrayBuffer>,
    );
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (const d of plan.dispatches) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bind);
      pass.dispatchWorkgroups(d.groups[0], d.groups[1]);
    }
    pass.end();
    enc.copyBufferToBuffer(plan.output, 0, plan.readback, 0, plan.outputBytes);
    this.device.queue.submit([enc.finish()]);
    await plan.readback.mapAsync(1);
    const out = new Float32Array(
      plan.readback.getMappedRange(0, plan.outputBytes).slice(0),
    );
    plan.readback.unmap();
    return out;
  }

  /**
   * Classifies 8-bit images (NCHW), `batchSize` at a time: logits and top-1 classes.
   */
  async classify(
    pixels: Uint8Array,
    count: number,
    options: { batchSize?: number } = {},
  ): Promise<Classification> {
    const x = this.normalize(pixels, count);
    const per = x.length / count;
    const k = this.header.classes.length;
    const bs = Math.max(1, Math.min(options.batchSize ?? 64, count));
    const logits = new Float32Array(count * k);
    for (let s = 0; s < count; s += bs) {
      const n = Math.min(bs, count - s);
      logits.set(
        await this.logits(x.subarray(s * per, (s + n) * per), n),
        s * k,
      );
    }
    return { logits, predictions: argmaxRows(logits, k) };
  }

  /** Frees every GPU buffer (and the device when this model created it). */
  dispose(): void {
    this.dropPlan();
    for (const b of this.weights.values()) b.destroy();
    this.weights.clear();
    this.dummy.destroy();
    if (this.ownsDevice) this.device.destroy();
  }

  /** Copies host data into a new storage buffer. */
  private upload(data: Float32Array | Uint32Array): GPUBuffer {
    const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
    const buf = this.device.createBuffer({
      size,
      usage: STORAGE,
      mappedAtCreation: true,
    });
    const view = data instanceof Float32Array
      ? new Float32Array(buf.getMappedRange())
      : new Uint32Array(buf.getMappedRange());
    view.set(data);
    buf.unmap();
    return buf;
  }

  /** The compute pipeline of a WGSL source (cached). */
  private pipeline(code: string): GPUComputePipeline {
    let p = this.pipelines.get(code);
    if (!p) {
      const module = this.device.createShaderModule({ code });
      p = this.device.createComputePipeline({
        layout: "auto",
        compute: { module, entryPoint: "main" },
      });
      this.pipelines.set(code, p);
    }
    return p;
  }

  /** Frees the cached plan's buffers. */
  private dropPlan(): void {
    if (!this.plan) return;
    for (const b of this.plan.buffers) b.destroy();
    this.plan = null;
  }

  /** The plan (buffers, bind groups, dispatches) for a batch size, cached for the last one. */
  private planFor(batch: number): Plan {
    if (this.plan?.batch === batch) return this.plan;
    this.dropPlan();
    const shapes = valueShapes(this.header.ops, this.header.inputShape, batch);
    const buffers: GPUBuffer[] = [];
    const values = new Map<string, GPUBuffer>();
    const alloc = (bytes: number, usage = STORAGE) => {
      const b = this.device.createBuffer({
        size: Math.max(16, Math.ceil(bytes / 16) * 16),
        usage,
      });
      buffers.push(b);
      return b;
    };
    const count = (name: string) => shapes.get(name)!.reduce((a, b) => a * b, 1);
    values.set("input", alloc(4 * count("input")));
    const dispatches: Dispatch[] = [];
    const run = (
      code: string,
      uniforms: number[],
      bufs: GPUBuffer[],
      total: number,
    ) => {
      const u = alloc(4 * uniforms.length, UNIFORM);
      this.device.queue.writeBuffer(u, 0, new Uint32Array(uniforms));
      const pipeline = this.pipeline(code);
      const entries = [u, ...bufs].map((buffer, binding) => ({
        binding,
        resource: { buffer },
      }));
      const bind = this.device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries,
      });
      dispatches.push({ pipeline, bind, groups: grid(total) });
    };
    for (const op of this.header.ops) {
      const x = shapes.get(op.input)!;
      const y = shapes.get(op.output)!;
      const input = values.get(op.input)!;
      if (op.op === "flatten") {
        values.set(op.output, input);
        continue;
      }
      const out = alloc(4 * count(op.output));
      values.set(op.output, out);
      this.record(op, x, y, input, out, values, run, alloc);
    }
    const outputBytes = 4 * count(this.header.output);
    const plan: Plan = {
      batch,
      input: values.get("input")!,
      output: values.get(this.header.output)!,
      outputBytes,
      readback: alloc(outputBytes, MAP_READ),
      dispatches,
      buffers,
    };
    this.plan = plan;
    return plan;
  }

  /** Adds the dispatches of one op to the plan being built. */
  private record(
    op: Op,
    x: number[],
    y: number[],
    input: GPUBuffer,
    out: GPUBuffer,
    values: Map<string, GPUBuffer>,
    run: (
      code: string,
      uniforms: number[],
      bufs: GPUBuffer[],
      total: number,
    ) => void,
    alloc: (bytes: number) => GPUBuffer,
  ): void {
    const total = y.reduce((a, b) => a * b, 1);
    const blob = (
      name: string | undefined,
    ) => (name ? this.weights.get(name)! : this.dummy);
    const epi = (
      o: {
        scale?: string;
        shift?: string;
        residual?: string;
        activation?: string;
      },
    ) => {
      const channels = y[1];
      const scale = o.scale ? blob(o.scale) : this.constant(`1x${channels}`, channels, 1);
      const shift = o.shift ? blob(o.shift) : this.constant(`0x${channels}`, channels, 0);
      const res = o.residual ? values.get(o.residual)! : this.dummy;
      return {
        bufs: [scale, shift, res],
        flags: [o.residual ? 1 : 0, o.activation === "hardtanh" ? 1 : 0],
      };
    };
    switch (op.op) {
      case "binary_conv2d": {
        const [n, c, h, w] = x;
        const cw = Math.ceil(c / 32);
        const bits = alloc(8 * n * h * w * cw);
        run(K.PACK, [n * h * w * cw, c, h * w, cw], [input, bits], n * h * w * cw);
        const e = epi(op);
        const og = Math.ceil(op.outChannels / 4);
        const wts = this.weights.get(`${op.output}#bits`)!;
        const code = K.binaryConvCode(op.kernel, cw, op.stride, op.padding, !op.nonzero);
        const m = n * y[2] * y[3];
        const tiles = Math.ceil(m / K.BINARY_PIXELS);
        const threads = og * tiles;
        const u = [threads, h, w, op.outChannels, y[2], y[3], m, tiles, ...e.flags];
        run(code, u, [bits, wts, ...e.bufs, out], threads);
        return;
      }
      case "conv2d": {
        const [n, c, h, w] = x;
        const e = epi(op);
        const og = Math.ceil(op.outChannels / K.CONV_CHANNELS);
        const threads = n * og * y[2] * y[3];
        run(
          K.convCode(c, op.kernel, op.stride, op.padding),
          [threads, h, w, op.outChannels, y[2], y[3], og, op.bias ? 1 : 0, ...e.flags],
          [input, blob(op.weight), blob(op.bias), ...e.bufs, out],
          threads,
        );
        return;
      }
      case "affine": {
        const e = epi(op);
        const inner = x.slice(2).reduce((a, b) => a * b, 1);
        run(
          K.AFFINE,
          [total, x[1], inner, ...e.flags],
          [input, ...e.bufs, out],
          total,
        );
        return;
      }
      case "max_pool2d":
      case "avg_pool2d": {
        const pad = op.op === "max_pool2d" ? op.padding : 0;
        const avg = op.op === "avg_pool2d" ? 1 : 0;
        const u = [
          total,
          x[2],
          x[3],
          op.kernel,
          op.stride,
          pad,
          y[2],
          y[3],
          avg,
        ];
        run(K.POOL, u, [input, out], total);
        return;
      }
      case "global_avg_pool":
        run(K.GLOBAL_AVG, [total, x[2] * x[3]], [input, out], total);
        return;
      case "pad_channels":
        run(K.PAD_CHANNELS, [total, x[1], y[1], x[2] * x[3], op.before], [
          input,
          out,
        ], total);
        return;
      case "prelu": {
        const inner = x.slice(2).reduce((a, b) => a * b, 1);
        const zero = this.constant(`0x${x[1]}`, x[1], 0);
        const shift = (name?: string) => (name ? blob(name) : zero);
        run(
          K.PRELU,
          [total, x[1], inner],
          [input, blob(op.weight), shift(op.inputShift), shift(op.outputShift), out],
          total,
        );
        return;
      }
      case "sample_centre": {
        const per = total / x[0];
        const mean = alloc(4 * x[0]);
        run(K.SAMPLE_MEAN, [x[0] * K.WORKGROUP, x[0], per], [input, mean], x[0] * K.WORKGROUP);
        run(K.SAMPLE_CENTRE, [total, per], [input, mean, out], total);
        return;
      }
      case "linear":
        run(
          K.LINEAR,
          [total, op.inFeatures, op.outFeatures, op.bias ? 1 : 0],
          [input, blob(op.weight), blob(op.bias), out],
          total,
        );
        return;
      case "flatten":
        return;
    }
  }

  /** A cached buffer of `n` copies of `value` (default scale and shift). */
  private constant(key: string, n: number, value: number): GPUBuffer {
    let b = this.weights.get(`#${key}`);
    if (!b) {
      b = this.upload(new Float32Array(n).fill(value));
      this.weights.set(`#${key}`, b);
    }
    return b;
  }
}

/**
 * The kernel's weight layout `[⌈O/4⌉, k·k, CW, 2, 4]` (sign words of four output channels,
 * then their non-zero words) from the file's `[O, k·k, CW]` planes; without a non-zero plane
 * every one of the `channels` is non-zero. Channels past `O` have no non-zero bits.
 */
function groupBits(
  signs: Uint32Array,
  nonzero: Uint32Array | null,
  o: number,
  kk: number,
  channels: number,
): Uint32Array {
  const cw = Math.ceil(channels / 32);
  const groups = Math.ceil(o / 4);
  const out = new Uint32Array(groups * kk * cw * 8);
  for (let oc = 0; oc < o; oc++) {
    const [g, q] = [Math.floor(oc / 4), oc % 4];
    for (let t = 0; t < kk; t++) {
      for (let w = 0; w < cw; w++) {
        const src = (oc * kk + t) * cw + w;
        const valid = Math.min(32, channels - 32 * w);
        const all = valid === 32 ? 0xffffffff : (1 << valid) - 1;
        const dst = ((g * kk + t) * cw + w) * 8 + q;
        out[dst] = signs[src];
        out[dst + 4] = nonzero ? nonzero[src] : all >>> 0;
      }
    }
  }
  return out;
}

/**
 * The first maximum of each row of a row-major `[rows, k]` matrix.
 *
 * @example
 * ```ts
 * import { argmaxRows } from "@ovsw/infer";
 * console.log(argmaxRows(new Float32Array([0, 2, 1, 5, 5, 0]), 3)); // Int32Array [1, 0]
 * ```
 */
export function argmaxRows(values: Float32Array, k: number): Int32Array {
  const rows = values.length / k;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) {
      if (values[r * k + j] > values[r * k + best]) best = j;
    }
    out[r] = best;
  }
  return out;
}
