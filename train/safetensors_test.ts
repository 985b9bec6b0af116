import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  type SafeTensor,
  SafetensorsError,
} from "./safetensors.ts";
import { Prng } from "@ovsw/init";
import { freshSeed } from "../tests/util.ts";

const FIXTURE = new URL("../tests/fixtures/cli_safetensors.safetensors", import.meta.url);
const EXPECTED = new URL("../tests/fixtures/cli_safetensors.json", import.meta.url);

function f32le(values: number[]): number[] {
  return [...new Uint8Array(new Float32Array(values).buffer)];
}
function ascii(s: string): number[] {
  return [...new TextEncoder().encode(s)];
}

Deno.test("encodeSafetensors matches the reference serializer's bytes", () => {
  // The byte layouts of the reference (Rust) serializer's own unit tests.
  const data = new Float32Array([0, 1, 2, 3, 4, 5]);
  const a = encodeSafetensors({ "attn.0": { dtype: "F32", shape: [1, 2, 3], data } });
  const h1 = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
  assertEquals([...a], [64, 0, 0, 0, 0, 0, 0, 0, ...ascii(h1), ...f32le([0, 1, 2, 3, 4, 5])]);
  const b = encodeSafetensors({ "attn0": { dtype: "F32", shape: [1, 1, 2, 3], data } });
  const h2 = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ';
  assertEquals([...b], [72, 0, 0, 0, 0, 0, 0, 0, ...ascii(h2), ...f32le([0, 1, 2, 3, 4, 5])]);
  assertEquals([...encodeSafetensors({})], [8, 0, 0, 0, 0, 0, 0, 0, ...ascii("{}      ")]);
  const m = encodeSafetensors({}, { framework: "pt" });
  assertEquals([...m], [
    40,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    ...ascii('{"__metadata__":{"framework":"pt"}}     '),
  ]);
});

Deno.test("decodeSafetensors reads the PyTorch-written fixture and re-encodes it byte for byte", async () => {
  const bytes = await Deno.readFile(FIXTURE);
  const expected = JSON.parse(await Deno.readTextFile(EXPECTED));
  const file = decodeSafetensors(bytes, "fixture");
  assertEquals(file.metadata, expected.metadata);
  assertEquals([...file.tensors.keys()], expected.order);
  for (
    const [name, want] of Object.entries(expected.tensors) as [string, {
      dtype: string;
      shape: number[];
      values: (number | string)[];
    }][]
  ) {
    const t = file.tensors.get(name)!;
    assertEquals(t.dtype, want.dtype, name);
    assertEquals(t.shape, want.shape, name);
    const got = Array.from(t.data as ArrayLike<number | bigint>).map((v) =>
      typeof v === "bigint" ? String(v) : v
    );
    const wantValues = want.values.map((v) => want.dtype === "F32" ? Math.fround(v as number) : v);
    assertEquals(got, wantValues, name);
  }
  const again = encodeSafetensors(file.tensors, file.metadata!);
  assertEquals(again.length, bytes.length);
  assertEquals(again.every((v, i) => v === bytes[i]), true, "byte-identical re-encoding");
});

Deno.test("safetensors round trip of every dtype on random data", () => {
  const seed = freshSeed();
  const rng = new Prng(seed);
  const tensors: Record<string, SafeTensor> = {
    w: { dtype: "F32", shape: [3, 5], data: rng.normalArray(15) },
    d: { dtype: "F64", shape: [4], data: Float64Array.from({ length: 4 }, () => rng.normal()) },
    u: { dtype: "U32", shape: [2, 2], data: Uint32Array.from({ length: 4 }, () => rng.nextU32()) },
    i: { dtype: "I64", shape: [2], data: new BigInt64Array([-5n, 1n << 40n]) },
    b: { dtype: "BOOL", shape: [3], data: new Uint8Array([1, 0, 1]) },
    h: { dtype: "F16", shape: [1], data: new Uint16Array([0x3c00]) },
    s: { dtype: "I32", shape: [], data: new Int32Array([-9]) },
    e: { dtype: "F32", shape: [0, 3], data: new Float32Array(0) },
  };
  const file = decodeSafetensors(encodeSafetensors(tensors, { seed: String(seed) }));
  assertEquals(file.metadata, { seed: String(seed) });
  for (const [name, t] of Object.entries(tensors)) {
    const got = file.tensors.get(name)!;
    assertEquals(got.dtype, t.dtype, `${name} (seed ${seed})`);
    assertEquals(got.shape, t.shape, `${name} (seed ${seed})`);
    assertEquals(
      Array.from(got.data as ArrayLike<unknown>),
      Array.from(t.data as ArrayLike<unknown>),
      name,
    );
  }
  // Largest alignment first, then by name.
  assertEquals([...file.tensors.keys()], ["i", "d", "e", "w", "u", "s", "h", "b"]);
});

Deno.test("decodeSafetensors: corrupt files give one clear error naming the file", () => {
  const good = encodeSafetensors({
    a: { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) },
    b: { dtype: "F32", shape: [1], data: new Float32Array([3]) },
  });
  const err = (bytes: Uint8Array, re: RegExp) =>
    assertThrows(() => decodeSafetensors(bytes, "w.safetensors"), (e: unknown) => {
      if (!(e instanceof SafetensorsError)) return false;
      return /^w\.safetensors: /.test(e.message) && re.test(e.message);
    });
  err(good.subarray(0, 5), /too short/);
  err(good.subarray(0, 20), /runs past the end/);
  err(good.subarray(0, good.length - 4), /cover 12 bytes but the file holds 8 .*truncated/);
  const extra = new Uint8Array(good.length + 4);
  extra.set(good);
  err(extra, /trailing bytes/);
  const patch = (from: string, to: string) => {
    const text = new TextDecoder().decode(good);
    return new TextEncoder().encode(text.replace(from, to));
  };
  err(patch('"F32"', '"F99"'), /tensor [ab]: unsupported dtype "F99"/);
  err(
    patch('"shape":[2]', '"shape":[3]'),
    /tensor a: data_offsets \[\d+, \d+\] hold 8 bytes but F32 \[3\] needs 12/,
  );
  err(patch("{", "["), /not valid UTF-8 JSON/);
  const gap = encodeSafetensors({
    a: { dtype: "F32", shape: [1], data: new Float32Array([1]) },
  });
  const text = new TextDecoder().decode(gap).replace("[0,4]", "[4,8]");
  err(new TextEncoder().encode(text), /data starts at byte 4, expected 0/);
  assertThrows(
    () => encodeSafetensors({ x: { dtype: "F32", shape: [3], data: new Float32Array(2) } }),
    /tensor x: 2 Float32Array elements do not match F32 \[3\]/,
  );
});

Deno.test("readSafetensors names a missing file", async () => {
  let msg = "";
  try {
    await readSafetensors("/nonexistent/w.safetensors");
  } catch (e) {
    msg = (e as Error).message;
  }
  assertEquals(/cannot read \/nonexistent\/w\.safetensors/.test(msg), true, msg);
});
