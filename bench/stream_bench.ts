/**
 * Sustained stream throughput, socket to raw Parquet: a loopback market sends pre-serialised
 * frames of trade events (1,000 per frame) as fast as the socket drains; the stream spools every
 * frame, parses and validates every event, deduplicates, and writes batches to the raw zone
 * through the lake's atomic writer. The figure is events committed / wall seconds, end to end
 * (including the final flush). Target: >= 200,000 events/s on the 2-core dev machine.
 *
 * Run: `deno task bench-stream` (or `deno bench -A bench/stream_bench.ts`). EVENTS env overrides
 * the event count (default 2,000,000).
 */
import { Secret } from "../lib/core/secret.ts";
import { setLogLevel } from "../lib/core/log.ts";
import { startReplayServer } from "../lib/ingest/stream_replay.ts";
import { runStream } from "../lib/ingest/stream_runner.ts";

const PER_FRAME = 1000;

function frames(total: number): string[] {
  const out: string[] = [];
  const t0 = Date.parse("2024-03-15T13:30:00Z");
  const syms = ["SPY", "QQQ", "IWM", "AAPL"];
  let q = 0;
  for (let f = 0; f < total / PER_FRAME; f++) {
    const evs = [];
    for (let i = 0; i < PER_FRAME; i++) {
      q++;
      evs.push({
        ev: "T",
        sym: syms[q % 4],
        x: 4,
        i: String(q),
        z: 3,
        p: 500 + (q % 1000) / 100,
        s: 100,
        c: [14, 41],
        t: t0 + Math.floor(q / 10),
        q,
      });
    }
    out.push(JSON.stringify(evs));
  }
  return out;
}

/** CPU seconds (user + system) used by this process so far, from /proc/self/stat (Linux). */
function cpuSeconds(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Run once; returns events/s. */
export async function streamThroughput(total = 2_000_000): Promise<number> {
  setLogLevel("warn");
  const fr = frames(total);
  const srv = startReplayServer({ events: {}, frames: { stocks: fr }, apiKey: "k" });
  const root = await Deno.makeTempDir();
  const ac = new AbortController();
  try {
    const t0 = performance.now();
    const c0 = cpuSeconds();
    const run = runStream({
      name: "bench",
      feed: "stocks",
      symbols: ["*"],
      channels: ["T"],
      wsUrl: srv.wsUrl,
      apiKey: new Secret("k"),
      root,
      flushMs: 10_000,
      flushRows: 1_000_000,
      heartbeatMs: 100,
      marketOpen: () => false,
      tailRepair: false,
      register: false,
      signal: ac.signal,
    });
    // Wait until every event was received (the heartbeat counts them), then stop and flush.
    let seen = 0;
    while (seen < total && performance.now() - t0 < 300_000) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        const hb = JSON.parse(Deno.readTextFileSync(`${root}/_ops/heartbeats/bench.json`)) as {
          counts: { events: number };
        };
        seen = hb.counts.events;
      } catch { /* first heartbeat not written yet */ }
    }
    ac.abort();
    const s = await run;
    const secs = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds() - c0;
    const load = Deno.readTextFileSync("/proc/loadavg").split(" ")[0];
    const rate = s.counts.written_rows! / secs;
    console.log(
      `stream socket->raw parquet: ${s.counts.written_rows} events in ${secs.toFixed(2)} s = ` +
        `${Math.round(rate).toLocaleString("en-US")} events/s (${s.counts.flushes} flushes, ` +
        `${s.counts.duplicates} dup, ${s.counts.rejected} rejected); process CPU ${
          cpu.toFixed(2)
        } s ` +
        `= ${
          Math.round(s.counts.written_rows! / cpu).toLocaleString("en-US")
        } events per CPU-second ` +
        `(server in the same process; machine load average ${load})`,
    );
    if (s.counts.written_rows !== total) {
      console.log(`WARNING: wrote ${s.counts.written_rows} of ${total} events`);
    }
    return rate;
  } finally {
    await srv.close();
    await Deno.remove(root, { recursive: true });
  }
}

const N = Number(Deno.env.get("EVENTS") ?? 2_000_000);
if (import.meta.main) {
  await streamThroughput(N);
} else {
  Deno.bench({ name: "stream socket->raw parquet (2M trades)", n: 1, warmup: 0 }, async () => {
    await streamThroughput(N);
  });
}
