/**
 * Shared set-up of the new-user trial ingest tests (trials 7 and 8): fixture paths, a temporary
 * lake per test, and the check that a refused ingest wrote nothing (no data, no quarantine).
 */
import { fileURLToPath } from "node:url";
import { assertEquals } from "../_assert.ts";
import { datasetState } from "../../lib/lake/mod.ts";
import { userBarsSpec, userSeriesSpec } from "../../lib/ingest/user_file.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";
import { loadDataset } from "../../lib/dataset/mod.ts";

/** A fixture of tests/fixtures/<folder>/ as a path. */
export const trialFixture = (folder: string) => (f: string) =>
  fileURLToPath(new URL(`../fixtures/${folder}/${f}`, import.meta.url));

/** Run `fn` with a new temporary lake root, removed after. */
export async function withLake(prefix: string, fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Nothing landed for `dataset` (bars or series) and no quarantine row was written. */
export function nothingWritten(root: string, dataset: string, daily = true): void {
  assertEquals(datasetState(userBarsSpec(dataset, daily), root).entries, 0);
  assertEquals(datasetState(userSeriesSpec(dataset, daily), root).entries, 0);
  assertEquals(datasetState(quarantineSpec("user"), root).entries, 0);
}

/** symbol|date -> `col` of a loaded daily user dataset (`user/<dataset>`, latest versions). */
export async function loadedValues(
  root: string,
  dataset: string,
  col: string,
): Promise<Map<string, number | null>> {
  const d = await loadDataset(`user/${dataset}`, { root });
  const sym = d.frame.getColumn("symbol").toArray() as string[];
  const date = (d.frame.getColumn("date").toArray() as unknown[]).map((x) =>
    x instanceof Date ? x.toISOString().slice(0, 10) : String(x).slice(0, 10)
  );
  const v = d.frame.getColumn(col).toArray() as (number | null)[];
  return new Map(sym.map((s, i) => [`${s}|${date[i]}`, v[i]!]));
}
