/**
 * Builds a run's model from its configuration with `@ovsw/models`' `createModel`, checking the
 * model's input shape against the data.
 *
 * @module
 */
import type { Split } from "@ovsw/data";
import { type BinaryConvFactory, BinaryInputConv2d, type Module } from "@ovsw/layers";
import { createModel, modelInfo } from "@ovsw/models";
import { UsageError } from "./errors.ts";
import { bnnMethod, type TrainConfig } from "@ovsw/train";

/** `--weights real` (two-step step 1): every binary conv becomes a real-weight one. */
const realWeightConv: BinaryConvFactory = (i, o, k, s) =>
  new BinaryInputConv2d(i, o, k, { stride: s.stride, padding: s.padding, rng: s.rng });

/**
 * The model of a run: `--model` with `--init`/`--gamma` for the binary weights, seeded by
 * `--seed`, with as many classes as the data, and `--method`'s binary conv and block (default:
 * OvSW's `BinaryConv2d`; with `--weights real`, `BinaryInputConv2d` in its place). A model whose input shape does not fit the data
 * (e.g. `cresnet20` on Fashion-MNIST) is a {@link UsageError}.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { buildModel, loadRunData } from "@ovsw/cli";
 * await initGpu();
 * const data = await loadRunData({ dataset: null, dataDir: null, download: false,
 *   trainLimit: 10, testLimit: 10 });
 * const model = buildModel({ model: "vgg-small-28", init: "default", gamma: 1, seed: 0 }, data.train);
 * console.log(model.countParameters("binary")); // 552960
 * ```
 */
export function buildModel(
  cfg:
    & Pick<TrainConfig, "model" | "init" | "gamma" | "seed">
    & Partial<Pick<TrainConfig, "method" | "weights">>,
  data: Pick<Split, "channels" | "height" | "width" | "numClasses" | "source">,
): Module {
  let info;
  try {
    info = modelInfo(cfg.model);
  } catch (e) {
    throw new UsageError(`--model: ${(e as Error).message}`);
  }
  const [c, h, w] = info.inputShape;
  // The ImageNet ResNets end in adaptive average pooling: any square side from 32 fits
  // (reduced-resolution runs with --image-size).
  const anySide = h === 224 && data.height === data.width && data.height >= 32;
  if (c !== data.channels || (!anySide && (h !== data.height || w !== data.width))) {
    throw new UsageError(
      `--model ${info.name} takes ${c}×${h}×${w} images but the data has ` +
        `${data.channels}×${data.height}×${data.width} (choose a model for this dataset, e.g. ` +
        `${data.channels === 1 ? "vgg-small-28" : "cresnet20"})`,
    );
  }
  return createModel(info.name, {
    classes: data.numClasses,
    seed: cfg.seed,
    gamma: cfg.gamma,
    init: cfg.init === "default" ? undefined : cfg.init,
    ...(cfg.method ? bnnMethod(cfg.method).modelOptions : {}),
    ...(cfg.weights === "real" ? { binaryConv: realWeightConv } : {}),
  });
}
