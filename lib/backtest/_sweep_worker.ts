/// <reference lib="deno.worker" />
/**
 * Worker of {@link sweepVectorizedParallel}: imports the kernel module, builds the kernel for
 * the panel, runs `sweepVectorized` on its column range and posts the summary back.
 */

import { sweepVectorized, type VectorizedOptions } from "./vectorized.ts";
import type { BarPanel } from "./panel.ts";

interface Job {
  panel: BarPanel;
  kernelUrl: string;
  args: unknown;
  from: number;
  to: number;
  options: VectorizedOptions & { prefillNaN?: boolean };
}

self.onmessage = async (e: MessageEvent<Job>) => {
  try {
    const { panel, kernelUrl, args, from, to, options } = e.data;
    const mod = await import(kernelUrl) as {
      createKernel: (p: BarPanel, a: unknown) => (col: number, out: Float64Array) => void;
    };
    const kernel = mod.createKernel(panel, args);
    const res = sweepVectorized(panel, to - from, (c, out) => kernel(from + c, out), options);
    self.postMessage({ ok: true, res });
  } catch (err) {
    self.postMessage({
      ok: false,
      error: err instanceof Error ? err.stack ?? err.message : String(err),
    });
  }
};
