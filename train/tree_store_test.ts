import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { Prng } from "@ovsw/init";
import { freshSeed } from "../tests/util.ts";
import { decodeTree, encodeTree, splitTree } from "./tree_store.ts";

Deno.test("encodeTree/decodeTree round-trip a collector-like state exactly", () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const tree = {
    version: 1,
    steps: 17,
    lr: 0.1,
    weird: [NaN, Infinity, -Infinity, -0, 1e-45],
    none: null,
    flag: true,
    name: "features.1.weight",
    big: 1234567890123n,
    layers: {
      "features.1.weight": {
        shape: [2, 3],
        init: rng.normalArray(6),
        state: Uint32Array.from({ length: 6 }, () => rng.nextU32()),
        epochs: [[1, 2], [3, 4]],
      },
      "features": { "1": { weight: { init: new Float32Array([9]) } } },
    },
    list: [new Float64Array([Math.PI]), new Int32Array([-7, 8]), new Uint8Array([1, 2])],
  };
  const { json, tensors } = encodeTree(tree);
  const back = decodeTree(json, tensors) as typeof tree;
  assertEquals(back.weird.map(String), ["NaN", "Infinity", "-Infinity", "0", "1e-45"]);
  assertEquals(Object.is(back.weird[3], -0), true);
  back.weird = tree.weird;
  assertEquals(back, tree, `seed ${seed}`);
});

Deno.test("splitTree refuses live objects such as GPU tensors", () => {
  class Fake {}
  assertThrows(() => splitTree({ m: { buf: new Fake() } }), /m\.buf is a Fake; only plain data/);
});
