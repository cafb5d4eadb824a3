/**
 * The demo's lake query (stage 2): the catalog's views with data and a SQL summary of the stock
 * bars through the `vendor_stock_bars` view. `lakeQueryInWorker` runs it on a worker thread, so
 * the demo's main thread never loads DuckDB (see _lake_query_worker.ts).
 *
 * @example
 * ```ts ignore
 * const lines = await lakeQueryInWorker("/data/lake");
 * ```
 */
import { Catalog, formatTable } from "../query/mod.ts";

/** The lines the demo prints for its lake query, run in this thread. */
export async function lakeQueryLines(root: string): Promise<string[]> {
  const catalog = await Catalog.open({ root });
  try {
    const avail = catalog.views.filter((v) => v.available).map((v) => v.name);
    const lines = [`   views with data: ${avail.length} of ${catalog.views.length}`];
    if (avail.includes("vendor_stock_bars")) {
      const r = await catalog.query(
        `SELECT timeframe, count(DISTINCT ticker)::INT AS tickers, count(*)::INT AS bars,
                min(ts) AS first_ts, max(ts) AS last_ts
           FROM vendor_stock_bars GROUP BY timeframe ORDER BY bars DESC`,
      );
      lines.push(formatTable(r));
    }
    return lines;
  } finally {
    catalog.close();
  }
}

/** {@link lakeQueryLines} on a worker thread (which ends when it has answered). */
export function lakeQueryInWorker(root: string): Promise<string[]> {
  const w = new Worker(new URL("./_lake_query_worker.ts", import.meta.url), { type: "module" });
  const answer = new Promise<string[]>((res, rej) => {
    w.onmessage = (e: MessageEvent<{ ok: boolean; lines?: string[]; message?: string }>) => {
      if (e.data.ok) res(e.data.lines!);
      else rej(new Error(`lake query: ${e.data.message}`));
      w.terminate();
    };
    w.onerror = (e) => {
      e.preventDefault();
      rej(new Error(`lake query worker: ${e.message}`));
      w.terminate();
    };
  });
  w.postMessage({ root });
  return answer;
}
