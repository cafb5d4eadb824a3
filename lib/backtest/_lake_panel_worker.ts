/// <reference lib="deno.worker" />
/** Private: the worker behind lake_panel_worker.ts; reads one panel, answers, and ends. */
import { loadPanel } from "./lake_panel.ts";
import type { DatasetRef } from "../dataset/mod.ts";
import type { PanelWorkerAnswer, PanelWorkerError } from "./lake_panel_worker.ts";

self.onmessage = async (e: MessageEvent<{ ref: DatasetRef | string; root?: string }>) => {
  try {
    const lp = await loadPanel(e.data.ref, e.data.root ? { root: e.data.root } : {});
    // The panel's typed arrays move to the caller without a copy.
    const buffers = new Set<ArrayBuffer>();
    for (const v of Object.values(lp.panel)) {
      if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) buffers.add(v.buffer);
    }
    const answer: PanelWorkerAnswer = { ok: true, lp };
    try {
      self.postMessage(answer, [...buffers]);
    } catch {
      self.postMessage(answer); // a buffer that cannot move (external memory) is copied
    }
  } catch (err) {
    const x = err as Error & Partial<Omit<PanelWorkerError, "name" | "message">>;
    const error: PanelWorkerError = {
      name: err instanceof Error ? x.name : "Error",
      message: err instanceof Error ? x.message : String(err),
      ...(typeof x.dataset === "string" ? { dataset: x.dataset } : {}),
      ...("units" in x ? { units: x.units ?? null } : {}),
      ...(typeof x.file === "string" ? { file: x.file } : {}),
      ...(typeof x.reason === "string" ? { reason: x.reason } : {}),
    };
    self.postMessage({ ok: false, error } satisfies PanelWorkerAnswer);
  } finally {
    self.close();
  }
};
