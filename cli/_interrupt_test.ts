import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { interruptFlag, type SignalRuntime } from "./_interrupt.ts";

Deno.test("interruptFlag: the first Ctrl-C asks to stop, the second exits 130 at once", () => {
  let handler: (() => void) | null = null;
  const exits: number[] = [];
  const said: string[] = [];
  const runtime: SignalRuntime = {
    add: (h) => (handler = h),
    remove: (h) => {
      if (handler === h) handler = null;
    },
    exit: (code) => exits.push(code),
  };
  const flag = interruptFlag(() => said.push("first"), () => said.push("second"), runtime);
  assertEquals(flag.requested(), false);
  handler!();
  assertEquals([flag.requested(), said, exits], [true, ["first"], []]);
  handler!();
  assertEquals([said, exits], [["first", "second"], [130]]);
  flag.remove();
  assertEquals(handler, null);
});
