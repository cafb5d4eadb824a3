/**
 * CPCV embargo in bars (`cpcv.embargoBars`): on monthly and weekly lake datasets the rows the
 * embargo drops from training are exactly the ones a plain bar-index computation says (below,
 * independent of lib/validation: a row at bar b with its label ending at bar b + h; a test
 * group's block spans bars S..E, E the largest b + h; with N bars a training row is dropped iff
 * b <= E + N and b + h >= S); embargoBars 0 equals no embargo; the batched export's rows equal the
 * eager export's; both embargo options are refused; on daily data one bar after a Friday block is
 * Monday's session, one calendar day is not.
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { ingestBarsFile } from "../../lib/ingest/user_file.ts";
import {
  exportLoadedBars,
  ExportSpecError,
  exportTrainingSetBatched,
  loadDailyBars,
  resolveExportSpec,
  type TrainingManifest,
} from "../../lib/features/mod.ts";
import { cpcvSplits } from "../../lib/validation/cpcv.ts";
import { getCalendar } from "../../lib/time/mod.ts";
import { assert, assertEquals, assertNotEquals, assertThrows } from "../_assert.ts";
import { assertFramesIdentical, comparable } from "./_frames_assert.ts";

const H = 2; // label horizon in bars
const DAY_MS = 86_400_000;

/** A wide CSV (date, A, B) of seeded closes on `dates`, ingested as `freq` series. */
async function ingest(root: string, name: string, dates: string[], freq: string) {
  let s = 7;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  let a = 100, b = 50;
  const lines = ["date,A,B"];
  for (const d of dates) {
    a *= Math.exp(0.05 * (r() - 0.5));
    b *= Math.exp(0.05 * (r() - 0.5));
    lines.push(`${d},${a.toFixed(6)},${b.toFixed(6)}`);
  }
  await Deno.writeTextFile(join(root, `${name}.csv`), lines.join("\n") + "\n");
  await ingestBarsFile(join(root, `${name}.csv`), {
    dataset: name,
    kind: "series",
    wide: true,
    freq,
    currency: "USD",
    units: "price",
    root,
  });
}

function spec(dataset: string, root: string, cpcv: Record<string, unknown>) {
  return resolveExportSpec({
    name: `${dataset}_emb`,
    data: { source: "lake", dataset: `user/${dataset}`, root },
    features: ["roc_5"],
    label: { kind: "forward_return", horizon: H },
    trainEnd: "2099-01-01",
    cpcv,
  });
}

interface Rows {
  date: string[];
  t1: number[];
  group: number[];
  split: number[][];
}

function readRows(dir: string, splits: number): Rows {
  const df = pl.readParquet(join(dir, "rows.parquet"));
  return {
    date: df.getColumn("date").toArray() as string[],
    t1: df.getColumn("t1_ms").toArray() as number[],
    group: df.getColumn("cpcv_group").toArray() as number[],
    split: Array.from(
      { length: splits },
      (_, k) => df.getColumn(`split_${k}`).toArray() as number[],
    ),
  };
}

/**
 * The split codes by hand: bars are the dataset's dates (`bars`, ascending), a row at bar b has
 * its label end at bar b + H; 2 for a test group's row, 0 when some test group's block S..E
 * (E = largest b + H of the group) has b <= E + n and b + H >= S, else 1.
 */
function expectedCodes(rows: Rows, bars: string[], n: number, testGroups: number[][]) {
  const b = rows.date.map((d) => bars.indexOf(d));
  assert(b.every((x) => x >= 0));
  const groups = Math.max(...rows.group) + 1;
  const S = Array(groups).fill(Infinity), E = Array(groups).fill(-Infinity);
  rows.group.forEach((g, i) => {
    S[g] = Math.min(S[g], b[i]!);
    E[g] = Math.max(E[g], b[i]! + H);
  });
  return testGroups.map((tg) =>
    rows.group.map((g, i) => {
      if (tg.includes(g)) return 2;
      return tg.some((t) => b[i]! <= E[t] + n && b[i]! + H >= S[t]) ? 0 : 1;
    })
  );
}

/** Test groups of split k in lexicographic order (C(groups, k)). */
function combos(groups: number, k: number): number[][] {
  const out: number[][] = [];
  const rec = (from: number, cur: number[]) => {
    if (cur.length === k) return void out.push(cur.slice());
    for (let g = from; g < groups; g++) rec(g + 1, [...cur, g]);
  };
  rec(0, []);
  return out;
}

async function runCase(freq: "month" | "week", dates: string[], groups: number, k: number) {
  const root = await Deno.makeTempDir({ prefix: `embargo_bars_${freq}_` });
  try {
    await ingest(root, `emb_${freq}`, dates, freq);
    const tg = combos(groups, k);
    const run = async (cpcv: Record<string, unknown>, tag: string) => {
      const sp = spec(`emb_${freq}`, root, { groups, testGroups: k, ...cpcv });
      const m = await exportLoadedBars(await loadDailyBars(sp.source), sp, {
        outDir: join(root, tag),
      });
      return { m, rows: readRows(join(root, tag), tg.length) };
    };
    // the dataset stores a period on its first day: those are the bars
    const bars = PERIODS[freq];
    const none = await run({}, "none");
    const zero = await run({ embargoBars: 0 }, "zero");
    assertEquals(zero.rows.split, none.rows.split, "embargoBars 0 = no embargo");
    assertEquals(zero.m.cpcv!.splits, none.m.cpcv!.splits);
    assertEquals(expectedCodes(none.rows, bars, 0, tg), none.rows.split);
    let dropped = 0;
    for (const n of [1, 3]) {
      const e = await run({ embargoBars: n }, `bars${n}`);
      assertEquals(e.m.cpcv!.embargo_bars, n);
      assertEquals(e.rows.split, expectedCodes(e.rows, bars, n, tg), `embargoBars ${n}`);
      // the embargo only drops training rows, and some
      let more = 0;
      e.rows.split.forEach((col, s) =>
        col.forEach((c, i) => {
          assert(c === none.rows.split[s]![i] || (c === 0 && none.rows.split[s]![i] === 1));
          if (c !== none.rows.split[s]![i]) more++;
        })
      );
      assert(more > dropped, `embargoBars ${n} drops more than a smaller embargo`);
      dropped = more;
      // the manifest's embargo ends rebuild the same splits (how lib/models train reads them)
      const t0 = Float64Array.from(
        pl.readParquet(join(root, `bars${n}`, "rows.parquet")).getColumn("t0_ms").toArray(),
      );
      const cv = cpcvSplits(t0, Float64Array.from(e.rows.t1), {
        groups,
        testGroups: k,
        embargoEnds: e.m.cpcv!.embargo_end_ms!,
      });
      cv.splits.forEach((sp, s) => {
        for (const i of sp.train) assertEquals(e.rows.split[s]![i], 1);
        assertEquals(sp.train.length, e.m.cpcv!.splits[s]!.train);
      });
      // batched, in batches smaller than a group, writes the same rows and manifest
      const sp = spec(`emb_${freq}`, root, { groups, testGroups: k, embargoBars: n });
      const b = await exportTrainingSetBatched(sp, { outDir: join(root, `b${n}`), batchDates: 17 });
      assertFramesIdentical(
        pl.readParquet(join(root, `b${n}`, "rows.parquet")),
        pl.readParquet(join(root, `bars${n}`, "rows.parquet")),
      );
      assertEquals(comparable(b.manifest), comparable(e.m));
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

// 72 month-end dates 2000-01..2005-12 (stored as the 1st of each month)
const MONTHS = Array.from({ length: 72 }, (_, i) => {
  const y = 2000 + Math.floor(i / 12), m = i % 12;
  return new Date(Date.UTC(y, m + 1, 0)).toISOString().slice(0, 10);
});
// 90 Fridays from 2015-01-02 (stored as the Monday of each ISO week); Good Fridays included
const WEEKS = Array.from(
  { length: 90 },
  (_, i) => new Date(Date.UTC(2015, 0, 2) + 7 * i * DAY_MS).toISOString().slice(0, 10),
);
const PERIODS = {
  month: MONTHS.map((d) => d.slice(0, 8) + "01"),
  week: WEEKS.map((d) => new Date(Date.parse(d) - 4 * DAY_MS).toISOString().slice(0, 10)),
};

Deno.test("embargoBars on monthly data: drops the rows of the next N months after each test block", async () => {
  await runCase("month", MONTHS, 6, 2);
});

Deno.test("embargoBars on weekly data: drops the rows of the next N weeks after each test block", async () => {
  await runCase("week", WEEKS, 5, 2);
});

Deno.test("cpcv with both embargoDays and embargoBars is refused, naming both", () => {
  const e = assertThrows(
    () => spec("x", "/nonexistent", { groups: 4, testGroups: 1, embargoDays: 3, embargoBars: 1 }),
    RangeError,
  );
  assert(/cpcv/.test(e.message) && /embargoDays/.test(e.message) && /embargoBars/.test(e.message));
  for (const bad of [-1, 1.5]) {
    assertThrows(
      () => spec("x", "/nonexistent", { groups: 4, testGroups: 1, embargoBars: bad }),
      RangeError,
      "embargoBars",
    );
  }
  assertThrows(
    () =>
      cpcvSplits(new Float64Array([1, 2, 3]), new Float64Array([1, 2, 3]), {
        groups: 3,
        testGroups: 1,
        embargo: 1,
        embargoBars: 1,
        barTimes: [1, 2, 3],
      }),
    RangeError,
    "not both",
  );
});

Deno.test("embargoBars on daily data: one bar after a Friday is Monday's session, one calendar day is not", async () => {
  const root = await Deno.makeTempDir({ prefix: "embargo_bars_daily_" });
  try {
    const cal = getCalendar("nyse");
    const days = cal.sessions("2021-01-04", "2021-06-30");
    // bars: date,close (one symbol), ingested as daily bars
    let s = 3;
    const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    let px = 100;
    const lines = ["date,close"];
    for (const d of days) lines.push(`${d},${(px *= Math.exp(0.04 * (r() - 0.5))).toFixed(6)}`);
    await Deno.writeTextFile(join(root, "d.csv"), lines.join("\n") + "\n");
    await ingestBarsFile(join(root, "d.csv"), {
      dataset: "emb_day",
      symbol: "D",
      currency: "USD",
      root,
    });
    const groups = 8, tg = combos(groups, 1);
    const run = async (cpcv: Record<string, unknown>, tag: string) => {
      const sp = spec("emb_day", root, { groups, testGroups: 1, ...cpcv });
      const m: TrainingManifest = await exportLoadedBars(await loadDailyBars(sp.source), sp, {
        outDir: join(root, tag),
      });
      return { m, rows: readRows(join(root, tag), tg.length) };
    };
    const none = await run({}, "none");
    const bars1 = await run({ embargoBars: 1 }, "bars1");
    const days1 = await run({ embargoDays: 1 }, "days1");
    const days3 = await run({ embargoDays: 3 }, "days3");
    assertEquals(bars1.rows.split, expectedCodes(bars1.rows, days, 1, tg));
    // by hand: the session after each block's end bar E is dropped by 1 bar; by 1 calendar day
    // only when it is the next calendar day (not after a Friday or a holiday)
    const rows = none.rows;
    const fridayEnds: string[] = [];
    for (let g = 0; g < groups; g++) {
      let e = -1;
      rows.group.forEach((gg, i) => gg === g && (e = Math.max(e, days.indexOf(rows.date[i]!) + H)));
      if (e + 1 >= days.length) continue;
      const end = days[e]!, next = days[e + 1]!;
      const gapDays = (Date.parse(next) - Date.parse(end)) / DAY_MS;
      const nextRows = rows.date.flatMap((d, i) => d === next && rows.group[i] !== g ? [i] : []);
      for (const i of nextRows) {
        assertEquals(none.rows.split[g]![i], 1, `${next} trains without embargo`);
        assertEquals(bars1.rows.split[g]![i], 0, `${next} embargoed by 1 bar after ${end}`);
        assertEquals(days1.rows.split[g]![i], gapDays === 1 ? 0 : 1, `1 day after ${end}`);
        assertEquals(days3.rows.split[g]![i], gapDays <= 3 ? 0 : 1, `3 days after ${end}`);
      }
      if (new Date(end).getUTCDay() === 5 && nextRows.length) fridayEnds.push(end);
    }
    assert(fridayEnds.length > 0, "some test block ends on a Friday");
    assertNotEquals(bars1.rows.split, days1.rows.split);
    // the manifest names the bar embargo (its ms field stays 0)
    assertEquals(bars1.m.cpcv!.embargo_ms, 0);
    assertEquals(bars1.m.cpcv!.embargo_bars, 1);
    assertEquals(days1.m.cpcv!.embargo_ms, DAY_MS);
    assertEquals(days1.m.cpcv!.embargo_bars, undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the export refuses both embargo options given programmatically", async () => {
  const sp = spec("x", "/nonexistent", { groups: 4, testGroups: 1 });
  const { cpcvSettings } = await import("../../lib/features/training_export.ts");
  assertThrows(
    () =>
      cpcvSettings(
        { ...sp, cpcv: { groups: 4, testGroups: 1, embargoDays: 2, embargoBars: 1 } },
        () => new Float64Array(),
      ),
    ExportSpecError,
    "both embargoDays (2) and embargoBars (1)",
  );
});

Deno.test("train takes data.cpcv.embargoBars: the spec, its folds here and on workers", async () => {
  const { runTraining, runCpcvFold } = await import("../../lib/models/train.ts");
  const { parseTrainSpec } = await import("../../lib/models/train_spec.ts");
  const { memoryLedgerStore } = await import("../../lib/validation/mod.ts");
  const root = await Deno.makeTempDir({ prefix: "embargo_bars_train_" });
  try {
    await ingest(root, "emb_tm", MONTHS, "month");
    const raw = (cpcv: Record<string, unknown>) => ({
      name: "m",
      question: "embargo-bars-train",
      data: {
        name: "m1",
        data: { source: "lake", dataset: "user/emb_tm", root },
        features: ["roc_5"],
        label: { kind: "forward_return", horizon: 1 },
        trainEnd: "2003-01-01",
        cpcv: { groups: 4, testGroups: 1, ...cpcv },
      },
      model: { kind: "ridge", grid: [{ alpha: 1 }, { alpha: 10 }] },
      costBps: 0,
      register: false,
    });
    assertThrows(
      () => parseTrainSpec(raw({ embargoDays: 2, embargoBars: 1 })),
      RangeError,
      "data.cpcv: give embargoDays",
    );
    const jobs: unknown[] = [];
    const run = (cpcv: Record<string, unknown>, out: string, remote = false) =>
      runTraining(parseTrainSpec(raw(cpcv)), {
        root,
        outDir: join(root, out),
        ledger: { store: memoryLedgerStore() },
        log: () => {},
        ...(remote
          ? {
            folds: (js) => {
              jobs.push(...js);
              // as a worker gets them: JSON
              return Promise.all(js.map((j) => runCpcvFold(JSON.parse(JSON.stringify(j)))));
            },
          }
          : {}),
      });
    const local = await run({ embargoBars: 2 }, "a");
    const m = JSON.parse(await Deno.readTextFile(join(root, "a", "manifest.json")));
    assertEquals(m.cpcv.embargo_bars, 2);
    assertEquals(m.cpcv.embargo_end_ms.length, 4);
    const remote = await run({ embargoBars: 2 }, "r", true);
    assertEquals(jobs.length, 2 * 4);
    for (const j of jobs) {
      assertEquals((j as { embargoEndMs: number[] }).embargoEndMs, m.cpcv.embargo_end_ms);
    }
    const strip = (x: unknown) =>
      JSON.stringify(
        x,
        (k, v) => (k === "exportDir" ? undefined : v),
      );
    assertEquals(strip(remote), strip(local));
    // without the embargo the folds train on more rows: another result
    const none = await run({}, "b");
    assertNotEquals(strip(none), strip(local));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
