import { assert, assertEquals } from "../../_assert.ts";
import { startSimServer } from "../../../lib/sources/sim/mod.ts";

const WORLD = { start: "2024-01-02", end: "2024-03-28", equityCount: 0 };
type Obs = Record<string, string>;

Deno.test("FRED/ALFRED routes: real-time periods, output types, errors", async () => {
  const sim = await startSimServer({ seed: 8, world: WORLD });
  const get = async (q: string) => {
    const r = await fetch(`${sim.baseUrl}/fred/series/observations?api_key=k&file_type=json&${q}`);
    return { status: r.status, body: await r.json() };
  };
  try {
    const id = "series_id=PAYEMS";
    // output_type 1 over all time: per date, contiguous non-overlapping real-time periods.
    const all = await get(`${id}&realtime_start=1776-07-04&realtime_end=9999-12-31`);
    assertEquals(all.status, 200);
    const byDate = new Map<string, Obs[]>();
    for (const o of all.body.observations as Obs[]) {
      (byDate.get(o.date!) ?? byDate.set(o.date!, []).get(o.date!)!).push(o);
    }
    for (const [, rows] of byDate) {
      for (let i = 1; i < rows.length; i++) {
        const prevEnd = new Date(Date.parse(rows[i - 1]!.realtime_end!) + 86_400_000).toISOString()
          .slice(0, 10);
        assertEquals(rows[i]!.realtime_start, prevEnd);
        assert(rows[i]!.value !== rows[i - 1]!.value, "a new period means a new value");
      }
      assertEquals(rows[rows.length - 1]!.realtime_end, "9999-12-31");
    }
    // Default window = today's vintage: one row per date, equal to the latest value.
    const today = await get(id);
    for (const o of today.body.observations as Obs[]) {
      const rows = byDate.get(o.date!)!;
      assertEquals(o.value, rows[rows.length - 1]!.value);
      assertEquals(o.realtime_start, sim.world.today);
    }
    // output_type 4: first release only; output_type 2: wide keys PAYEMS_YYYYMMDD.
    const first = await get(
      `${id}&output_type=4&realtime_start=1776-07-04&realtime_end=9999-12-31`,
    );
    for (const o of first.body.observations as Obs[]) {
      assertEquals(o.value, byDate.get(o.date!)![0]!.value);
    }
    const wide = await get(`${id}&output_type=2&realtime_start=2024-01-01&realtime_end=2024-03-28`);
    const keys = Object.keys((wide.body.observations as Obs[]).at(-1)!);
    assert(keys.includes("date") && keys.some((k) => /^PAYEMS_2024\d{4}$/.test(k)), keys.join(","));
    // Paging and ordering.
    const page = await get(
      `${id}&realtime_start=1776-07-04&realtime_end=9999-12-31&limit=2&offset=1&sort_order=desc`,
    );
    assertEquals(page.body.count, all.body.count);
    assertEquals(page.body.observations.length, 2);
    assertEquals(page.body.observations[0], (all.body.observations as Obs[]).at(-2));
    // Daily series: holidays are "." strings; every value is a string.
    const dgs = await get("series_id=DGS10&observation_start=2024-01-01");
    assert((dgs.body.observations as Obs[]).every((o) => typeof o.value === "string"));
    assertEquals((dgs.body.observations as Obs[]).find((o) => o.date === "2024-01-15")?.value, ".");
    // Errors: 400 with error_code/error_message, two spaces after "Bad Request.".
    for (
      const [q, text] of [
        ["series_id=NOPE", "The series does not exist."],
        [`${id}&realtime_end=2030-01-01`, "Variable realtime_end can not be after today's date"],
        [
          `${id}&realtime_start=1990-01-01&realtime_end=1990-12-31`,
          "The series does not exist in ALFRED but may exist in FRED.",
        ],
      ] as const
    ) {
      const r = await get(q);
      assertEquals(r.status, 400);
      assertEquals(r.body.error_code, 400);
      assert(r.body.error_message.startsWith(`Bad Request.  ${text}`), r.body.error_message);
    }
    // units: transformations of the values known at each vintage.
    const lin = (await get(`${id}&observation_start=2023-06-01`)).body.observations as Obs[];
    const pch = (await get(`${id}&observation_start=2023-06-01&units=pch`)).body
      .observations as Obs[];
    const chg = (await get(`${id}&units=chg`)).body.observations as Obs[];
    assertEquals(chg[0]!.value, ".");
    for (let i = 1; i < lin.length; i++) {
      const want = 100 * (Number(lin[i]!.value) / Number(lin[i - 1]!.value) - 1);
      assert(Math.abs(Number(pch[i]!.value) - want) < 1e-5, `pch ${pch[i]!.date}`);
    }
    const pchAll = await get(`${id}&units=pch&realtime_start=1776-07-04&realtime_end=9999-12-31`);
    assert(
      pchAll.body.count > (pch.length as number),
      "revisions of x_t or x_t-1 start new periods",
    );
    assertEquals((await get(`${id}&units=bogus`)).status, 400);
    const xml = await fetch(`${sim.baseUrl}/fred/series/observations?api_key=k&series_id=UNRATE`);
    assertEquals(xml.status, 200);
    assert((await xml.text()).startsWith("<?xml"));
    const meta =
      await (await fetch(`${sim.baseUrl}/fred/series?api_key=k&file_type=json&series_id=ICSA`))
        .json();
    assertEquals(meta.seriess[0].frequency_short, "W");
    assert(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}-0[56]$/.test(meta.seriess[0].last_updated));
    const vd = await (await fetch(
      `${sim.baseUrl}/fred/series/vintagedates?api_key=k&file_type=json&series_id=PAYEMS`,
    )).json();
    assertEquals(
      vd.vintage_dates,
      [...new Set((all.body.observations as Obs[]).map((o) => o.realtime_start!))].sort(),
    );
  } finally {
    await sim.close();
  }
});
