/**
 * {@link loadPanel} on a worker thread: the lake files of a dataset reference are read, checked
 * against their manifest sha256, decoded and turned into a panel off the calling thread, and
 * the panel's arrays are transferred back (no copy). For a caller whose own thread is the
 * bottleneck while a core is free: the demo reads the overnight backtest's ~500 minute-bar
 * files this way while its main thread runs the lake and model stages (issue #21).
 *
 * The result is the same LakePanel `loadPanel` gives (same arrays, bit for bit); a failure
 * rejects with the error class `loadPanel` would have thrown where the backtest tells classes
 * apart (RangeError, NotAPriceError, IntegrityError, DataError), the message unchanged.
 *
 * @example
 * ```ts ignore
 * const lp = await loadPanelInWorker(
 *   { source: "lake", dataset: "polygon/stock_bars_minute", symbols: ["SPY"], adjust: "raw" },
 *   { root: "/data/lake" },
 * );
 * ```
 */
import type { DatasetRef } from "../dataset/mod.ts";
import { DataError } from "../core/mod.ts";
import { IntegrityError } from "../lake/integrity.ts";
import { NotAPriceError } from "../lake/units.ts";
import type { LakePanel } from "./lake_panel.ts";

/** A failure as it crosses the thread boundary. */
export interface PanelWorkerError {
  name: string;
  message: string;
  dataset?: string;
  units?: string | null;
  file?: string;
  reason?: string;
}

/** The worker's answer. */
export type PanelWorkerAnswer = { ok: true; lp: LakePanel } | {
  ok: false;
  error: PanelWorkerError;
};

/** The error `loadPanel` threw, rebuilt on this side of the worker boundary. */
export function rebuildError(e: PanelWorkerError): Error {
  switch (e.name) {
    case "NotAPriceError":
      return new NotAPriceError(e.message, e.dataset ?? "", (e.units ?? null) as never);
    case "IntegrityError":
      return new IntegrityError(
        e.message,
        e.file ?? "",
        (e.reason ?? "manifest") as IntegrityError["reason"],
        e.dataset === undefined ? {} : { dataset: e.dataset },
      );
    case "DataError":
      return new DataError(e.message, e.dataset === undefined ? {} : { dataset: e.dataset });
    case "RangeError":
      return new RangeError(e.message);
    case "TypeError":
      return new TypeError(e.message);
    default: {
      const err = new Error(e.message);
      err.name = e.name;
      return err;
    }
  }
}

/** Read a dataset reference's panel on a worker thread (module doc). */
export function loadPanelInWorker(
  ref: DatasetRef | string,
  o: { root?: string } = {},
): Promise<LakePanel> {
  const w = new Worker(new URL("./_lake_panel_worker.ts", import.meta.url), { type: "module" });
  const answer = new Promise<LakePanel>((res, rej) => {
    w.onmessage = (e: MessageEvent<PanelWorkerAnswer>) => {
      w.terminate();
      if (e.data.ok) res(e.data.lp);
      else rej(rebuildError(e.data.error));
    };
    w.onerror = (e) => {
      e.preventDefault();
      w.terminate();
      rej(new Error(`panel worker: ${e.message}`));
    };
  });
  w.postMessage({ ref, root: o.root });
  return answer;
}
