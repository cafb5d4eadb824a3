/**
 * Every day 1926-01-01..2100-12-31 of the nyse, lse and xetra calendars against QuantLib 1.29
 * (tests/fixtures/calendars/quantlib_*.csv, made by tests/reference/calendars.py; provenance in
 * quantlib_calendars.provenance.md). Every disagreement must be listed, with its reason and
 * source, in tests/fixtures/calendars/known_differences.json; the test fails on an unlisted
 * difference and on a listed one that no longer occurs.
 */
import { assert, assertEquals } from "../_assert.ts";
import { getCalendar } from "../../lib/time/mod.ts";

const FIXTURES = new URL("../fixtures/calendars/", import.meta.url);
const DAY_MS = 86_400_000;

interface DifferenceGroup {
  ours: "session" | "closed";
  reason: string;
  source: string;
  dates: string[];
}

const known = JSON.parse(Deno.readTextFileSync(new URL("known_differences.json", FIXTURES))) as {
  calendars: Record<string, DifferenceGroup[]>;
};

/** QuantLib's business-day flags per day from 1926-01-01, rebuilt from the fixture. */
function quantlibBusinessDays(name: string): Map<string, boolean> {
  const text = Deno.readTextFileSync(new URL(`quantlib_${name}.csv`, FIXTURES));
  const lines = text.trim().split("\n");
  assertEquals(lines[0], "date,kind");
  const out = new Map<string, boolean>();
  for (const line of lines.slice(1)) {
    const [date, kind] = line.split(",");
    assert(kind === "H" || kind === "B", `bad fixture row ${line}`);
    out.set(date!, kind === "B");
  }
  return out;
}

for (const name of ["nyse", "lse", "xetra"]) {
  Deno.test(`${name}: every day 1926-2100 agrees with QuantLib or is a listed difference`, () => {
    const cal = getCalendar(name);
    const ref = quantlibBusinessDays(name);
    const groups = known.calendars[name] ?? [];
    const listed = new Map<string, DifferenceGroup>();
    for (const g of groups) {
      assert(g.reason.length > 20 && /https?:\/\//.test(g.source), `${name}: reason and URL`);
      assert(g.ours === "session" || g.ours === "closed", `${name}: ours`);
      for (const d of g.dates) {
        assert(!listed.has(d), `${name} ${d} listed twice`);
        listed.set(d, g);
      }
    }
    const unlisted: string[] = [];
    const wrongSide: string[] = [];
    const seen = new Set<string>();
    let days = 0;
    for (let ms = Date.UTC(1926, 0, 1); ms <= Date.UTC(2100, 11, 31); ms += DAY_MS) {
      days++;
      const iso = new Date(ms).toISOString().slice(0, 10);
      const wd = new Date(ms).getUTCDay();
      const qlBusiness = ref.get(iso) ?? (wd !== 0 && wd !== 6);
      const ours = cal.isSession(iso);
      if (ours === qlBusiness) continue;
      const g = listed.get(iso);
      if (g === undefined) unlisted.push(`${iso} ours=${ours ? "session" : "closed"}`);
      else if ((g.ours === "session") !== ours) wrongSide.push(iso);
      seen.add(iso);
    }
    assertEquals(days, 63_918, "every day of 1926-2100 visited");
    assertEquals(unlisted, [], `${name}: differences not in known_differences.json`);
    assertEquals(wrongSide, [], `${name}: listed with the wrong side`);
    const stale = [...listed.keys()].filter((d) => !seen.has(d));
    assertEquals(stale, [], `${name}: listed differences that no longer occur`);
  });
}

Deno.test("fixtures hold the expected number of rows (a truncated file would pass silently)", () => {
  // Counts printed by tests/reference/calendars.py when the fixtures were made.
  assertEquals(quantlibBusinessDays("nyse").size, 1654);
  assertEquals(quantlibBusinessDays("lse").size, 1407);
  assertEquals(quantlibBusinessDays("xetra").size, 973);
});
