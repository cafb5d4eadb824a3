import pl from "nodejs-polars";
import {
  type Channel,
  ChannelBatch,
  DictColumn,
  LAYOUTS,
  pushEvent,
  streamRawSpec,
} from "../../lib/ingest/stream_events.ts";
import { backoffDelay } from "../../lib/ingest/stream.ts";
import { isMarketOpen, streamWindow } from "../../lib/ingest/stream_schedule.ts";
import { validateSpec } from "../../lib/lake/mod.ts";
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";

const TOL_MS = 1e-9;

// The example frame of vendor-formats.md (WebSocket section), values typed by hand.
const DOC_FRAME = `[{"ev":"AM","sym":"SPY","v":81234,"av":31234567,"op":512.1,"vw":513.2201,` +
  `"o":513.1,"c":513.3,"h":513.4,"l":513.0,"a":512.9,"z":92,"s":1712678400000,"e":1712678460000},` +
  `{"ev":"T","sym":"AAPL","x":4,"i":"71675","z":3,"p":169.12,"s":100,"c":[14,41],"t":1712678400123,"q":4123456}]`;

Deno.test("stream events: documented frame dispatches by ev into typed columns, ms exact", () => {
  const batches: Partial<Record<Channel, ChannelBatch>> = {};
  const outs = (JSON.parse(DOC_FRAME) as unknown[]).map((e) => pushEvent(batches, e));
  assertEquals(outs.map((o) => o.kind), ["data", "data"]);
  const am = batches.AM!.toFrame();
  assertEquals(am.height, 1);
  assertEquals(String(am.getColumn("t").cast(pl.Utf8).get(0)), "1712678400000");
  assertEquals(am.getColumn("ticker").get(0), "SPY");
  assertAlmostEquals(am.getColumn("vw").get(0) as number, 513.2201, 1e-12);
  assertEquals(am.getColumn("n").get(0), null); // not sent on WS
  assertEquals(am.getColumn("origin").get(0), "ws");
  const t = batches.T!.toFrame();
  // 1712678400123 ms = 2024-04-09T16:00:00.123Z
  assertEquals(t.getColumn("ts").cast(pl.Int64).cast(pl.Utf8).get(0), "1712678400123");
  assertEquals(String(t.getColumn("q").get(0)), "4123456");
  assertEquals(t.getColumn("c").get(0), "14,41");
  assertEquals(t.getColumn("i").get(0), "71675");
  assertEquals(t.columns, LAYOUTS.T.columns.map(([n]) => n));
});

Deno.test("stream events: index V uses T as its symbol; status, unknown and bad events", () => {
  const b: Partial<Record<Channel, ChannelBatch>> = {};
  const v = pushEvent(b, { ev: "V", val: 3988.5, T: "I:SPX", t: 1678220098130 });
  assertEquals(v, { kind: "data", channel: "V", sym: "I:SPX", time: 1678220098130 });
  const st = pushEvent(b, { ev: "status", status: "auth_success", message: "authenticated" });
  assertEquals(st, { kind: "status", status: "auth_success", message: "authenticated" });
  assertEquals(pushEvent(b, { ev: "LULD", T: "X" }).kind, "ignored");
  const bad = pushEvent(b, { ev: "T", sym: "AAPL", t: "soon", q: 1, p: 1, s: 1 });
  assertEquals(bad.kind, "rejected");
  assert(bad.kind === "rejected" && bad.reason.startsWith("T: t"), JSON.stringify(bad));
  assertEquals(pushEvent(b, null).kind, "rejected");
  assertEquals(
    pushEvent(b, { ev: "Q", sym: "", t: 1, q: 1, bp: 1, ap: 1, bs: 1, as: 1 }).kind,
    "rejected",
  );
  // NaN cannot arrive in JSON, but a non-finite price from a bad producer is refused.
  assertEquals(pushEvent(b, { ev: "V", T: "I:SPX", t: 1, val: Infinity }).kind, "rejected");
  assertEquals(b.V!.length, 1);
  assertEquals(b.T, undefined);
});

Deno.test("stream events: empty batch builds an empty frame with the layout's columns", () => {
  for (const ch of ["A", "AM", "T", "Q", "V"] as Channel[]) {
    const f = new ChannelBatch(ch).toFrame();
    assertEquals(f.height, 0);
    assertEquals(f.columns, LAYOUTS[ch].columns.map(([n]) => n));
    validateSpec(streamRawSpec("stocks", ch));
  }
  assertEquals(streamRawSpec("options", "AM").dataset, "options_am");
});

Deno.test("stream backoff: doubles to the cap, jitter removes at most the jitter fraction", () => {
  // 250 * 2^k capped at 30000; u = 0 keeps the full delay, u -> 1 halves it (jitter 0.5).
  assertAlmostEquals(backoffDelay(0, 0), 250, TOL_MS);
  assertAlmostEquals(backoffDelay(3, 0), 2000, TOL_MS);
  assertAlmostEquals(backoffDelay(20, 0), 30_000, TOL_MS);
  assertAlmostEquals(backoffDelay(3, 0.5), 1500, TOL_MS);
  assertAlmostEquals(backoffDelay(1, 0.5, { initialMs: 100, jitter: 1 }), 100, TOL_MS);
});

Deno.test("stream schedule: window around the session, early close, closed days", () => {
  // 2024-11-29 closes at 13:00 ET = 18:00Z; window lags 15 min.
  const w = streamWindow("2024-11-29")!;
  assertEquals(w.stop.toISOString(), "2024-11-29T18:15:00.000Z");
  assertEquals(w.start.toISOString(), "2024-11-29T14:15:00.000Z");
  assertEquals(streamWindow("2024-07-04"), null);
  assertEquals(streamWindow("2024-07-06"), null);
  assert(isMarketOpen(Date.parse("2024-03-11T13:30:00Z"))); // first day of EDT, 09:30 ET
  assert(!isMarketOpen(Date.parse("2024-03-11T20:00:00Z"))); // 16:00 ET: closed (exclusive)
  assert(!isMarketOpen(Date.parse("2024-07-04T15:00:00Z")));
});

Deno.test("stream events: dictionary string column keeps every row's value and nulls", () => {
  const d = new DictColumn();
  const rows = ["14,41", null, "14,41", "", "12", null];
  for (const r of rows) d.push(r);
  assertEquals(d.values, ["14,41", null, "", "12"]);
  assertEquals(d.toArray(), rows);
  assertEquals(d.toSeries("c").toArray(), rows);
  assertEquals(new DictColumn().toSeries("c").length, 0);
  // In a batch: the trade conditions column, built from the dictionary.
  const b: Partial<Record<Channel, ChannelBatch>> = {};
  for (const c of [[14, 41], undefined, [12]]) {
    pushEvent(b, { ev: "T", sym: "A", t: 1, q: 1, p: 1, s: 1, ...(c ? { c } : {}) });
  }
  assertEquals(b.T!.toFrame().getColumn("c").toArray(), ["14,41", null, "12"]);
});
