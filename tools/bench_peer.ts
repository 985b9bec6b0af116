/**
 * The PyTorch CPU peer of `bench:train --peer torch`: runs tools/torch_cresnet20.py (the same
 * cResNet20_1w1a, batch and ovsw() optimizer in PyTorch on the CPU) when `python3` can import
 * torch (Debian's python3-torch), and returns its images/s or why it could not run.
 *
 * @module
 */

/** What {@link torchPeer} measured, or why it did not run. */
export type TorchPeerResult =
  | { imagesPerSecond: number; stepMs: number; threads: number; version: string }
  | { error: string };

/**
 * Trains cResNet20_1w1a in PyTorch for `steps` timed steps after one warm-up step at `batch`.
 * Needs `--allow-run=python3`; never throws.
 *
 * @example
 * ```ts ignore
 * import { torchPeer } from "./bench_peer.ts";
 * console.log(await torchPeer(8, 1)); // { imagesPerSecond: …, … } or { error: "…" }
 * ```
 */
export async function torchPeer(batch: number, steps: number): Promise<TorchPeerResult> {
  const script = new URL("./torch_cresnet20.py", import.meta.url).pathname;
  try {
    const probe = await new Deno.Command("python3", {
      args: ["-c", "import torch"],
      stderr: "null",
    })
      .output();
    if (!probe.success) return { error: "python3 cannot import torch (install python3-torch)" };
    const run = await new Deno.Command("python3", {
      args: [script, "--batch", String(batch), "--steps", String(steps)],
    }).output();
    const text = new TextDecoder().decode(run.stdout).trim().split("\n").pop() ?? "";
    if (!run.success) {
      const err = new TextDecoder().decode(run.stderr).trim().split("\n").pop();
      return { error: `torch_cresnet20.py failed: ${err}` };
    }
    const r = JSON.parse(text);
    return {
      imagesPerSecond: r.images_per_second,
      stepMs: r.step_ms,
      threads: r.threads,
      version: r.version,
    };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
