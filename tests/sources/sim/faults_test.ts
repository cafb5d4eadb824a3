import { assert, assertEquals, assertNotEquals } from "../../_assert.ts";
import {
  type FaultSchedule,
  FaultScheduler,
  startSimServer,
} from "../../../lib/sources/sim/mod.ts";

const WORLD = { start: "2024-03-20", end: "2024-03-28", equityCount: 5 };
const AGGS = "/v2/aggs/ticker/SPY/range/1/minute/2024-03-26/2024-03-28?apiKey=k&limit=100";

Deno.test("fault scheduler: everyNth, probability, maxCount, vendor-wide rules; seeded", () => {
  const rules: FaultSchedule = {
    "polygon.aggs": [{ kind: "http500", everyNth: 3 }],
    polygon: [{ kind: "http503", probability: 0.3, maxCount: 4 }],
  };
  const run = (seed: number) => {
    const s = new FaultScheduler(seed, rules);
    return Array.from({ length: 40 }, () => s.next("polygon.aggs")?.kind ?? "-");
  };
  const a = run(1);
  assertEquals(a.filter((_k, i) => (i + 1) % 3 === 0).every((k) => k === "http500"), true);
  assertEquals(a.filter((k) => k === "http503").length <= 4, true);
  assertEquals(run(1), a);
  assertNotEquals(run(2), a);
  assertEquals(new FaultScheduler(1, {}).next("fred.series"), undefined);
});

Deno.test("faults: status codes, error-200, drift, bad values, duplicate pages, each logged", async () => {
  const sim = await startSimServer({
    seed: 3,
    world: WORLD,
    faults: {
      "polygon.aggs": [
        { kind: "http502", everyNth: 1, maxCount: 1 },
        { kind: "http429", everyNth: 2, maxCount: 1 },
        { kind: "error200", everyNth: 3, maxCount: 1 },
        { kind: "schemaDrift", everyNth: 4, maxCount: 1 },
        { kind: "badValues", everyNth: 5, maxCount: 1 },
        { kind: "duplicateRows", everyNth: 6, maxCount: 1 },
      ],
      "alphavantage.SPLITS": [{ kind: "error200", everyNth: 1, maxCount: 1 }],
      "polygon.trades": [{ kind: "http403", everyNth: 1, maxCount: 1 }],
    },
  });
  try {
    const r1 = await fetch(sim.baseUrl + AGGS);
    assertEquals(r1.status, 502);
    await r1.body?.cancel();
    const r2 = await fetch(sim.baseUrl + AGGS);
    assertEquals(r2.status, 429);
    assertEquals(r2.headers.get("Retry-After"), null);
    assertEquals((await r2.json()).status, "ERROR");
    const r3 = await fetch(sim.baseUrl + AGGS);
    assertEquals(r3.status, 200);
    const b3 = await r3.json();
    assertEquals(b3.status, "ERROR");
    assert(!("results" in b3));
    const b4 = await (await fetch(sim.baseUrl + AGGS)).json();
    const k4 = Object.keys(b4.results[0]).sort().join(",");
    assertNotEquals(k4, ["c", "h", "l", "n", "o", "t", "v", "vw"].join(","));
    const b5 = await (await fetch(sim.baseUrl + AGGS)).json();
    assert(b5.results.some((r: { h: number; l: number }) => r.h < r.l), "a bar with high < low");
    assert(b5.results.some((r: { v: number }) => r.v < 0), "negative volume");
    const b6 = await (await fetch(sim.baseUrl + AGGS)).json();
    const next = await (await fetch(`${b6.next_url}&apiKey=k`)).json();
    const lastTs = b6.results.slice(-3).map((r: { t: number }) => r.t);
    assertEquals(next.results.slice(0, 3).map((r: { t: number }) => r.t), lastTs);
    const av = await fetch(`${sim.baseUrl}/query?function=SPLITS&symbol=SPY&apikey=x`);
    assertEquals(av.status, 200);
    assert("Information" in await av.json());
    const r403 = await fetch(`${sim.baseUrl}/v3/trades/SPY?timestamp=2024-03-28&apiKey=k`);
    assertEquals(r403.status, 403);
    assertEquals((await r403.json()).status, "NOT_AUTHORIZED");
    assertEquals(sim.faultLog.map((f) => f.kind), [
      "http502",
      "http429",
      "error200",
      "schemaDrift",
      "badValues",
      "duplicateRows",
      "error200",
      "http403",
    ]);
    for (const f of sim.faultLog) {
      assert(!f.path.includes("apiKey=k") && !f.path.includes("apikey=x"));
    }
    const faulted = sim.requestLog.filter((r) => r.fault).map((r) => r.seq);
    assertEquals(faulted, sim.faultLog.map((f) => f.requestSeq));
  } finally {
    await sim.close();
  }
});

Deno.test("faults: slow, timeout (client gives up) and reset bodies", async () => {
  const sim = await startSimServer({
    seed: 3,
    world: WORLD,
    faults: {
      "fred.series": [
        { kind: "slow", everyNth: 1, maxCount: 1, delayMs: 150 },
        { kind: "timeout", everyNth: 2, maxCount: 1, delayMs: 10_000 },
        { kind: "reset", everyNth: 3, maxCount: 1 },
      ],
    },
  });
  const url = `${sim.baseUrl}/fred/series?series_id=UNRATE&file_type=json&api_key=k`;
  try {
    const t0 = performance.now();
    assertEquals((await fetch(url)).status, 200);
    assert(performance.now() - t0 >= 140, "slow response took at least its delay");
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 200);
    let aborted = false;
    try {
      await fetch(url, { signal: ac.signal });
    } catch {
      aborted = true;
    }
    clearTimeout(timer);
    assert(aborted, "client timed out");
    let broken = false;
    try {
      await (await fetch(url)).text();
    } catch {
      broken = true;
    }
    assert(broken, "reset body cannot be read");
    assertEquals(sim.faultLog.map((f) => f.kind), ["slow", "timeout", "reset"]);
  } finally {
    await sim.close();
  }
});

Deno.test("faults: WebSocket duplicates, reorders and disconnects mid-stream", async () => {
  const sim = await startSimServer({
    seed: 3,
    world: WORLD,
    ws: { speed: 0 },
    faults: {
      ws: [
        { kind: "wsDuplicate", everyNth: 2, maxCount: 1 },
        { kind: "wsOutOfOrder", everyNth: 3, maxCount: 1 },
        { kind: "wsDisconnect", everyNth: 6, maxCount: 1 },
      ],
    },
  });
  try {
    const frames: Record<string, unknown>[][] = [];
    const ws = new WebSocket(`${sim.wsUrl}/stocks`);
    const code = await new Promise<number>((resolve) => {
      ws.onmessage = (e) => {
        const f = JSON.parse(String(e.data)) as Record<string, unknown>[];
        if (f[0]!.status === "connected") ws.send(JSON.stringify({ action: "auth", params: "k" }));
        else if (f[0]!.status === "auth_success") {
          ws.send(JSON.stringify({ action: "subscribe", params: "T.SPY" }));
        } else if (f[0]!.ev === "T") frames.push(f);
      };
      ws.onclose = (e) => resolve(e.code);
    });
    assertEquals(code, 1011);
    assertEquals(frames.length, 5, "closed before the sixth frame");
    const dup = frames[1]!;
    assertEquals(dup[dup.length - 1], dup[0]);
    const swapped = frames[2]!;
    assert((swapped[0]!.t as number) > (swapped[swapped.length - 1]!.t as number));
    assertEquals(sim.faultLog.map((f) => f.kind), ["wsDuplicate", "wsOutOfOrder", "wsDisconnect"]);
  } finally {
    await sim.close();
  }
});
