/** The CLI's `--init` choices and the initialiser registry agree. */
import assert from "node:assert/strict";
import { getInitializer, INITIALIZER_ALIASES, INITIALIZER_NAMES, Prng } from "@ovsw/init";
import { INITS } from "@ovsw/train";

Deno.test("--init accepts every official name and the hyphenated Kaiming aliases, nothing else", () => {
  const expected = ["default", ...INITIALIZER_NAMES, ...Object.keys(INITIALIZER_ALIASES)];
  assert.deepEqual([...INITS].sort(), expected.sort());
  for (const name of INITS) {
    if (name === "default") continue;
    const w = getInitializer(name)([4, 2, 3, 3], new Prng(1));
    assert.equal(w.length, 72, name);
    assert.ok(w.every(Number.isFinite), name);
  }
});
