/**
 * The frame scanner (hot path) against the schema of record: over a seeded corpus of valid and
 * mutated events, whatever the scanner takes is exactly what `JSON.parse` + `pushEvent` (zod)
 * takes, with bit-identical column values, and `pushEvent` accepts exactly what zod accepts.
 */
import { Rng } from "../../lib/core/random.ts";
import {
  type Channel,
  ChannelBatch,
  DictColumn,
  pushEvent,
  WsAggSchema,
  WsQuoteSchema,
  WsTradeSchema,
  WsValueSchema,
} from "../../lib/ingest/stream_events.ts";
import { FrameScanner } from "../../lib/ingest/stream_scan.ts";
import { assert, assertEquals } from "../_assert.ts";

type Batches = Partial<Record<Channel, ChannelBatch>>;

const SCHEMA = {
  A: WsAggSchema,
  AM: WsAggSchema,
  T: WsTradeSchema,
  Q: WsQuoteSchema,
  V: WsValueSchema,
};

/** Everything a batch holds, in plain arrays (symbols resolved), for deep comparison. */
function dump(b: Batches): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [ch, batch] of Object.entries(b)) {
    if (!batch) continue;
    out[ch] = {
      length: batch.length,
      minTs: batch.minTs,
      maxTs: batch.maxTs,
      sym: batch.sym.map((k) => batch.symbols[k]),
      num: Object.fromEntries(Object.entries(batch.num).map(([k, v]) => [k, [...v.finish()]])),
      str: Object.fromEntries(
        Object.entries(batch.str).map(([k, v]) => [k, v instanceof DictColumn ? v.toArray() : v]),
      ),
    };
  }
  return out;
}

/** The reference path: JSON.parse the frame, pushEvent every event. */
function reference(text: string, b: Batches): string[] {
  const v = JSON.parse(text);
  return (Array.isArray(v) ? v : [v]).map((e) => pushEvent(b, e).kind);
}

/** The runner's path: scan; events the scanner leaves go the reference way, one by one. */
function scanned(sc: FrameScanner, text: string, b: Batches): { fast: number; scannedOk: boolean } {
  if (!sc.scan(text)) {
    reference(text, b);
    return { fast: 0, scannedOk: false };
  }
  let fast = 0;
  for (let k = 0; k < sc.count; k++) {
    const ch = sc.channel(k);
    if (ch === null) pushEvent(b, JSON.parse(sc.eventText(k)));
    else {
      sc.push(b[ch] ??= new ChannelBatch(ch), k, "ws");
      fast++;
    }
  }
  return { fast, scannedOk: true };
}

// Number tokens, including ones off the exact fast path, as they may appear on the wire.
const NUMBERS = [
  "0",
  "-0",
  "-0.0",
  "1",
  "7",
  "500.12",
  "0.1",
  "0.30000000000000004",
  "169.12",
  "1e22",
  "1e23",
  "1E+2",
  "123.456e-2",
  "1e-7",
  "0.000001234",
  "123456789012345",
  "1234567890123456",
  "9007199254740991",
  "9007199254740993",
  "1712678400123",
  "2.2250738585072014e-308",
  "1.7976931348623157e308",
  "5e-324",
  "4123456",
  "-12.5",
  "3.14159265358979323846",
];

const BASE: Record<Channel, Record<string, string>> = {
  A: {
    ev: '"A"',
    sym: '"SPY"',
    v: "100",
    av: "31234567",
    op: "512.1",
    vw: "513.2201",
    o: "513.1",
    c: "513.3",
    h: "513.4",
    l: "513.0",
    a: "512.9",
    z: "92",
    n: "3",
    s: "1712678400000",
    e: "1712678401000",
  },
  AM: {
    ev: '"AM"',
    sym: '"O:SPY240621C00450000"',
    v: "81234",
    vw: "513.2201",
    o: "513.1",
    c: "513.3",
    h: "513.4",
    l: "513",
    s: "1712678400000",
    e: "1712678460000",
    otc: "true",
  },
  T: {
    ev: '"T"',
    sym: '"AAPL"',
    x: "4",
    i: '"71675"',
    z: "3",
    p: "169.12",
    s: "100",
    c: "[14,41]",
    t: "1712678400123",
    q: "4123456",
    trfi: "202",
    trft: "1712678400100",
  },
  Q: {
    ev: '"Q"',
    sym: '"MSFT"',
    bx: "4",
    ax: "7",
    bp: "114.125",
    ap: "114.128",
    bs: "100",
    as: "160",
    c: "0",
    i: "[604]",
    t: "1712678400123",
    q: "50385480",
    z: "3",
  },
  V: { ev: '"V"', val: "3988.5", T: '"I:SPX"', t: "1678220098130" },
};

// Replacement values a mutation may put in any field.
const ODD = [
  '"x"',
  '""',
  "null",
  "true",
  "false",
  "[]",
  "[1, 2 ,3]",
  "[1.5]",
  "[-1,0]",
  '["a"]',
  "{}",
  '{"k":1}',
  '"esc\\"aped"',
  '"caf\u00e9"',
  "1.5",
  "9007199254740992",
  "-3",
  ...NUMBERS,
];

function frameText(rng: Rng, n: number): string {
  const ws = () => [" ", "", "", "", "\n", "\t "][rng.int(0, 5)]!;
  const evs: string[] = [];
  for (let k = 0; k < n; k++) {
    const chs = Object.keys(BASE) as Channel[];
    const ch = chs[rng.int(0, chs.length - 1)]!;
    const fields: [string, string][] = Object.entries(BASE[ch]).map(([f, v]) => [f, v]);
    const muts = rng.uniform() < 0.5 ? 0 : rng.int(1, 3);
    for (let m = 0; m < muts; m++) {
      const kind = rng.int(0, 5);
      const j = rng.int(0, fields.length - 1);
      if (kind === 0) fields.splice(j, 1); // drop a field
      else if (kind === 1) fields[j] = [fields[j]![0], ODD[rng.int(0, ODD.length - 1)]!];
      else if (kind === 2) fields[j] = [fields[j]![0], NUMBERS[rng.int(0, NUMBERS.length - 1)]!];
      else if (kind === 3) fields.push(["extra" + m, ODD[rng.int(0, ODD.length - 1)]!]);
      else if (kind === 4) fields.push([fields[j]![0], NUMBERS[rng.int(0, NUMBERS.length - 1)]!]);
      else fields.push(["ev", ['"status"', '"LULD"', '"A"', '"T"', "3"][rng.int(0, 4)]!]);
    }
    evs.push(
      "{" + ws() + fields.map(([f, v]) => `"${f}"${ws()}:${ws()}${v}`).join("," + ws()) + ws() +
        "}",
    );
  }
  return ws() + "[" + evs.join("," + ws()) + "]" + ws();
}

Deno.test("stream scan: same rows, same values and same verdicts as JSON.parse + zod", () => {
  const rng = new Rng(20240315);
  const sc = new FrameScanner();
  let fast = 0, events = 0, framesScanned = 0, framesTotal = 0;
  for (let f = 0; f < 3000; f++) {
    const text = frameText(rng, rng.int(1, 8));
    const ref: Batches = {};
    const got: Batches = {};
    const kinds = reference(text, ref);
    const r = scanned(sc, text, got);
    assertEquals(dump(got), dump(ref), text);
    fast += r.fast;
    events += kinds.length;
    framesTotal++;
    if (r.scannedOk) framesScanned++;
    // pushEvent's verdict on data events is zod's.
    for (const e of JSON.parse(text) as Record<string, unknown>[]) {
      const ch = e.ev as Channel;
      if (!(ch in SCHEMA)) continue;
      assertEquals(pushEvent({}, e).kind === "data", SCHEMA[ch].safeParse(e).success, text);
    }
  }
  // The corpus exercises both paths (not a vacuous comparison).
  assert(fast > events * 0.3 && fast < events * 0.9, `fast path took ${fast} of ${events}`);
  assert(framesScanned > framesTotal * 0.2 && framesScanned < framesTotal, `${framesScanned}`);
});

Deno.test("stream scan: numbers are the doubles JSON.parse gives, bit for bit", () => {
  const sc = new FrameScanner();
  for (const tok of NUMBERS) {
    const text = `[{"ev":"V","T":"I:X","t":1,"val":${tok}}]`;
    assert(sc.scan(text), tok);
    assertEquals(sc.channel(0), "V", tok);
    const b: Batches = {};
    sc.push(b.V = new ChannelBatch("V"), 0, "ws");
    const want = JSON.parse(tok) as number;
    assert(Object.is(b.V.num.val!.finish()[0], want), `${tok}: ${b.V.num.val!.finish()[0]}`);
  }
});

Deno.test("stream scan: not a JSON array of plain objects -> left to JSON.parse", () => {
  const sc = new FrameScanner();
  for (
    const t of [
      "",
      "{}",
      '{"ev":"T"}',
      "[1]",
      "[{}",
      '[{"ev":"T"},]',
      '[{"ev":"T"}] x',
      '[{"ev":"T","sym":"A\\u0042"}]',
      '[{"ev":"T","o":{"a":1}}]',
      '[{"ev":"T","p":01}]',
      '[{"ev":"T","p":1.}]',
      '[{"ev":"T","p":-}]',
      '[{"ev":"T","sym":"\u00e9"}]',
      '[{"ev":"T","p":tru}]',
    ]
  ) assertEquals(sc.scan(t), false, t);
  assert(sc.scan(" [ ] "));
  assertEquals(sc.count, 0);
  assert(sc.scan('[{"ev":"status","status":"connected"},{"ev":"T","sym":"A"}]'));
  assertEquals([sc.channel(0), sc.channel(1)], [null, null]); // status; trade missing fields
  assertEquals(sc.eventText(0), '{"ev":"status","status":"connected"}');
});
