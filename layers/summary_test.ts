import assert from "node:assert/strict";
import { BinaryConv2d, Linear, Sequential, summary } from "./mod.ts";
import { setupGpu } from "../tests/util.ts";
import { Flatten } from "./flatten.ts";

await setupGpu();

Deno.test("summary counts parameters by bit width, MACs and memory", () => {
  const net = new Sequential(
    new BinaryConv2d(4, 8, 3, { stride: 2, padding: 1 }),
    new Flatten(),
    new Linear(8 * 4 * 4, 10),
  );
  const s = summary(net, [2, 4, 8, 8]);
  assert.deepEqual(s.outputShape, [2, 10]);
  assert.deepEqual(s.layers.map((r) => r.name), ["0", "1", "2"]);
  assert.equal(s.binaryParams, 288);
  assert.equal(s.floatParams, 1290);
  assert.equal(s.params, 1578);
  assert.equal(s.binaryMacs, 2 * 8 * 16 * 36); // N·O·OH·OW·C·k·k
  assert.equal(s.floatMacs, 2 * 10 * 128);
  // training: f32 latent + 1 momentum slot (+2 SAD slots for binary); deployed: packed bits
  assert.equal(s.trainingBytes, 4 * (1578 * 2 + 288 * 2));
  assert.equal(s.deployedBytes, 36 + 4 * 1290);
  assert.ok(Math.abs(s.compressionRatio - (4 * 1578) / (36 + 4 * 1290)) < 1e-12);
  assert.match(s.text, /Total\s+\[2, 10\]\s+288\s+1,290\s+9,216\s+2,560/);
  net.dispose();
});
