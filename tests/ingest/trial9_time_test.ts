/**
 * Trial 9 (/work/notes/trial9/report.md) findings 2, 3 and the FX items of 7: FX daily candles
 * stamped at the 17:00 New York roll (at their open, OANDA's dailyAlignment=17, or at their
 * close), and naive local times in a DST fall-back's repeated hour.
 *
 * Fixtures are written here. The FX rows are the trial's repro (fx_oanda_2weeks.csv: the candle
 * stamped 1996-03-31T22:00Z is trading day 1996-04-01, close 1.1936, per fx_daily_truth.csv);
 * the DST rows are make_dst.py's (dst_naive_zurich.csv, whose UTC instants dst_truth_utc.csv and
 * pandas tz_localize("Europe/Zurich", ambiguous="infer") give). Expected dates and instants are
 * worked out by hand from those files: 1996-04-07 is the US DST start (17:00 New York = 21:00Z
 * from then on), 1996-10-27 03:00 CEST goes back to 02:00 CET in Zurich.
 */
import pl from "nodejs-polars";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { ColumnMappingError, ingestBarsFile, userBarsSpec } from "../../lib/ingest/user_file.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";
import { nothingWritten, withLake } from "./_trial_lake.ts";
import { ingestFileTask } from "./_ingest_file_task.ts";

const CLOSES = [1.1936, 1.1947, 1.1964, 1.1938, 1.1969, 1.1953, 1.2123, 1.2156, 1.2217, 1.228];
/** The New York trading dates of the ten closes (fx_daily_truth.csv). */
const TRADING_DAYS = [
  "1996-04-01",
  "1996-04-02",
  "1996-04-03",
  "1996-04-04",
  "1996-04-05",
  "1996-04-08",
  "1996-04-09",
  "1996-04-10",
  "1996-04-11",
  "1996-04-12",
];
/** Stamped at each candle's open: the previous roll (Sunday 22:00Z, then 21:00Z after 04-07). */
const OPEN_STAMPS = [
  "1996-03-31T22:00:00.000000000Z",
  "1996-04-01T22:00:00.000000000Z",
  "1996-04-02T22:00:00.000000000Z",
  "1996-04-03T22:00:00.000000000Z",
  "1996-04-04T22:00:00.000000000Z",
  "1996-04-07T21:00:00.000000000Z",
  "1996-04-08T21:00:00.000000000Z",
  "1996-04-09T21:00:00.000000000Z",
  "1996-04-10T21:00:00.000000000Z",
  "1996-04-11T21:00:00.000000000Z",
];
/** Stamped at each candle's close: the roll ending its trading day. */
const CLOSE_STAMPS = [
  "1996-04-01T22:00:00Z",
  "1996-04-02T22:00:00Z",
  "1996-04-03T22:00:00Z",
  "1996-04-04T22:00:00Z",
  "1996-04-05T22:00:00Z",
  "1996-04-08T21:00:00Z",
  "1996-04-09T21:00:00Z",
  "1996-04-10T21:00:00Z",
  "1996-04-11T21:00:00Z",
  "1996-04-12T21:00:00Z",
];

const fxCsv = (stamps: string[], closes = CLOSES) =>
  "time,symbol,close\n" + stamps.map((t, i) => `${t},USD_CHF,${closes[i]}`).join("\n") + "\n";

async function writeFile(root: string, text: string): Promise<string> {
  const f = await Deno.makeTempFile({ dir: root, suffix: ".csv" });
  await Deno.writeTextFile(f, text);
  return f;
}

/** date -> [close, known_at ISO] of a daily user dataset. */
async function daily(root: string, dataset: string): Promise<Map<string, [number, string]>> {
  const df = await readDataset(userBarsSpec(dataset, true), { root });
  const date = df.getColumn("date").cast(pl.Utf8).toArray() as string[];
  const close = df.getColumn("close").toArray() as number[];
  const known = (df.getColumn("known_at").toArray() as unknown as Date[]).map((d) =>
    d.toISOString()
  );
  return new Map(date.map((d, i) => [d, [close[i]!, known[i]!]]));
}

/** ISO instant -> close of an intraday user dataset. */
async function intraday(root: string, dataset: string): Promise<Map<string, number>> {
  const df = await readDataset(userBarsSpec(dataset, false), { root });
  const ts = (df.getColumn("ts").toArray() as unknown as Date[]).map((d) => d.toISOString());
  const sym = df.getColumn("symbol").toArray() as string[];
  const close = df.getColumn("close").toArray() as number[];
  return new Map(ts.map((t, i) => [`${sym[i]} ${t}`, close[i]!]));
}

async function quarantined(root: string): Promise<{ reason: string; detail: string }[]> {
  const df = await readDataset(quarantineSpec("user"), { root });
  const reason = df.getColumn("reason").toArray() as string[];
  const detail = df.getColumn("detail").toArray() as string[];
  return reason.map((r, i) => ({ reason: r, detail: detail[i]! }));
}

Deno.test("finding 2: open-stamped FX candles (Sunday stamps, no Friday) land on the session each candle closes, with a note", () =>
  withLake("trial9-time-", async (root) => {
    const f = await writeFile(root, fxCsv(OPEN_STAMPS));
    // Without --tz, and with the natural --tz America/New_York (which committed every close a
    // trading day early, the Sunday rows quarantined): the same reading.
    for (const [dataset, tz] of [["fx_open", undefined], ["fx_open_ny", "America/New_York"]]) {
      const s = await ingestBarsFile(f, {
        dataset: dataset!,
        calendar: "fx",
        ...(tz ? { tz } : {}),
        root,
      });
      assertEquals(s.rowsQuarantined, 0, dataset);
      assertEquals(s.rowsValid, 10, dataset);
      const note = s.notes.find((n) => n.includes("17:00 New York FX roll"));
      assert(note !== undefined, s.notes.join("\n"));
      assert(note.includes("stamped at their open"), note);
      assert(note.includes("--stamped close"), note);
      const got = await daily(root, dataset!);
      assertEquals([...got.keys()].sort(), TRADING_DAYS);
      TRADING_DAYS.forEach((d, i) => assertEquals(got.get(d)![0], CLOSES[i], d));
      // Known at the session close: 17:00 New York of the trading date (EST, then EDT).
      assertEquals(got.get("1996-04-01")![1], "1996-04-01T22:00:00.000Z");
      assertEquals(got.get("1996-04-05")![1], "1996-04-05T22:00:00.000Z");
      assertEquals(got.get("1996-04-08")![1], "1996-04-08T21:00:00.000Z");
    }
  }));

Deno.test("finding 2: open-stamped FX candles as epochs (--time-unit s) read the same", () =>
  withLake("trial9-time-", async (root) => {
    const epochs = OPEN_STAMPS.map((t) => String(Date.parse(t.replace(".000000000", "")) / 1000));
    const f = await writeFile(root, fxCsv(epochs));
    const s = await ingestBarsFile(f, { dataset: "fx_ep", calendar: "fx", timeUnit: "s", root });
    assertEquals(s.rowsQuarantined, 0);
    const got = await daily(root, "fx_ep");
    assertEquals(got.get("1996-04-01")![0], 1.1936);
    assertEquals(got.get("1996-04-08")![0], 1.1953);
  }));

Deno.test("finding 7: close-stamped FX candles (Friday stamps, no Sunday) keep their New York date, and a note says so", () =>
  withLake("trial9-time-", async (root) => {
    const f = await writeFile(root, fxCsv(CLOSE_STAMPS));
    const s = await ingestBarsFile(f, { dataset: "fx_close", calendar: "fx", root });
    assertEquals(s.rowsQuarantined, 0);
    const note = s.notes.find((n) => n.includes("17:00 New York FX roll"));
    assert(note !== undefined && note.includes("stamped at their close"), s.notes.join("\n"));
    assert(note.includes("--stamped open"), note);
    const got = await daily(root, "fx_close");
    assertEquals([...got.keys()].sort(), TRADING_DAYS);
    TRADING_DAYS.forEach((d, i) => assertEquals(got.get(d)![0], CLOSES[i], d));
  }));

Deno.test("--stamped overrides the stamps' weekdays", () =>
  withLake("trial9-time-", async (root) => {
    // The open-stamped file read as close stamps: the Sunday candle is no session, and each other
    // close sits on the New York date of its stamp (1.1947, stamped 04-01, on 04-01).
    const f = await writeFile(root, fxCsv(OPEN_STAMPS));
    const s = await ingestBarsFile(f, {
      dataset: "fx_forced",
      calendar: "fx",
      stamped: "close",
      root,
    });
    assertEquals(s.reasons, { not_a_session: 2 });
    assert(s.notes.some((n) => n.includes("--stamped close")), s.notes.join("\n"));
    const got = await daily(root, "fx_forced");
    assertEquals(got.get("1996-04-01")![0], 1.1947);
    assertEquals(got.get("1996-04-05"), undefined);
  }));

Deno.test("FX roll stamps with neither pattern (no Sunday, no Friday) exit 2 naming --stamped; nothing written", () =>
  withLake("trial9-time-", async (root) => {
    const mid = [1, 2, 3].map((i) => OPEN_STAMPS[i]!); // Mon, Tue, Wed 22:00Z
    const f = await writeFile(root, fxCsv(mid, CLOSES.slice(1, 4)));
    await assertRejects(
      () => ingestBarsFile(f, { dataset: "fx_amb", calendar: "fx", root }),
      ColumnMappingError,
      "--stamped open",
    );
    nothingWritten(root, "fx_amb");
    // The task: exit 2, the message on stderr; --stamped open then lands Tue..Thu.
    const env = { WORKBENCH_DATA: root, TZ: "UTC", NO_COLOR: "1" };
    const r = await ingestFileTask([f, "--dataset", "fx_amb", "--calendar", "fx"], env);
    assertEquals(r.code, 2, r.stderr);
    assert(r.stderr.includes("--stamped"), r.stderr);
    nothingWritten(root, "fx_amb");
    const ok = await ingestFileTask(
      [f, "--dataset", "fx_amb", "--calendar", "fx", "--stamped", "open"],
      env,
    );
    assertEquals(ok.code, 0, ok.stderr + ok.stdout);
    const got = await daily(root, "fx_amb");
    assertEquals([...got.keys()].sort(), ["1996-04-02", "1996-04-03", "1996-04-04"]);
    assertEquals(got.get("1996-04-02")![0], 1.1947);
  }));

Deno.test("finding 7: FX roll stamps on --calendar nyse or weekdays exit 2 naming --calendar fx; --stamped on other times exits 2", () =>
  withLake("trial9-time-", async (root) => {
    for (const [stamps, calendar] of [[OPEN_STAMPS, "nyse"], [CLOSE_STAMPS, "weekdays"]] as const) {
      const f = await writeFile(root, fxCsv([...stamps]));
      await assertRejects(
        () => ingestBarsFile(f, { dataset: "fx_cal", calendar, root }),
        ColumnMappingError,
        "--calendar fx",
      );
      nothingWritten(root, "fx_cal");
    }
    const f = await writeFile(root, "date,close\n2024-01-02,1\n2024-01-03,2\n");
    await assertRejects(
      () => ingestBarsFile(f, { dataset: "plain", symbol: "X", stamped: "open", root }),
      ColumnMappingError,
      "--stamped",
    );
    nothingWritten(root, "plain");
  }));

/** make_dst.py's rows: 24/7 30-minute USDCHF in Zurich wall time across both 1996/97 changes. */
const DST_ROWS = [
  ["1996-10-27 00:00:00", 1.2017, "1996-10-26T22:00:00.000Z"],
  ["1996-10-27 00:30:00", 1.2015, "1996-10-26T22:30:00.000Z"],
  ["1996-10-27 01:00:00", 1.202, "1996-10-26T23:00:00.000Z"],
  ["1996-10-27 01:30:00", 1.2021, "1996-10-26T23:30:00.000Z"],
  ["1996-10-27 02:00:00", 1.2026, "1996-10-27T00:00:00.000Z"],
  ["1996-10-27 02:30:00", 1.2031, "1996-10-27T00:30:00.000Z"],
  ["1996-10-27 02:00:00", 1.2031, "1996-10-27T01:00:00.000Z"],
  ["1996-10-27 02:30:00", 1.2026, "1996-10-27T01:30:00.000Z"],
  ["1997-03-30 01:00:00", 1.2025, "1997-03-30T00:00:00.000Z"],
  ["1997-03-30 01:30:00", 1.2025, "1997-03-30T00:30:00.000Z"],
  ["1997-03-30 03:00:00", 1.2029, "1997-03-30T01:00:00.000Z"],
  ["1997-03-30 03:30:00", 1.2039, "1997-03-30T01:30:00.000Z"],
  ["1997-03-30 04:00:00", 1.205, "1997-03-30T02:00:00.000Z"],
  ["1997-03-30 04:30:00", 1.2062, "1997-03-30T02:30:00.000Z"],
] as const;

const zurich = { freq: "30m", calendar: "crypto", tz: "Europe/Zurich" } as const;

Deno.test("finding 3: the repeated hour of a DST fall-back is inferred from the file's order (pandas ambiguous='infer')", () =>
  withLake("trial9-time-", async (root) => {
    const f = await writeFile(
      root,
      "time,close\n" + DST_ROWS.map(([t, c]) => `${t},${c}`).join("\n") + "\n",
    );
    const s = await ingestBarsFile(f, { dataset: "dst", symbol: "USDCHF", ...zurich, root });
    assertEquals(s.rowsQuarantined, 0, JSON.stringify(s.reasons));
    assert(
      s.notes.some((n) => n.includes("second pass") && n.includes("1996-10-27")),
      s.notes.join("\n"),
    );
    const got = await intraday(root, "dst");
    assertEquals(got.size, 14);
    for (const [, c, utc] of DST_ROWS) assertEquals(got.get(`USDCHF ${utc}`), c, utc);
  }));

Deno.test("finding 3: the fold is inferred per symbol in an interleaved long file", () =>
  withLake("trial9-time-", async (root) => {
    const walls = ["01:30", "02:00", "02:30", "02:00", "02:30", "03:00"];
    const utc = ["23:30", "00:00", "00:30", "01:00", "01:30", "02:00"];
    const lines = walls.flatMap((w, i) => [
      `1996-10-27 ${w},A,${10 + i}`,
      `1996-10-27 ${w},B,${20 + i}`,
    ]);
    const f = await writeFile(root, "time,symbol,close\n" + lines.join("\n") + "\n");
    const s = await ingestBarsFile(f, { dataset: "dst_long", ...zurich, root });
    assertEquals(s.rowsQuarantined, 0, JSON.stringify(s.reasons));
    const got = await intraday(root, "dst_long");
    utc.forEach((u, i) => {
      const day = i === 0 ? "1996-10-26" : "1996-10-27";
      assertEquals(got.get(`A ${day}T${u}:00.000Z`), 10 + i, `A ${u}`);
      assertEquals(got.get(`B ${day}T${u}:00.000Z`), 20 + i, `B ${u}`);
    });
  }));

Deno.test("finding 3: a fold the order cannot tell is quarantined as ambiguous_local_time naming the DST change; a DST-gap time names the gap", () =>
  withLake("trial9-time-", async (root) => {
    // One pass through the repeated hour (which one?), then rows out of order, then a wall time
    // the spring-forward skips.
    const once = ["01:30", "02:00", "02:30", "03:00"].map((w, i) => `1996-10-27 ${w},${i + 1}`);
    const shuffled = ["02:30", "01:30", "02:00", "03:00", "02:30", "02:00"].map((w, i) =>
      `1996-10-27 ${w},${i + 1}`
    );
    const gap = ["1997-03-30 01:30,1", "1997-03-30 02:30,2", "1997-03-30 03:00,3"];
    const cases = [["once", once, 2], ["shuffled", shuffled, 4]] as const;
    for (const [name, lines, ambiguous] of cases) {
      const f = await writeFile(root, "time,close\n" + lines.join("\n") + "\n");
      const s = await ingestBarsFile(f, {
        dataset: `dst_${name}`,
        symbol: "X",
        ...zurich,
        root,
      });
      assertEquals(s.reasons, { ambiguous_local_time: ambiguous }, name);
    }
    const q = await quarantined(root);
    assertEquals(q.length, 6);
    for (const { reason, detail } of q) {
      assertEquals(reason, "ambiguous_local_time");
      for (const part of ["1996-10-27", "Europe/Zurich", "02:00-02:59", "UTC times"]) {
        assert(detail.includes(part), detail);
      }
    }
    const f = await writeFile(root, "time,close\n" + gap.join("\n") + "\n");
    const s = await ingestBarsFile(f, {
      dataset: "dst_gap",
      symbol: "X",
      ...zurich,
      root,
    });
    assertEquals(s.reasons, { unparseable_time: 1 });
    const g = (await quarantined(root)).filter((r) => r.reason === "unparseable_time");
    assertEquals(g.length, 1);
    assert(g[0]!.detail.includes("DST gap 1997-03-30 in Europe/Zurich"), g[0]!.detail);
    assert(g[0]!.detail.includes("02:00-02:59 does not exist"), g[0]!.detail);
  }));
