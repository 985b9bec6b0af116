import { deepStrictEqual as equal } from "node:assert/strict";
import { LiveLine, progressBarCells, stderrProgress, type TextSink } from "./progress.ts";

function sink(isTerminal: boolean): TextSink & { text: () => string } {
  const dec = new TextDecoder();
  let text = "";
  return { write: (b) => (text += dec.decode(b)), isTerminal, color: false, text: () => text };
}

Deno.test("progressBarCells fills the done fraction and clamps it", () => {
  equal(progressBarCells(0.25, 8), "██░░░░░░");
  equal(progressBarCells(2, 4), "████");
  equal(progressBarCells(-1, 4), "░░░░");
  equal(progressBarCells(NaN, 4), "░░░░");
});

Deno.test("LiveLine redraws in place, throttled unless forced; messages go above it", () => {
  let t = 0;
  const s = sink(true);
  const line = new LiveLine(s, () => t);
  line.draw("a");
  t = 50;
  line.draw("b"); // throttled
  line.draw("c", true);
  line.message("note");
  line.done(); // nothing shown any more: nothing written
  equal(s.text(), "\r\x1b[2Ka\r\x1b[2Kc\r\x1b[2Knote\n");
});

Deno.test("LiveLine on a non-terminal draws nothing and prints messages", () => {
  const s = sink(false);
  const line = new LiveLine(s);
  line.draw("a", true);
  line.message("note");
  line.done();
  equal(s.text(), "note\n");
});

Deno.test("stderrProgress leaves the final bar as a line on a terminal, nothing elsewhere", () => {
  const tty = sink(true);
  const p = stderrProgress("f.gz", tty);
  p.update(5e6, 10e6);
  p.update(10e6, 10e6); // throttled
  p.done();
  equal(
    tty.text(),
    "\r\x1b[2Kf.gz ████████████░░░░░░░░░░░░  50% 5.0/10.0 MB" +
      "\r\x1b[2Kf.gz ████████████████████████ 100% 10.0/10.0 MB\n",
  );
  const log = sink(false);
  const q = stderrProgress("f.gz", log);
  q.update(1, 2);
  q.done();
  equal(log.text(), "");
});
