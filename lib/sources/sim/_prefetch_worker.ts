/// <reference lib="deno.worker" />
/**
 * Private: a worker behind prefetch.ts. Builds the world from the resolved config it is sent
 * first, then generates each item it is sent, in order: a SPY session's second bars, an I:VIX
 * day bar (and that session's SPY minute and day bars when asked), a SPY session's minute and
 * day bars, or an equity's day bars over the served sessions; posts the results, then
 * "item-done".
 */
import { generateWorld, type World } from "./world.ts";
import { packBars } from "./bars.ts";
import type { PrefetchItem, PrefetchMessage, PrefetchRequest } from "./prefetch.ts";

let w: World | undefined;
const post = (m: PrefetchMessage) => self.postMessage(m);

function postSpy(world: World, d: string): void {
  const minutes = world.spy.minuteBars(d), day = world.spy.dayBar(d);
  if (minutes && day) {
    post({ kind: "spy", date: d, minutes: packBars(minutes), day: packBars(day) });
  }
}

function run(world: World, item: PrefetchItem): void {
  if (item.kind === "vix") {
    const day = world.vixDayBar(item.date);
    if (day) post({ kind: "vix", date: item.date, day: packBars(day) });
    if (item.spy) postSpy(world, item.date);
  } else if (item.kind === "spy") postSpy(world, item.date);
  else if (item.kind === "spy-seconds") {
    const seconds = world.spy.secondBars(item.date);
    if (seconds) {
      const packed = packBars(seconds);
      post({ kind: "spy-seconds", date: item.date, seconds: packed });
    }
  } else {
    const daily = world.equityDayBars(item.ticker);
    if (daily) {
      post({ kind: "equity", ticker: item.ticker, bars: packBars(daily.bars), state: daily.state });
    }
  }
}

self.onmessage = (e: MessageEvent<PrefetchRequest>) => {
  try {
    if (e.data.kind === "config") w = generateWorld(e.data.config);
    else {
      if (!w) throw new Error("prefetch worker: an item before the config");
      run(w, e.data.item);
      post({ kind: "item-done" });
    }
  } catch (err) {
    post({ kind: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
