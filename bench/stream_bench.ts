/**
 * Sustained stream throughput, socket to raw Parquet: a loopback market sends pre-serialised
 * frames of trade events (1,000 per frame) as fast as the socket drains; the stream spools every
 * frame, parses and validates every event, deduplicates, and writes batches to the raw zone
 * through the lake's atomic writer. The figure is events committed / wall seconds, end to end
 * (including the final flush). Target: >= 200,000 events/s on the 2-core dev machine.
 *
 * The market runs in a child process by default (as the vendor's server would: the client's
 * CPU figure is then the client's alone); `--in-process` runs it in the bench process, as
 * before (process CPU then includes the server).
 *
 * Run: `deno task bench-stream --help` for the options, or `deno bench -A bench/stream_bench.ts`.
 */
import { defineTask, envInteger, runTask } from "../lib/cli/mod.ts";
import { Secret } from "../lib/core/secret.ts";
import { setLogLevel } from "../lib/core/log.ts";
import { startReplayServer } from "../lib/ingest/stream_replay.ts";
import { runStream } from "../lib/ingest/stream_runner.ts";
import { cpuSeconds, spawnServer } from "./_child.ts";

const TASK = defineTask({
  name: "bench-stream",
  summary: "Measure sustained stream throughput, loopback WebSocket to raw Parquet (events/s).",
  options: {
    "in-process": {
      type: "boolean",
      description: "Run the market in the bench process (process CPU then includes it)",
    },
    serve: { type: "boolean", description: "Internal: be the market (child process)" },
  },
  details:
    `Sends pre-serialised frames of 1,000 trade events as fast as the socket drains; the stream
spools, parses, validates, deduplicates and writes batches to the raw zone. Prints events
committed per wall second (including the final flush) and per CPU-second. Target: >= 200,000
events/s on the 2-core dev machine.

Size tunable (environment): EVENTS, the number of events (default 2,000,000; a multiple of
1,000), e.g. EVENTS=200000 deno task bench-stream for a short run.

Exit codes: 0 done, 1 a failure, 2 bad arguments or tunable.`,
  examples: ["--in-process"],
});

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

/** A market in this process, or in a child process (`bench/stream_bench.ts --serve`). */
interface Market {
  wsUrl: string;
  /** CPU seconds the market used so far (null: in this process). */
  cpu(): number | null;
  close(): Promise<void>;
}

async function childMarket(total: number): Promise<Market> {
  const c = await spawnServer<{ wsUrl: string }>(import.meta.url, { EVENTS: String(total) });
  return { wsUrl: c.info.wsUrl, cpu: c.cpu, close: c.close };
}

/** Child process: serve the frames until stdin closes. */
async function serve(total: number): Promise<void> {
  const srv = startReplayServer({ events: {}, frames: { stocks: frames(total) }, apiKey: "k" });
  console.log(JSON.stringify({ wsUrl: srv.wsUrl }));
  for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
  await srv.close();
}

/** Run once; returns events/s. */
export async function streamThroughput(
  total = 2_000_000,
  options: { inProcess?: boolean } = {},
): Promise<number> {
  setLogLevel("warn");
  let srv: Market;
  if (options.inProcess) {
    const s = startReplayServer({ events: {}, frames: { stocks: frames(total) }, apiKey: "k" });
    srv = { wsUrl: s.wsUrl, cpu: () => null, close: () => s.close() };
  } else srv = await childMarket(total);
  const root = await Deno.makeTempDir();
  const ac = new AbortController();
  try {
    const t0 = performance.now();
    const c0 = cpuSeconds();
    const m0 = srv.cpu();
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
    const m1 = srv.cpu();
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
        (m0 === null || m1 === null
          ? "(server in the same process; "
          : `(client process only; the market process used ${(m1 - m0).toFixed(2)} CPU-s; `) +
        `machine load average ${load})`,
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

if (import.meta.main) {
  await runTask(TASK, async ({ values }) => {
    const n = envInteger("EVENTS", 2_000_000, PER_FRAME);
    if (values.serve) return await serve(n);
    await streamThroughput(n, { inProcess: values["in-process"] });
  });
} else {
  const n = envInteger("EVENTS", 2_000_000, PER_FRAME);
  Deno.bench({ name: "stream socket->raw parquet (2M trades)", n: 1, warmup: 0 }, async () => {
    await streamThroughput(n);
  });
}
