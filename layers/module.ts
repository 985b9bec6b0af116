/**
 * The module system: a tree of layers with named parameters (PyTorch dotted names),
 * named buffers, train/eval mode and shape inference for summaries.
 *
 * @module
 */
import { shapeStr, type Tensor } from "@ovsw/gpu";

/** Called for every module whose output shape is inferred while a trace is active. */
export type ShapeTracer = (
  module: Module,
  input: readonly number[],
  output: readonly number[],
) => void;

let tracer: ShapeTracer | null = null;

/**
 * Runs `fn` while reporting every {@link Module.outputShape} call to `onShape` (used by
 * `summary`). Not re-entrant.
 *
 * @example
 * ```ts
 * import { Flatten } from "@ovsw/layers";
 * import { traceShapes } from "./module.ts";
 * const seen: string[] = [];
 * traceShapes(() => new Flatten().outputShape([2, 3, 4]), (m) => seen.push(m.typeName));
 * console.log(seen); // ["Flatten"]
 * ```
 */
export function traceShapes<T>(fn: () => T, onShape: ShapeTracer): T {
  const prev = tracer;
  tracer = onShape;
  try {
    return fn();
  } finally {
    tracer = prev;
  }
}

/**
 * Base class of every layer and model. Subclasses register parameters, buffers and child
 * modules in their constructor (in PyTorch's order, so `namedParameters()` matches the
 * authors' `state_dict` names), implement {@link Module.forward}, and {@link
 * Module.computeShape} for summaries.
 *
 * @example
 * ```ts
 * import { initGpu, type Tensor } from "@ovsw/gpu";
 * import { Hardtanh, Module, Sequential } from "@ovsw/layers";
 * class Twice extends Module {
 *   body = this.registerModule("body", new Sequential(new Hardtanh(), new Hardtanh()));
 *   forward(x: Tensor): Tensor { return this.body.forward(x); }
 *   protected override computeShape(s: readonly number[]): number[] {
 *     return this.body.outputShape(s);
 *   }
 * }
 * await initGpu();
 * const m = new Twice().eval();
 * console.log(m.training, m.namedParameters().length); // false 0
 * ```
 */
export abstract class Module {
  /** Training mode (batch statistics, input normalisation) or evaluation mode. */
  training = true;
  readonly #params = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  /** Runs the layer on `x` (autograd-aware). */
  abstract forward(x: Tensor): Tensor;

  /** The output shape for an input shape; subclasses override (no GPU work). */
  protected computeShape(input: readonly number[]): number[] {
    throw new Error(
      `${this.typeName} does not implement shape inference (input ${shapeStr(input)})`,
    );
  }

  /**
   * The output shape of {@link Module.forward} for an input of shape `input`, computed without
   * running kernels (errors name the layer and the shape at fault).
   */
  outputShape(input: readonly number[]): number[] {
    const out = this.computeShape(input);
    tracer?.(this, input, out);
    return out;
  }

  /** The class name, e.g. `BinaryConv2d` (shown by summaries). */
  get typeName(): string {
    return this.constructor.name;
  }

  /** Registers a trainable parameter under `name`; its `name` becomes the dotted path. */
  protected registerParameter(name: string, tensor: Tensor): Tensor {
    checkName(this, name);
    tensor.name = name;
    this.#params.set(name, tensor);
    return tensor;
  }

  /** Registers a non-trainable buffer (BN running statistics). */
  protected registerBuffer(name: string, tensor: Tensor): Tensor {
    checkName(this, name);
    tensor.name = name;
    this.#buffers.set(name, tensor);
    return tensor;
  }

  /** Registers a child module; its parameters are named `name.<their name>`. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    checkName(this, name);
    this.#children.set(name, module);
    for (const [n, t] of module.namedParameters(name)) t.name = n;
    for (const [n, t] of module.namedBuffers(name)) t.name = n;
    return module;
  }

  /** The parameter registered as `name` on this module (not a dotted path). */
  protected param(name: string): Tensor {
    const t = this.#params.get(name);
    if (!t) throw new Error(`${this.typeName} has no parameter "${name}"`);
    return t;
  }

  /** The buffer registered as `name` on this module. */
  protected buffer(name: string): Tensor {
    const t = this.#buffers.get(name);
    if (!t) throw new Error(`${this.typeName} has no buffer "${name}"`);
    return t;
  }

  /** Whether this module has a parameter called `name` (not a dotted path). */
  hasParameter(name: string): boolean {
    return this.#params.has(name);
  }

  /** Direct children with their names, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.#children];
  }

  /** This module and every descendant with dotted names (`""` for this one), depth first. */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [n, m] of this.#children) out.push(...m.namedModules(join(prefix, n)));
    return out;
  }

  /** Every parameter with its PyTorch-style dotted name, e.g. `layer1.0.conv1.weight`. */
  namedParameters(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.#params) out.push([join(prefix, n), t]);
    for (const [n, m] of this.#children) out.push(...m.namedParameters(join(prefix, n)));
    return out;
  }

  /** Every buffer (BN `running_mean`, `running_var`, `num_batches_tracked`) with its name. */
  namedBuffers(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.#buffers) out.push([join(prefix, n), t]);
    for (const [n, m] of this.#children) out.push(...m.namedBuffers(join(prefix, n)));
    return out;
  }

  /** The parameters in order. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** The parameters as a record keyed by dotted name (the optimizer's `Params`). */
  paramRecord(): Record<string, Tensor> {
    return Object.fromEntries(this.namedParameters());
  }

  /** Number of parameter elements (or of those with `tag`). */
  countParameters(tag?: Tensor["tag"]): number {
    let n = 0;
    for (const [, t] of this.namedParameters()) if (!tag || t.tag === tag) n += t.size;
    return n;
  }

  /**
   * Replaces the parameter (or buffer) at a dotted path, e.g. after an optimizer step or when
   * loading a checkpoint. The new tensor takes the old one's name, tag and `requiresGrad`; the
   * old one is disposed unless it is the same tensor. Shapes must match.
   */
  setTensor(path: string, tensor: Tensor): void {
    const dot = path.indexOf(".");
    if (dot >= 0) {
      const child = this.#children.get(path.slice(0, dot));
      if (!child) throw new Error(`${this.typeName} has no child module for "${path}"`);
      child.setTensor(path.slice(dot + 1), tensor);
      return;
    }
    const map = this.#params.has(path)
      ? this.#params
      : this.#buffers.has(path)
      ? this.#buffers
      : null;
    if (!map) throw new Error(`${this.typeName} has no parameter or buffer "${path}"`);
    const old = map.get(path)!;
    if (old === tensor) return;
    if (shapeStr(old.shape) !== shapeStr(tensor.shape)) {
      throw new RangeError(
        `${old.name ?? path}: new tensor shape ${shapeStr(tensor.shape)} != ${shapeStr(old.shape)}`,
      );
    }
    tensor.name = old.name;
    tensor.tag = old.tag;
    tensor.requiresGrad = old.requiresGrad;
    map.set(path, tensor);
    old.dispose();
  }

  /** Switches this module and its descendants to training (`true`) or evaluation mode. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Switches to evaluation mode (`train(false)`). */
  eval(): this {
    return this.train(false);
  }

  /** Disposes every parameter and buffer of this module and its descendants. */
  dispose(): void {
    for (const [, t] of this.namedParameters()) t.dispose();
    for (const [, t] of this.namedBuffers()) t.dispose();
  }
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

function checkName(m: Module, name: string): void {
  if (!name || name.includes(".")) {
    throw new Error(`${m.typeName}: invalid member name "${name}"`);
  }
}
