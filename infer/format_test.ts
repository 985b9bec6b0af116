import { type BlobData, decodeExport, encodeExport, type HeaderDraft } from "./format.ts";
import { fromHalfBits, toHalfBits } from "./half.ts";

const draft = (): HeaderDraft => ({
  model: "toy",
  inputShape: [1, 2, 2],
  normalization: { mean: [0], std: [1] },
  classes: ["a", "b"],
  output: "y",
  metadata: { note: "x" },
  ops: [
    { op: "flatten", input: "input", output: "f" },
    {
      op: "linear",
      input: "f",
      output: "y",
      weight: "w",
      bias: "b",
      inFeatures: 4,
      outFeatures: 2,
    },
  ],
});

const blobs = () =>
  new Map<string, BlobData>([
    ["w", { shape: [2, 4], data: Float32Array.from({ length: 8 }, (_, i) => i / 3) }],
    ["b", { shape: [2], data: new Float32Array([1, -1]) }],
  ]);

function throwsWith(fn: () => unknown, text: string): void {
  try {
    fn();
  } catch (e) {
    if ((e as Error).message.includes(text)) return;
    throw new Error(`expected "${text}", got "${(e as Error).message}"`);
  }
  throw new Error(`expected an error containing "${text}"`);
}

Deno.test("format: round trip keeps header and blobs; blobs are 16-byte aligned", () => {
  const bytes = encodeExport(draft(), blobs());
  const m = decodeExport(bytes);
  if (m.header.metadata.note !== "x" || m.header.version !== 1) throw new Error("header");
  if ((m.blobs.get("w") as Float32Array).join() !== blobs().get("w")!.data.join()) {
    throw new Error("blob w");
  }
  for (const b of Object.values(m.header.blobs)) {
    if (b.offset % 16 !== 0) throw new Error(`offset ${b.offset}`);
  }
});

Deno.test("format: damaged files and bad headers are one clear error", () => {
  const bytes = encodeExport(draft(), blobs());
  throwsWith(() => decodeExport(bytes.slice(0, 8), "f.ovsw"), "f.ovsw: not an .ovsw export");
  const bad = bytes.slice();
  bad[0] = 0;
  throwsWith(() => decodeExport(bad, "f.ovsw"), "bad magic");
  throwsWith(
    () => decodeExport(bytes.slice(0, bytes.length - 16), "f.ovsw"),
    "blob b lies outside",
  );
  const d = draft();
  d.ops[1] = { ...d.ops[1], input: "nope" };
  throwsWith(() => encodeExport(d, blobs()), `reads "nope"`);
  const b = blobs();
  b.set("w", { shape: [4, 2], data: new Float32Array(8) });
  throwsWith(() => encodeExport(draft(), b), `blob "w" is f32 [4,2], expected f32 [2,4]`);
  const wrongOut = { ...draft(), classes: ["a", "b", "c"] };
  throwsWith(() => encodeExport(wrongOut, blobs()), "must be [N, 3]");
});

Deno.test("format: f16 blobs round to nearest binary16 and read back as f32", () => {
  const values = new Float32Array(2000);
  let s = Date.now() >>> 0;
  for (let i = 0; i < values.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    values[i] = (s / 2 ** 32 - 0.5) * 2 ** ((i % 40) - 26); // normals, subnormals, underflow
  }
  values.set([0, -0, 65504, 65520, 1e-8, 2 ** -24, 3 * 2 ** -26]);
  const d = draft();
  const b = blobs();
  b.set("w", { shape: [2, 4], data: values.subarray(0, 8), half: true });
  const m = decodeExport(encodeExport(d, b));
  if (m.header.blobs.w.dtype !== "f16" || m.header.blobs.w.bytes !== 16) throw new Error("dtype");
  const got = m.blobs.get("w") as Float32Array;
  for (let i = 0; i < 8; i++) {
    if (!Object.is(got[i], Math.f16round(values[i]))) throw new Error(`w[${i}] = ${got[i]}`);
  }
  for (const v of values) {
    const h = fromHalfBits(toHalfBits(v));
    if (!Object.is(h, Math.f16round(v))) throw new Error(`f16(${v}) = ${h}`);
  }
});
