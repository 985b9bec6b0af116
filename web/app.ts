/// <reference lib="dom" />
/**
 * The page's script (bundled by `web/build.ts` into `app.js`): loads `model.ovsw` and
 * `test_images.bin`, classifies every test image once (the result is also left in
 * `window.ovswResult` and `body[data-state="done"]` for the browser test), and classifies
 * drawings and picked images with the measured latency.
 *
 * @module
 */
import { BnnModel } from "../infer/mod.ts";
import { decodeTestImages, type TestImages } from "./test_images.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** What the page reports after classifying all test images. */
export interface PageResult {
  /** Images classified. */
  count: number;
  /** Correct top-1. */
  correct: number;
  /** correct / count. */
  accuracy: number;
  /** Top-1 class per image. */
  predictions: number[];
  /** Images per second of the batched run. */
  imagesPerSecond: number;
}

function softmax(logits: Float32Array): number[] {
  const m = Math.max(...logits);
  const e = [...logits].map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function drawThumb(canvas: HTMLCanvasElement, pixels: Uint8Array, w: number, h: number) {
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d")!;
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    img.data.set([pixels[i], pixels[i], pixels[i], 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}

async function show(model: BnnModel, pixels: Uint8Array, label?: number) {
  const t0 = performance.now();
  const { logits, predictions } = await model.classify(pixels, 1);
  const ms = performance.now() - t0;
  const name = model.classes[predictions[0]];
  const truth = label === undefined ? "" : ` (true: ${model.classes[label]})`;
  $("result").textContent = `${name}${truth}`;
  $("latency").textContent = `${
    ms.toFixed(1)
  } ms for one image (normalise, upload, run, read back)`;
  const probs = softmax(logits);
  const order = probs.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0]).slice(0, 3);
  $("bars").innerHTML = order.map(([p, i]) =>
    `<div><span class="name">${model.classes[i]}</span><span class="bar" style="width:${
      Math.round(120 * p)
    }px"></span>${(100 * p).toFixed(1)}%</div>`
  ).join("");
}

async function classifyAll(model: BnnModel, t: TestImages): Promise<PageResult> {
  const t0 = performance.now();
  const { predictions } = await model.classify(t.pixels, t.count, { batchSize: t.count });
  const secs = (performance.now() - t0) / 1000;
  const correct = [...predictions].filter((p, i) => p === t.labels[i]).length;
  const thumbs = $("gallery").children;
  [...predictions].forEach((p, i) => thumbs[i].className = p === t.labels[i] ? "ok" : "bad");
  $("stats").textContent = `${correct}/${t.count} correct (${
    (100 * correct / t.count).toFixed(1)
  }%), ${(t.count / secs).toFixed(0)} images/s in one batch`;
  return {
    count: t.count,
    correct,
    accuracy: correct / t.count,
    predictions: [...predictions],
    imagesPerSecond: t.count / secs,
  };
}

function setupPad(model: BnnModel, shape: [number, number, number]) {
  const pad = $<HTMLCanvasElement>("pad");
  const ctx = pad.getContext("2d")!;
  const clear = () => {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, pad.width, pad.height);
  };
  clear();
  let down = false;
  const draw = (e: PointerEvent) => {
    if (!down) return;
    const r = pad.getBoundingClientRect();
    ctx.fillStyle = "#fff";
    ctx.beginPath();
    ctx.arc(e.clientX - r.left, e.clientY - r.top, 14, 0, 2 * Math.PI);
    ctx.fill();
  };
  pad.addEventListener("pointerdown", (e) => (down = true, draw(e)));
  pad.addEventListener("pointermove", draw);
  addEventListener("pointerup", () => (down = false));
  $("clear").onclick = clear;
  $("classify").onclick = () => {
    const [, h, w] = shape;
    const small = document.createElement("canvas");
    small.width = w;
    small.height = h;
    const sctx = small.getContext("2d")!;
    sctx.drawImage(pad, 0, 0, w, h);
    const rgba = sctx.getImageData(0, 0, w, h).data;
    const pixels = new Uint8Array(w * h).map((_, i) => rgba[4 * i]);
    return show(model, pixels);
  };
}

async function main() {
  const [modelBytes, imageBytes] = await Promise.all(
    ["./model.ovsw", "./test_images.bin"].map(async (u) => {
      const r = await fetch(u);
      if (!r.ok) throw new Error(`cannot fetch ${u}: HTTP ${r.status}`);
      return new Uint8Array(await r.arrayBuffer());
    }),
  );
  $("size").textContent = `${(modelBytes.length / 1024).toFixed(0)} KiB`;
  const model = await BnnModel.load(modelBytes);
  const t = decodeTestImages(imageBytes);
  const [c, h, w] = t.shape;
  const per = c * h * w;
  for (let i = 0; i < t.count; i++) {
    const cv = document.createElement("canvas");
    const px = t.pixels.subarray(i * per, (i + 1) * per);
    drawThumb(cv, px, w, h);
    cv.title = model.classes[t.labels[i]];
    cv.onclick = () => show(model, px.slice(), t.labels[i]);
    $("gallery").appendChild(cv);
  }
  setupPad(model, t.shape);
  $("all").onclick = () => classifyAll(model, t);
  const result = await classifyAll(model, t);
  await show(model, t.pixels.slice(0, per), t.labels[0]);
  $("status").textContent = `${model.header.model}, ${model.header.ops.length} ops · ` +
    `exported from ${String(model.header.metadata.run ?? "a run")}`;
  (globalThis as unknown as { ovswResult: PageResult }).ovswResult = result;
  document.body.dataset.state = "done";
}

main().catch((e) => {
  $("status").textContent = `Error: ${(e as Error).message}`;
  document.body.dataset.state = "error";
  (globalThis as unknown as { ovswError: string }).ovswError = (e as Error).message;
});
