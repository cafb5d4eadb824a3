/**
 * Reads a training export written by `lib/features` (`rows.parquet` + `manifest.json`) into the
 * arrays the models take: the z-scored feature matrix (column-major, manifest order), the label,
 * uniqueness weights, label intervals t0/t1 (epoch ms) and the date and symbol of every row.
 *
 * @example
 * ```ts ignore
 * import { readTrainingExport } from "./training_data.ts";
 * const d = await readTrainingExport("data/exports/demo");
 * d.x.names; // the manifest's feature names
 * ```
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import type { TrainingManifest } from "../features/mod.ts";
import { type Matrix, matrixFromData } from "./matrix.ts";

/** The rows of a training export as typed arrays. */
export interface TrainingData {
  x: Matrix;
  label: Float64Array;
  weight: Float64Array;
  t0: Float64Array;
  t1: Float64Array;
  dates: string[];
  symbols: string[];
  manifest: TrainingManifest;
}

/** Reads `dir/rows.parquet` and `dir/manifest.json`; `features` defaults to the manifest's. */
export async function readTrainingExport(dir: string, features?: string[]): Promise<TrainingData> {
  const manifest = JSON.parse(
    await Deno.readTextFile(join(dir, "manifest.json")),
  ) as TrainingManifest;
  const names = features ?? manifest.features.map((f) => f.name);
  const df = pl.readParquet(join(dir, "rows.parquet"));
  const n = df.height;
  const num = (c: string) => Float64Array.from(df.getColumn(c).toArray() as number[]);
  const data = new Float64Array(n * names.length);
  names.forEach((f, j) => {
    if (!df.columns.includes(f)) {
      throw new RangeError(`Cannot read training export ${dir}: no feature column ${f}`);
    }
    data.set(num(f), j * n);
  });
  return {
    x: matrixFromData(data, n, names),
    label: num("label"),
    weight: num("weight"),
    t0: num("t0_ms"),
    t1: num("t1_ms"),
    dates: df.getColumn("date").toArray() as string[],
    symbols: df.getColumn("symbol").toArray() as string[],
    manifest,
  };
}
