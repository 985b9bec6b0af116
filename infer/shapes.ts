/**
 * Shape inference over an export's op list: every value's shape for a batch size, and the
 * check that every op fits its input and its blobs (one clear error naming the op).
 *
 * @module
 */
import type { Op } from "./ops.ts";

/** Output size of a sliding window. */
function windowOut(
  size: number,
  kernel: number,
  stride: number,
  padding: number,
): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

function fail(index: number, op: Op, msg: string): never {
  throw new RangeError(
    `op ${index} (${op.op} ${op.input} → ${op.output}): ${msg}`,
  );
}

/** The output shape of one op for its input shape; throws naming the op when it does not fit. */
export function opOutputShape(
  op: Op,
  x: readonly number[],
  index = 0,
): number[] {
  const need4 = () => {
    if (x.length !== 4) {
      fail(index, op, `expects [N, C, H, W], got [${x.join(", ")}]`);
    }
  };
  switch (op.op) {
    case "conv2d":
    case "binary_conv2d": {
      need4();
      if (x[1] !== op.inChannels) {
        fail(
          index,
          op,
          `expects ${op.inChannels} channels, got [${x.join(", ")}]`,
        );
      }
      const ho = windowOut(x[2], op.kernel, op.stride, op.padding);
      const wo = windowOut(x[3], op.kernel, op.stride, op.padding);
      if (ho < 1 || wo < 1) {
        fail(index, op, `input [${x.join(", ")}] gives an empty output`);
      }
      return [x[0], op.outChannels, ho, wo];
    }
    case "max_pool2d":
    case "avg_pool2d": {
      need4();
      const pad = op.op === "max_pool2d" ? op.padding : 0;
      const ho = windowOut(x[2], op.kernel, op.stride, pad);
      const wo = windowOut(x[3], op.kernel, op.stride, pad);
      if (ho < 1 || wo < 1) {
        fail(index, op, `input [${x.join(", ")}] gives an empty output`);
      }
      return [x[0], x[1], ho, wo];
    }
    case "global_avg_pool":
      need4();
      return [x[0], x[1]];
    case "pad_channels":
      need4();
      return [x[0], op.before + x[1] + op.after, x[2], x[3]];
    case "affine":
    case "prelu":
    case "sample_centre":
      if (x.length < 2) {
        fail(index, op, `expects [N, C, ...], got [${x.join(", ")}]`);
      }
      return [...x];
    case "flatten":
      return [x[0], x.slice(1).reduce((a, b) => a * b, 1)];
    case "linear":
      if (x.length !== 2 || x[1] !== op.inFeatures) {
        fail(index, op, `expects [N, ${op.inFeatures}], got [${x.join(", ")}]`);
      }
      return [x[0], op.outFeatures];
  }
}

/**
 * The shape of every value for `batch` images of `inputShape` `[C, H, W]`, in op order;
 * checks that inputs and residuals exist with the right shapes.
 *
 * @example
 * ```ts
 * import { valueShapes } from "@ovsw/infer";
 * const shapes = valueShapes([{ op: "flatten", input: "input", output: "y" }], [1, 2, 2], 3);
 * console.log(shapes.get("y")); // [3, 4]
 * ```
 */
export function valueShapes(
  ops: readonly Op[],
  inputShape: readonly number[],
  batch: number,
): Map<string, number[]> {
  const shapes = new Map<string, number[]>([["input", [batch, ...inputShape]]]);
  ops.forEach((op, i) => {
    const x = shapes.get(op.input);
    if (!x) fail(i, op, `reads "${op.input}", which no earlier op writes`);
    const y = opOutputShape(op, x, i);
    if ("residual" in op && op.residual !== undefined) {
      const r = shapes.get(op.residual);
      if (!r) {
        fail(
          i,
          op,
          `residual "${op.residual}" is not written by an earlier op`,
        );
      }
      if (r.join() !== y.join()) {
        fail(
          i,
          op,
          `residual [${r.join(", ")}] does not match the output [${y.join(", ")}]`,
        );
      }
    }
    if (shapes.has(op.output)) {
      fail(i, op, `writes "${op.output}" a second time`);
    }
    shapes.set(op.output, y);
  });
  return shapes;
}
