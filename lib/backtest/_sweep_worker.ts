/// <reference lib="deno.worker" />
/**
 * Worker of {@link sweepVectorizedParallel}: imports the kernel module, builds the kernel for
 * the panel, runs `sweepVectorized` on its column range and posts the summary back.
 */

import { type SweepFill, type SweepOptions, sweepVectorized } from "./vectorized.ts";
import type { BarPanel } from "./panel.ts";

interface Job {
  panel: BarPanel;
  kernelUrl: string;
  args: unknown;
  from: number;
  to: number;
  options: SweepOptions;
}

self.onmessage = async (e: MessageEvent<Job>) => {
  try {
    const { panel, kernelUrl, args, from, to, options } = e.data;
    const mod = await import(kernelUrl) as {
      createKernel: (p: BarPanel, a: unknown) => SweepFill;
    };
    const kernel = mod.createKernel(panel, args);
    const range = kernel.range;
    const fill: SweepFill = (c, out) => kernel(from + c, out);
    if (range) fill.range = (c, t0, t1, out) => range(from + c, t0, t1, out);
    const res = sweepVectorized(panel, to - from, fill, options);
    self.postMessage({ ok: true, res });
  } catch (err) {
    self.postMessage({
      ok: false,
      error: err instanceof Error ? err.stack ?? err.message : String(err),
    });
  }
};
