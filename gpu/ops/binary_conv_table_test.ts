import assert from "node:assert/strict";
import {
  binaryConvKernels,
  FLOAT_BINARY_CONV_KERNELS,
  HARDWARE_BINARY_CONV_KERNELS,
  setBinaryConvKernels,
  SOFTWARE_BINARY_CONV_KERNELS,
} from "@ovsw/gpu";
import { setupGpu } from "../../tests/util.ts";
import { isSoftwareAdapter } from "../_adapter_kind.ts";

await setupGpu();

Deno.test("binaryConvKernels: the adapter's table, overrides and their reset", () => {
  const byAdapter = isSoftwareAdapter()
    ? SOFTWARE_BINARY_CONV_KERNELS
    : HARDWARE_BINARY_CONV_KERNELS;
  assert.deepEqual(binaryConvKernels(), byAdapter);
  try {
    setBinaryConvKernels({ gradInput: "float" });
    assert.deepEqual(binaryConvKernels(), { ...byAdapter, gradInput: "float" });
    setBinaryConvKernels({ forward: "float" });
    assert.deepEqual(binaryConvKernels(), { ...byAdapter, gradInput: "float", forward: "float" });
    setBinaryConvKernels("float");
    assert.deepEqual(binaryConvKernels(), FLOAT_BINARY_CONV_KERNELS);
    setBinaryConvKernels("xnor");
    assert.deepEqual(binaryConvKernels(), byAdapter);
  } finally {
    setBinaryConvKernels(null);
  }
});

Deno.test("setBinaryConvKernels: a bad entry is one clear error and changes nothing", () => {
  const before = binaryConvKernels();
  assert.throws(
    () => setBinaryConvKernels({ gradWeight: "bits" as "xnor" }),
    /setBinaryConvKernels: gradWeight must be "xnor" or "float", got "bits"/,
  );
  assert.throws(() => setBinaryConvKernels("fast" as "xnor"), /expected "xnor", "float", null/);
  assert.deepEqual(binaryConvKernels(), before);
});
