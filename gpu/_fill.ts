/**
 * Filling a tensor with one 32-bit pattern, recorded in stream order.
 *
 * @module
 */
import { grid, runKernel, WGSL_INDEX } from "./kernel.ts";
import type { Tensor } from "./tensor.ts";

/** Built lazily: this module is part of an import cycle with tensor.ts and kernel.ts. */
const fillCode = () =>
  `struct P { n: u32, bits: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> y: array<u32>;
@compute @workgroup_size(256) fn main(${WGSL_INDEX.params}) {
  let i = ${WGSL_INDEX.expr};
  if (i < p.n) { y[i] = p.bits; }
}`;

/** Overwrites every element of `t` with the 32-bit pattern `bits`. */
export function fillKernel(t: Tensor, bits: number): void {
  runKernel({
    name: "fill",
    code: fillCode(),
    inputs: [],
    outputs: [t],
    uniforms: [t.size, bits >>> 0],
    workgroups: grid(t.size),
  });
}
