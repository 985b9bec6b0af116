import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import {
  formatDuration,
  Progress,
  progressBar,
  type ProgressInfo,
  type TextSink,
  trainProgressLine,
} from "./progress.ts";

function sink(isTerminal: boolean, color: boolean): TextSink & { text: () => string } {
  const chunks: Uint8Array[] = [];
  return {
    write: (b) => chunks.push(b.slice()),
    isTerminal,
    color,
    text: () => chunks.map((c) => new TextDecoder().decode(c)).join(""),
  };
}

const info = (step: number): ProgressInfo => ({
  epoch: 2,
  epochs: 3,
  step,
  stepsPerEpoch: 10,
  loss: 0.6931,
  acc: 0.5,
  imagesPerSecond: 42.25,
  etaSeconds: 3725,
});

Deno.test("formatDuration", () => {
  assertEquals(formatDuration(12.4), "12s");
  assertEquals(formatDuration(250), "4m10s");
  assertEquals(formatDuration(3725), "1h02m");
  assertEquals(formatDuration(NaN), "?");
});

Deno.test("plain lines when stderr is not a terminal: no control characters", () => {
  const s = sink(false, false);
  const p = new Progress(s, () => 0);
  p.update(info(1));
  p.log(info(5));
  p.message("epoch 2 done");
  p.done();
  assertEquals(
    s.text(),
    "epoch 2/3 step 5/10 loss 0.6931 acc 50.0% 42.3 img/s ETA 1h02m\nepoch 2 done\n",
  );
  assertEquals(trainProgressLine(info(5)).includes("\x1b"), false);
});

Deno.test("a redrawn bar on a terminal, throttled, coloured only when allowed", () => {
  let t = 0;
  const s = sink(true, false);
  const p = new Progress(s, () => t);
  p.update(info(1));
  t = 50;
  p.update(info(2)); // throttled
  t = 200;
  p.update(info(3));
  p.message("hello");
  p.done();
  const text = s.text();
  assertEquals(text.split("\r\x1b[2K").filter((x) => x.startsWith("epoch")).length, 2);
  assertEquals(text.includes("\x1b[1m"), false, "no colour when color=false (NO_COLOR)");
  assertMatch(text, /epoch 2\/3 ███████░+ 3\/10 loss 0\.6931/);
  assertEquals(text.endsWith("\r\x1b[2Khello\n"), true);
  assertEquals(progressBar(info(3), true).startsWith("\x1b[1mepoch 2/3\x1b[0m"), true);
});
