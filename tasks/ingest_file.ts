/**
 * deno task ingest-file <file.csv|file.parquet> --dataset NAME [--timeframe day|1m|5m|1h]
 *   [--symbol SYM] [--map ts=Date --map close="Adj Close" ...] [--tz America/New_York|UTC]
 *
 * Loads your own OHLCV bars into the curated lake; invalid rows go to the quarantine table raw/user/quarantine with a
 * reason. Exits 1 when nothing valid was found.
 */
import { parseArgs } from "node:util";
import { ingestBarsFile } from "../lib/ingest/user_file.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    dataset: { type: "string" },
    timeframe: { type: "string", default: "day" },
    symbol: { type: "string" },
    map: { type: "string", multiple: true, default: [] },
    tz: { type: "string", default: "America/New_York" },
  },
});
const file = positionals[0];
if (!file || !values.dataset) {
  console.error(
    "usage: deno task ingest-file <file> --dataset NAME [--timeframe day|1m] [--symbol S] [--map col=FileCol]",
  );
  Deno.exit(2);
}
if (values.tz !== "UTC" && values.tz !== "America/New_York") {
  console.error(`Unknown --tz "${values.tz}": expected UTC or America/New_York`);
  Deno.exit(2);
}
const columns: Record<string, string> = {};
for (const m of values.map as string[]) {
  const eq = m.indexOf("=");
  if (eq < 1) {
    console.error(`Bad --map "${m}": expected lake_column=FileColumn`);
    Deno.exit(2);
  }
  columns[m.slice(0, eq)] = m.slice(eq + 1);
}
try {
  const s = await ingestBarsFile(file, {
    dataset: values.dataset,
    timeframe: values.timeframe,
    columns,
    tz: values.tz as "UTC" | "America/New_York",
    ...(values.symbol ? { symbol: values.symbol } : {}),
  });
  console.log(`ingest-file ${file} -> curated/user/${values.dataset}`);
  console.log(`  rows read:        ${s.rowsRead}`);
  console.log(
    `  rows valid:       ${s.rowsValid} (${
      s.write?.noop ? "already in the lake" : `${s.write?.rowsWritten ?? 0} new or changed`
    })`,
  );
  console.log(
    `  rows quarantined: ${s.rowsQuarantined}${
      s.rowsQuarantined ? " -> raw/user/quarantine (view ingest_quarantine)" : ""
    }`,
  );
  for (const [r, n] of Object.entries(s.reasons)) console.log(`    ${n} x ${r}`);
  if (s.rowsValid === 0) Deno.exit(1);
} catch (e) {
  console.error(`ingest-file failed: ${(e as Error).message}`);
  Deno.exit(1);
}
