/**
 * Knowledge distillation: a float teacher read from a safetensors file (torchvision's parameter
 * names) and ReActNet's distributional loss against its softmax.
 *
 * @module
 */
import { noGrad, type Tensor, tidy } from "@ovsw/gpu";
import { distributionLoss } from "@ovsw/layers";
import { FloatResNet } from "@ovsw/models";
import { RunDirError } from "./errors.ts";
import { loadModelWeights } from "./model_io.ts";
import { readSafetensors, SafetensorsError } from "./safetensors.ts";

/** The teacher architectures (torchvision's names). */
export type TeacherArch = "resnet18" | "resnet34";

/**
 * Reads a float ResNet teacher from `path` (a torchvision `state_dict()` saved with
 * `safetensors.torch.save_file`: F32 weights, I64 `num_batches_tracked`) and returns it in eval
 * mode. Its class count comes from `fc.weight` and must be `classes`; missing or unexpected
 * names, shapes and dtypes are one error naming the file.
 *
 * @example
 * ```ts
 * import { initGpu } from "@ovsw/gpu";
 * import { FloatResNet } from "@ovsw/models";
 * import { encodeSafetensors, loadTeacher, readModelWeights } from "@ovsw/train";
 * await initGpu();
 * const file = await Deno.makeTempFile({ suffix: ".safetensors" });
 * const weights = await readModelWeights(new FloatResNet("resnet18", { classes: 3 }));
 * await Deno.writeFile(file, encodeSafetensors(weights));
 * const teacher = await loadTeacher(file, "resnet18", 3);
 * console.log(teacher.training); // false
 * ```
 */
export async function loadTeacher(
  path: string,
  arch: TeacherArch,
  classes: number,
): Promise<FloatResNet> {
  let file;
  try {
    file = await readSafetensors(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message;
    if (e instanceof SafetensorsError || e instanceof Deno.errors.NotFound) {
      throw new RunDirError(`--teacher ${path}: ${why}`);
    }
    throw e;
  }
  const fc = file.tensors.get("fc.weight");
  if (!fc || fc.shape.length !== 2) {
    throw new RunDirError(
      `--teacher ${path}: no fc.weight [classes, 512]; is it a torchvision ResNet state_dict?`,
    );
  }
  if (fc.shape[0] !== classes) {
    throw new RunDirError(
      `--teacher ${path} predicts ${fc.shape[0]} classes but the data has ${classes}`,
    );
  }
  const teacher = new FloatResNet(arch, { classes });
  try {
    loadModelWeights(teacher, file.tensors, `--teacher ${path} (--teacher-arch ${arch})`);
  } catch (e) {
    for (const [, t] of [...teacher.namedParameters(), ...teacher.namedBuffers()]) t.dispose();
    throw e;
  }
  teacher.eval();
  return teacher;
}

/**
 * The loss of a distilled step on images `x`: ReActNet's `distributionLoss` of the student's
 * logits against the teacher's (computed now, in eval mode, without gradients). Call `dispose`
 * after the step to free the teacher's logits.
 *
 * @example
 * ```ts
 * import { initGpu, Tensor } from "@ovsw/gpu";
 * import { distillation } from "@ovsw/train";
 * await initGpu();
 * const teacher = { forward: (x: Tensor) => x };
 * const d = distillation(teacher, Tensor.from([5, 5], [1, 2]));
 * console.log(await d.loss(Tensor.from([0, 0], [1, 2])).read()); // [0.6931472]
 * d.dispose();
 * ```
 */
export function distillation(
  teacher: { forward(x: Tensor): Tensor },
  x: Tensor,
): { loss: (logits: Tensor) => Tensor; dispose: () => void } {
  const target = tidy(() => noGrad(() => teacher.forward(x)));
  return {
    loss: (logits) => distributionLoss(logits, target),
    dispose: () => target.dispose(),
  };
}
