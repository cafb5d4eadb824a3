import { calendarGaps, loadedQuality } from "../../lib/quality/mod.ts";
import { loadDataset } from "../../lib/dataset/mod.ts";
import { assert, assertEquals } from "../_assert.ts";
import { FX_DATES, OLD_DATES, writeFixtures } from "../dataset/_lake.ts";

const TASK = new URL("../../tasks/quality.ts", import.meta.url).pathname;

async function run(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", TASK, ...args],
    env: { ...env, TZ: "UTC" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("calendarGaps: hand-worked daily and intraday cases on fx and nyse", () => {
  // FX: 4 July 2024 is a weekday session; a Saturday row is off the calendar.
  const fx = calendarGaps(["2024-07-03", "2024-07-05", "2024-07-06"], {
    calendar: "fx",
    frequency: "session",
    start: "2024-07-03",
    end: "2024-07-08",
  })!;
  assertEquals(fx.sessions, 4); // 3, 4, 5, 8 July
  assertEquals(fx.missingSessions, ["2024-07-04", "2024-07-08"]);
  assertEquals(fx.offCalendar, 1);
  // NYSE: 4 July is a holiday, not a missing session; a row dated then is off the calendar.
  const ny = calendarGaps(["2024-07-03", "2024-07-04", "2024-07-05"], {
    calendar: "nyse",
    frequency: "session",
    start: "2024-07-03",
    end: "2024-07-05",
  })!;
  assertEquals(ny.sessions, 2);
  assertEquals(ny.missingSessions, []);
  assertEquals(ny.offCalendar, 1);
  // NYSE 30-minute bars of 2024-07-03 (early close 13:00 New York = 17:00Z): the session
  // 13:30Z-17:00Z expects 7 bars; 2 given, 5 missing; a 20:00Z bar is after the close.
  const intr = calendarGaps(
    [
      Date.parse("2024-07-03T13:30:00Z"),
      Date.parse("2024-07-03T14:00:00Z"),
      Date.parse("2024-07-03T20:00:00Z"),
    ],
    { calendar: "nyse", frequency: "30m", start: "2024-07-03", end: "2024-07-05" },
  )!;
  assertEquals(intr.sessions, 2);
  assertEquals(intr.missingSessions, ["2024-07-05"]);
  assertEquals(intr.missingBars, 5);
  assertEquals(intr.offCalendar, 1);
  // Weekly data is checked too (period_gaps_test.ts): July 2024 holds the weeks of Mondays
  // 1, 8, 15, 22 and 29 July, all missing here.
  assertEquals(
    calendarGaps([], { calendar: "fx", frequency: "week", start: "2024-07-01", end: "2024-07-31" })!
      .missingSessions.length,
    5,
  );
  assertEquals(
    calendarGaps([], {
      calendar: "fx",
      frequency: "fortnight",
      start: "2024-07-01",
      end: "2024-07-31",
    }),
    null,
  );
});

Deno.test("loadedQuality: a close-only FX dataset reports no US holiday as a gap", async () => {
  const root = await Deno.makeTempDir({ prefix: "quality_test_" });
  try {
    await writeFixtures(root);
    const r = loadedQuality(await loadDataset("user/eurusd_daily", { root }));
    assertEquals(r.dataset, "curated/user/eurusd_daily");
    assertEquals(r.rows, FX_DATES.length);
    assertEquals(r.calendar, "fx");
    assertEquals(r.counts.sessions_expected, 10); // every weekday 1-12 July 2024
    assertEquals(r.counts.missing_sessions, 0);
    assertEquals(r.counts.off_calendar_rows, 0);
    assertEquals(r.counts.null_open, 10);
    assertEquals(r.counts.null_close, 0);
    assertEquals(r.counts.ohlc_inconsistent, undefined, "no OHLC check without open/high/low");
    // The same rows read as NYSE data: 4 July is off the calendar there.
    const ny = loadedQuality(
      await loadDataset({
        source: "lake",
        dataset: "user/eurusd_daily",
        calendar: "nyse",
        adjust: "raw",
      }, { root }),
    );
    assertEquals(ny.counts.sessions_expected, 9);
    assertEquals(ny.counts.off_calendar_rows, 1);
    assertEquals(ny.examples.off_calendar_rows, ["EUR_USD@2024-07-04"]);
    // 1987 OHLCV: six sessions, none missing, OHLC consistent.
    const old = loadedQuality(await loadDataset("user/abc_daily", { root }));
    assertEquals(old.counts.sessions_expected, OLD_DATES.length);
    assertEquals(old.counts.missing_sessions, 0);
    assertEquals(old.counts.ohlc_inconsistent, 0);
    // A window wider than the data: the missing sessions are counted on the calendar.
    const wide = loadedQuality(await loadDataset("user/eurusd_daily", { root }), {
      start: "2024-06-28",
      end: "2024-07-15",
    });
    assertEquals(wide.counts.missing_sessions, 2); // 28 June and 15 July
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("quality task: --help, bad options (exit 2, one line), a report on a user dataset", async () => {
  const help = await run(["--help"]);
  assertEquals(help.code, 0);
  assert(help.stdout.includes("deno task quality"), help.stdout);
  assert(help.stdout.includes("--dataset user/msft_daily"), help.stdout);
  for (
    const bad of [
      ["--bogus"],
      ["--dataset", "user/x", "--start", "2024-13-45x"],
      ["--dataset", "user/x", "--adjust", "dividends"],
      ["--start", "2024-01-01"],
      ["--dataset", "user/x", "--calendar", "mars"],
    ]
  ) {
    const r = await run(bad);
    assertEquals(r.code, 2, `${bad.join(" ")}: ${r.stderr}`);
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert(!r.stderr.includes("    at "), "no stack trace");
  }
  const root = await Deno.makeTempDir({ prefix: "quality_task_" });
  try {
    await writeFixtures(root);
    const r = await run(["--dataset", "user/eurusd_daily", "--json"], { WORKBENCH_DATA: root });
    assertEquals(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    assertEquals(rep.dataset, "curated/user/eurusd_daily");
    assertEquals(rep.rows, 10);
    assertEquals(rep.counts.missing_sessions, 0);
    const unknown = await run(["--dataset", "user/nope"], { WORKBENCH_DATA: root });
    assertEquals(unknown.code, 2);
    assert(/datasets to read: .*user\/eurusd_daily/.test(unknown.stderr), unknown.stderr);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
