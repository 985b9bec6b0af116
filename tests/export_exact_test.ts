/**
 * Exactness of the deployment path: for every model the CLI trains, a model with random
 * weights, non-trivial BatchNorm statistics (train-mode forwards, random γ/β including negative
 * γ) and some exactly-zero binary weights is exported, loaded by `@ovsw/infer`, and compared with
 * the training engine's eval-mode forward: top-1 identical, logits within
 * `LOGIT_TOLERANCE · max(1, max|logit|)`. The same for a model of every BNN method with its own
 * binarizer (`bnnMethod(name).modelOptions`), whose learned scales, shifts and slopes are drawn
 * at random too; FDA is refused with an error naming the layer and the method.
 */
import { initGpu, noGrad, Tensor } from "@ovsw/gpu";
import {
  BatchNormBase,
  BinaryConv2d,
  LearnableBias,
  type Module,
  PReLU,
  RbnnConv2d,
  RecuConv2d,
  XnorPlusPlusConv2d,
} from "@ovsw/layers";
import { createModel } from "@ovsw/models";
import { bnnMethod, loadModelWeights, readModelWeights } from "@ovsw/train";
import { argmaxRows, BnnModel, decodeExport, encodeExport } from "@ovsw/infer";
import { buildExport } from "../cli/export_graph.ts";

/** Logit tolerance relative to the logit scale (f32 BN folding changes the last bits). */
export const LOGIT_TOLERANCE = 1e-3;

/** Deterministic normal samples. */
function gauss(n: number, seed: number, std = 1): Float32Array {
  let s = seed >>> 0;
  const u = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = std * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  }
  return out;
}

/** BN running statistics from train-mode forwards, random γ/β, a few zero binary weights. */
async function perturb(model: Module, inputShape: number[], seed: number): Promise<void> {
  model.train();
  for (let k = 0; k < 2; k++) {
    const x = Tensor.from(gauss(2 * inputShape.reduce((a, b) => a * b), seed + k), [
      2,
      ...inputShape,
    ]);
    noGrad(() => model.forward(x).dispose());
    x.dispose();
  }
  model.eval();
  const weights = await readModelWeights(model);
  let j = 0;
  for (const [path, m] of model.namedModules()) {
    j++;
    if (m instanceof BatchNormBase) {
      const g = weights.get(`${path}.weight`)!.data as Float32Array;
      const b = weights.get(`${path}.bias`)!.data as Float32Array;
      const r = gauss(2 * g.length, seed * 31 + j);
      for (let i = 0; i < g.length; i++) {
        g[i] = (0.3 + Math.abs(r[i])) * (i % 7 === 3 ? -1 : 1); // some negative γ
        b[i] = 0.3 * r[g.length + i];
      }
    }
    const learned = (name: string, offset: number, scale: number) => {
      const v = weights.get(`${path}.${name}`)!.data as Float32Array;
      const r = gauss(v.length, seed * 131 + j);
      for (let i = 0; i < v.length; i++) v[i] = offset + scale * r[i];
    };
    if (m instanceof LearnableBias) learned("bias", 0, 0.3); // ReActNet's shifts
    if (m instanceof PReLU) learned("weight", 0.25, 0.2);
    if (m instanceof XnorPlusPlusConv2d || m instanceof RecuConv2d) learned("alpha", 0, 1); // ±
    if (m instanceof RbnnConv2d) {
      learned("alpha", 0, 1);
      learned("rotate", Math.PI / 2, 0.5); // partial rotations
    }
    if (m instanceof BinaryConv2d && j % 2 === 0) {
      const w = weights.get(`${path}.weight`)!.data as Float32Array;
      for (let i = 0; i < w.length; i += 97) w[i] = 0; // sign(0) = 0 must survive the export
    }
  }
  loadModelWeights(model, weights, "perturbed weights");
}

/** Exports `name`, runs both engines on `batch` random images, checks agreement. */
async function checkModel(
  name: string,
  inputShape: [number, number, number],
  batch: number,
  method?: string,
) {
  await initGpu();
  const what = method ? `${name} --method ${method}` : name;
  const model = createModel(name, {
    classes: 10,
    seed: 3,
    ...(method ? bnnMethod(method).modelOptions : {}),
  });
  try {
    await perturb(model, inputShape, 11);
    const x = gauss(batch * inputShape.reduce((a, b) => a * b), 5);
    const xt = Tensor.from(x, [batch, ...inputShape]);
    const y = noGrad(() => model.forward(xt));
    const ref = await y.read();
    y.dispose();
    xt.dispose();
    const graph = await buildExport(model, {
      model: name,
      inputShape,
      normalization: { mean: Array(inputShape[0]).fill(0), std: Array(inputShape[0]).fill(1) },
      classes: [..."0123456789"],
    });
    const bytes = encodeExport(graph.draft, graph.blobs);
    const exported = decodeExport(bytes, name);
    const infer = await BnnModel.load(exported);
    try {
      const got = await infer.logits(x, batch);
      let scale = 1;
      let err = 0;
      for (let i = 0; i < ref.length; i++) {
        scale = Math.max(scale, Math.abs(ref[i]));
        err = Math.max(err, Math.abs(ref[i] - got[i]));
      }
      const top1Ref = argmaxRows(ref, 10);
      const top1Got = argmaxRows(got, 10);
      if (top1Ref.join() !== top1Got.join()) {
        throw new Error(`${what}: top-1 ${top1Got} differs from the training engine's ${top1Ref}`);
      }
      if (!(err <= LOGIT_TOLERANCE * scale)) {
        throw new Error(
          `${what}: logits differ by ${err} (scale ${scale}, tolerance ${LOGIT_TOLERANCE})`,
        );
      }
      const zeroPlanes = graph.draft.ops.filter((op) =>
        op.op === "binary_conv2d" && op.nonzero !== undefined
      ).length;
      if (!method && zeroPlanes === 0) {
        throw new Error(`${what}: no zero weight reached the export`);
      }
    } finally {
      infer.dispose();
    }
  } finally {
    model.dispose();
  }
}

Deno.test("export: vgg-small-28 matches the training engine's eval forward", async () => {
  await checkModel("vgg-small-28", [1, 28, 28], 3);
});

Deno.test("export: cresnet20 matches the training engine's eval forward", async () => {
  await checkModel("cresnet20", [3, 8, 8], 3);
});

Deno.test("export: cresnet18 matches the training engine's eval forward", async () => {
  await checkModel("cresnet18", [3, 8, 8], 2);
});

Deno.test("export: vgg-small matches the training engine's eval forward", async () => {
  await checkModel("vgg-small", [3, 32, 32], 2);
});

Deno.test("export: resnet18 (ImageNet, float downsample) matches the training engine", async () => {
  await checkModel("resnet18", [3, 32, 32], 1);
});

for (const method of ["xnor", "xnorpp", "bireal", "irnet", "recu", "rbnn", "siman", "reactnet"]) {
  Deno.test(`export: vgg-small-28 --method ${method} matches the training engine`, async () => {
    await checkModel("vgg-small-28", [1, 28, 28], 3, method);
  });
}

Deno.test("export: cresnet20 --method reactnet (ReAct blocks) matches the training engine", async () => {
  await checkModel("cresnet20", [3, 8, 8], 3, "reactnet");
});

Deno.test("export: --method fda is refused with an error naming the layer and why", async () => {
  await initGpu();
  const model = createModel("vgg-small-28", {
    classes: 10,
    seed: 3,
    ...bnnMethod("fda").modelOptions,
  });
  try {
    model.eval();
    let msg = "";
    await buildExport(model, {
      model: "vgg-small-28",
      inputShape: [1, 28, 28],
      normalization: { mean: [0], std: [1] },
      classes: [..."0123456789"],
    }).catch((e) => (msg = (e as Error).message));
    if (!/^conv1: cannot export FdaConv2d\(.*\(--method fda\): .*not ±1/.test(msg)) {
      throw new Error(`unexpected error: ${msg}`);
    }
  } finally {
    model.dispose();
  }
});
