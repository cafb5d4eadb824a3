/**
 * Daily epochs (`--time-unit`) are UTC instants dated as ISO UTC instants are (trial 7 finding 3
 * left this path out): an epoch at 00:00 UTC is its UTC date on every calendar (it was dated in
 * the calendar's zone: on nyse every row landed a day early, 2024-01-02 on 2024-01-01), and an
 * evening epoch (midnight in a zone east of UTC) is refused unless --tz names the zone. The
 * epochs are built here from the dates they stand for (Date.UTC, and 23:00 UTC the day before
 * for midnight in Zurich in winter), so the expected dates are the inputs.
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { datasetState, readDataset } from "../../lib/lake/mod.ts";
import { ColumnMappingError, ingestBarsFile, userBarsSpec } from "../../lib/ingest/user_file.ts";

const DAY = 86_400_000;
const dates = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"];

async function withFile(text: string, fn: (file: string, root: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "epoch-daily-" });
  try {
    const file = join(dir, "bars.csv");
    await Deno.writeTextFile(file, text);
    await fn(file, join(dir, "lake"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const csv = (epochs: number[]) =>
  "ts,close\n" + epochs.map((e, i) => `${e},${100 + i}`).join("\n") + "\n";

async function landed(root: string, dataset: string) {
  const df = await readDataset(userBarsSpec(dataset, true), { root });
  return {
    date: df.getColumn("date").cast(pl.Utf8).toArray() as string[],
    close: df.getColumn("close").toArray() as number[],
  };
}

Deno.test("daily epochs at 00:00 UTC land on their UTC dates on nyse (seconds and ms)", async () => {
  const ms = dates.map((d) => Date.parse(`${d}T00:00:00Z`));
  for (const [unit, values] of [["s", ms.map((x) => x / 1000)], ["ms", ms]] as const) {
    await withFile(csv([...values]), async (file, root) => {
      const s = await ingestBarsFile(file, {
        dataset: "ep",
        symbol: "X",
        timeUnit: unit,
        root,
      });
      assertEquals(s.rowsQuarantined, 0, unit);
      assertEquals(await landed(root, "ep"), { date: dates, close: [100, 101, 102, 103, 104] });
    });
  }
});

Deno.test("daily epochs at midnight Zurich (23:00 UTC the day before): refused without --tz, right dates with it", async () => {
  const epochs = dates.map((d) => Date.parse(`${d}T00:00:00Z`) - DAY / 24);
  await withFile(csv(epochs), async (file, root) => {
    const base = {
      dataset: "zh",
      symbol: "SPI",
      timeUnit: "ms" as const,
      calendar: "weekdays" as const,
    };
    const e = await assertRejects(
      () => ingestBarsFile(file, { ...base, currency: "CHF", root }),
      ColumnMappingError,
    );
    assert(e.message.includes("--tz Europe/Zurich"), e.message);
    assert(e.message.includes("2024-01-01T23:00:00.000Z"), e.message);
    assertEquals(datasetState(userBarsSpec("zh", true), root).entries, 0);
    await ingestBarsFile(file, { ...base, currency: "CHF", tz: "Europe/Zurich", root });
    assertEquals(await landed(root, "zh"), { date: dates, close: [100, 101, 102, 103, 104] });
  });
});

Deno.test("daily epochs at the nyse close keep their UTC date; intraday epochs are unchanged", async () => {
  // 16:00 New York in January is 21:00 UTC.
  const close = dates.map((d) => Date.parse(`${d}T21:00:00Z`));
  await withFile(csv(close), async (file, root) => {
    await ingestBarsFile(file, { dataset: "cl", symbol: "X", timeUnit: "ms", root });
    assertEquals((await landed(root, "cl")).date, dates);
  });
  // 30-minute bars: the session dates come from the bars' times in New York, as before.
  const bars = [14.5, 15, 15.5].map((h) => Date.parse("2024-01-02T00:00:00Z") + h * 3_600_000);
  await withFile(csv(bars), async (file, root) => {
    const s = await ingestBarsFile(file, {
      dataset: "m30",
      symbol: "X",
      timeUnit: "ms",
      freq: "30m",
      root,
    });
    assertEquals([s.rowsValid, s.rowsQuarantined], [3, 0]);
  });
});
