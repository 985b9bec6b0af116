/**
 * Running a WGSL compute shader over tensors.
 *
 * Binding convention for every kernel: the uniform block (if any) is `@binding(0)`, then the
 * inputs as `read` storage from `@binding(1)`, then the outputs as `read_write` storage.
 * The entry point is `main`. Shapes go through uniforms, so one pipeline serves every shape.
 *
 * @module
 */
import { type Binding, pipelineFor, recordDispatch } from "./_engine.ts";
import { shapeStr, type Tensor } from "./tensor.ts";

/** A uniform field to be stored as f32 (plain numbers are stored as u32). */
export class F32 {
  /** Wraps a float uniform value. */
  constructor(readonly value: number) {}
}

/** A uniform field to be stored as i32. */
export class I32 {
  /** Wraps a signed integer uniform value. */
  constructor(readonly value: number) {}
}

/**
 * Marks a uniform value as f32.
 *
 * @example
 * ```ts
 * import { f32 } from "@ovsw/gpu";
 * const eps = f32(1e-5);
 * console.log(eps.value);
 * ```
 */
export function f32(value: number): F32 {
  return new F32(value);
}

/**
 * Marks a uniform value as i32.
 *
 * @example
 * ```ts
 * import { i32 } from "@ovsw/gpu";
 * console.log(i32(-1).value);
 * ```
 */
export function i32(value: number): I32 {
  return new I32(value);
}

/** One uniform field: a u32 (plain number), an f32 or an i32. */
export type Uniform = number | F32 | I32;

/** What {@link runKernel} needs. */
export interface KernelSpec {
  /** Name for errors and labels. */
  name: string;
  /** WGSL source with entry point `main` (see the module doc for bindings). */
  code: string;
  /** Read-only tensors, bound from `@binding(1)` (after the uniforms). */
  inputs: Tensor[];
  /** Tensors the kernel writes (and may also read), bound after the inputs. */
  outputs: Tensor[];
  /** Values of the uniform struct at `@binding(0)`, in declaration order, 4 bytes each. */
  uniforms?: Uniform[];
  /** Workgroup counts; see {@link grid} for 1-D work over many elements. */
  workgroups: readonly number[];
}

function packUniforms(values: Uniform[]): ArrayBuffer {
  const words = Math.max(4, Math.ceil(values.length / 4) * 4);
  const buf = new ArrayBuffer(words * 4);
  const u = new Uint32Array(buf);
  const f = new Float32Array(buf);
  const s = new Int32Array(buf);
  values.forEach((v, i) => {
    if (v instanceof F32) f[i] = v.value;
    else if (v instanceof I32) s[i] = v.value;
    else {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
        throw new RangeError(`uniform #${i} = ${v} is not a u32; wrap floats in f32()`);
      }
      u[i] = v;
    }
  });
  return buf;
}

/**
 * Records one compute dispatch. Never waits for the GPU.
 *
 * @example
 * ```ts
 * import { grid, initGpu, runKernel, Tensor, WGSL_INDEX } from "@ovsw/gpu";
 * await initGpu();
 * const x = Tensor.from([1, 2, 3], [3]);
 * const y = Tensor.empty([3]);
 * runKernel({
 *   name: "double",
 *   code: `struct P { n: u32 }
 *     @group(0) @binding(0) var<uniform> p: P;
 *     @group(0) @binding(1) var<storage, read> x: array<f32>;
 *     @group(0) @binding(2) var<storage, read_write> y: array<f32>;
 *     @compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
 *       let i = ${WGSL_INDEX.expr}; if (i >= p.n) { return; } y[i] = 2.0 * x[i]; }`,
 *   inputs: [x], outputs: [y], uniforms: [3], workgroups: grid(3),
 * });
 * console.log(await y.read()); // [2, 4, 6]
 * ```
 */
export function runKernel(spec: KernelSpec): void {
  const { name, inputs, outputs } = spec;
  const all = [...inputs, ...outputs];
  for (const o of outputs) {
    for (const i of inputs) {
      if (o.sharesStorageWith(i)) {
        throw new Error(`${name}: output ${shapeStr(o.shape)} aliases an input; pass it once`);
      }
    }
  }
  const bindings: Binding[] = all.map((t) => ({ buffer: t.buffer, size: Math.max(4, t.bytes) }));
  const hasUniforms = spec.uniforms !== undefined;
  const pipeline = pipelineFor(name, spec.code, hasUniforms, inputs.length, outputs.length);
  const wg = [spec.workgroups[0] ?? 1, spec.workgroups[1] ?? 1, spec.workgroups[2] ?? 1];
  if (wg.some((w) => !Number.isInteger(w) || w < 0 || w > 65535)) {
    throw new RangeError(`${name}: workgroup counts [${wg.join(", ")}] out of range`);
  }
  if (wg[0] * wg[1] * wg[2] === 0) return;
  recordDispatch(
    pipeline,
    hasUniforms,
    hasUniforms ? packUniforms(spec.uniforms!) : null,
    bindings,
    inputs.length,
    wg as [number, number, number],
  );
}

/** Workgroup size used by {@link grid} and {@link WGSL_INDEX}. */
export const WG = 256;

/**
 * 2-D workgroup counts covering `n` items at {@link WG} per group, with x ≤ 65535.
 *
 * @example
 * ```ts
 * import { grid } from "@ovsw/gpu";
 * console.log(grid(1000)); // [4, 1]
 * ```
 */
export function grid(n: number, perGroup = WG): [number, number] {
  const groups = Math.ceil(n / perGroup);
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}

/**
 * WGSL pieces for a flat index over a {@link grid}: put `params` in `main`'s parameter list
 * and use `expr` as the index (with `@workgroup_size(256)`).
 */
export const WGSL_INDEX = {
  params: "@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u",
  expr: "(gid.x + gid.y * nwg.x * 256u)",
} as const;
