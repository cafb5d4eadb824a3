/// <reference lib="deno.worker" />
/**
 * Private: the worker behind prefetch.ts. Builds the world from the resolved config it is sent
 * and posts, in order, each I:VIX day bar, each SPY session's minute and day bars, then each equity's day bars over
 * the served sessions, then "done".
 */
import { generateWorld } from "./world.ts";
import { packBars } from "./bars.ts";
import type { PrefetchMessage } from "./prefetch.ts";
import type { ResolvedWorldConfig } from "./config.ts";

self.onmessage = (
  e: MessageEvent<
    { config: ResolvedWorldConfig; vixDays: string[]; spySessions: string[]; equities: string[] }
  >,
) => {
  const post = (m: PrefetchMessage) => self.postMessage(m);
  try {
    const w = generateWorld(e.data.config);
    for (const d of e.data.vixDays) {
      const day = w.vixDayBar(d);
      if (day) post({ kind: "vix", date: d, day: packBars(day) });
    }
    for (const d of e.data.spySessions) {
      const minutes = w.spy.minuteBars(d), day = w.spy.dayBar(d);
      if (minutes && day) {
        post({ kind: "spy", date: d, minutes: packBars(minutes), day: packBars(day) });
      }
    }
    for (const t of e.data.equities) {
      const daily = w.equityDayBars(t);
      if (daily) {
        post({ kind: "equity", ticker: t, bars: packBars(daily.bars), state: daily.state });
      }
    }
    post({ kind: "done" });
  } catch (err) {
    post({ kind: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
