/**
 * The quarantine table: wire rows that failed their schema (stage `parse`) and raw rows that
 * failed curated validation (stage `validate`), with the reason, the payload as received and a
 * reference to where it came from (page URL and row, or raw dataset and key). One table per
 * vendor: `raw/<vendor>/quarantine`, keyed by dataset, unit and payload hash, so re-running a
 * unit quarantines a row once.
 */
import pl from "nodejs-polars";
import type { DatasetSpec } from "../lake/mod.ts";
import { writeDataset } from "../lake/mod.ts";

/** One quarantined row. */
export interface QuarantineRow {
  dataset: string;
  unitId: string;
  unitStart: string;
  stage: "parse" | "validate";
  reason: string;
  payload: string;
  payloadRef: string;
}

/** Spec of a vendor's quarantine table. */
export function quarantineSpec(source: string): DatasetSpec {
  return {
    zone: "raw",
    source,
    dataset: "quarantine",
    partitioning: "none",
    timeColumn: "unit_start",
    naturalKey: ["dataset", "unit_id", "stage", "payload_sha"],
    schema: {
      dataset: "str",
      unit_id: "str",
      unit_start: "date",
      stage: "str",
      reason: "str",
      payload: "str",
      payload_ref: "str",
      payload_sha: "str",
    },
  };
}

/** FNV-1a 64-bit hex of a string (stable payload identity; not a security hash). */
export function payloadHash(s: string): string {
  let h = 0xcbf29ce484222325n;
  const p = 0x100000001b3n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * p) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

/** Write quarantined rows (no-op for none). Returns the number of distinct rows in the batch. */
export async function writeQuarantine(
  source: string,
  rows: QuarantineRow[],
  options: { transformId: string; sourceUri: string; root?: string },
): Promise<number> {
  if (rows.length === 0) return 0;
  const df = pl.DataFrame({
    dataset: pl.Series("dataset", rows.map((r) => r.dataset), pl.Utf8),
    unit_id: pl.Series("unit_id", rows.map((r) => r.unitId), pl.Utf8),
    unit_start: pl.Series("unit_start", rows.map((r) => r.unitStart), pl.Utf8)
      .str.strptime(pl.Date, "%Y-%m-%d"),
    stage: pl.Series("stage", rows.map((r) => r.stage), pl.Utf8),
    reason: pl.Series("reason", rows.map((r) => r.reason), pl.Utf8),
    payload: pl.Series("payload", rows.map((r) => r.payload), pl.Utf8),
    payload_ref: pl.Series("payload_ref", rows.map((r) => r.payloadRef), pl.Utf8),
    payload_sha: pl.Series("payload_sha", rows.map((r) => payloadHash(r.payload)), pl.Utf8),
  });
  const res = await writeDataset(quarantineSpec(source), df, {
    transformId: options.transformId,
    sourceUri: options.sourceUri,
    ...(options.root ? { root: options.root } : {}),
  });
  return res.rowsIn;
}
