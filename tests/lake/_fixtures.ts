import pl from "nodejs-polars";
import type { DatasetSpec } from "../../lib/lake/mod.ts";

export const BARS: DatasetSpec = {
  zone: "curated",
  source: "test",
  dataset: "bars_minute",
  partitioning: "date",
  timeColumn: "ts",
  naturalKey: ["symbol", "ts"],
  schema: { symbol: "str", ts: "ts_ms", close: "f64", volume: "f64", known_at: "ts_ms" },
};

/** n minute bars for each symbol starting at a New York morning (2024-03-08 14:30Z). */
export function bars(
  symbols: string[],
  n: number,
  startMs = Date.UTC(2024, 2, 8, 14, 30),
  closeBase = 100,
): pl.DataFrame {
  const sym: string[] = [];
  const ts: number[] = [];
  const close: number[] = [];
  const vol: number[] = [];
  for (const s of symbols) {
    for (let i = 0; i < n; i++) {
      sym.push(s);
      ts.push(startMs + i * 60_000);
      close.push(closeBase + i * 0.01);
      vol.push(1000 + i);
    }
  }
  const tsS = pl.Series("ts", ts).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
  return pl.DataFrame([
    pl.Series("symbol", sym),
    tsS,
    pl.Series("close", close),
    pl.Series("volume", vol),
    pl.Series("known_at", ts.map((t) => t + 60_000)).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
  ]);
}

/** Every file under a directory with its bytes, for byte-level comparisons. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (e.name !== "lock") {
        out.set(
          p.slice(dir.length),
          btoa(String.fromCharCode(...Deno.readFileSync(p).slice(0, 4096))) + Deno.statSync(p).size,
        );
      }
    }
  };
  walk(dir);
  return out;
}
