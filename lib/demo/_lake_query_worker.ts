/// <reference lib="deno.worker" />
/**
 * Private: the demo's lake query (stage 2) on a worker thread (lib/demo/lake_query.ts). DuckDB
 * is loaded here, not on the demo's main thread: its module costs that thread ~0.15-0.2 s at
 * start-up (when the prefetch workers hold the cores), and opening the catalog (the manifests,
 * the views), the query and closing the instance another ~0.2 s of its time in the lake stage,
 * while the overnight backtest reads its files there (issue #21).
 */
import { lakeQueryLines } from "./lake_query.ts";

self.onmessage = async (e: MessageEvent<{ root: string }>) => {
  try {
    self.postMessage({ ok: true, lines: await lakeQueryLines(e.data.root) });
  } catch (err) {
    self.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
  } finally {
    self.close();
  }
};
