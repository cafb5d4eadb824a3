/**
 * The quarantine table: wire rows that failed their schema (stage `parse`) and raw rows that
 * failed curated validation (stage `validate`), with a reason CODE (`reason`, snake_case, for
 * `GROUP BY reason`), the human detail (`detail`), the payload as received (a JSON object with
 * the original column names) and a reference to where it came from (page URL and row, raw dataset
 * and key, or file and row). One table per producer: `raw/<vendor>/quarantine` (`raw/user/...`
 * for user files), keyed by dataset, unit and payload hash, so re-running a unit quarantines a
 * row once.
 */
import pl from "nodejs-polars";
import type { DatasetSpec } from "../lake/mod.ts";
import { replaceRows, writeDataset } from "../lake/mod.ts";

/**
 * Reason codes of quarantined rows. User files use all of them; vendor pipelines pass free text,
 * which {@link reasonCode} maps to one of them (the text becomes the detail).
 *
 * | code | meaning |
 * | --- | --- |
 * | `outside_range` | the date lies outside the calendar's range |
 * | `not_a_session` | the date (daily) or instant (intraday) is in no session of the calendar |
 * | `ohlc_inconsistent` | high below another price or low above one |
 * | `not_positive` | a price at or below zero |
 * | `negative_volume` | a volume (or size, amount) below zero |
 * | `not_a_number` | a value that is not a decimal number (hex, boolean, date, text, infinity) |
 * | `missing_value` | a blank value where one is needed |
 * | `duplicate_key` | a second row for a (symbol, time) already seen with the same values (the first is kept) |
 * | `duplicate_conflict` | rows of one (symbol, time) with different values: none lands, or the one `keep` names |
 * | `not_increasing` | time goes back within a symbol (with `order: "increasing"`) |
 * | `unparseable_time` | the time cell is not a time in the declared format (or not in the zone) |
 * | `missing_symbol` | no symbol |
 * | `field_count` | a CSV line with more or fewer fields than the header |
 * | `not_utf8` | a CSV line whose bytes are not UTF-8 |
 * | `schema_mismatch` | a vendor wire row that failed its schema (stage `parse`) |
 * | `invalid_value` | a vendor row that failed another curated rule |
 */
export const REASON_CODES = [
  "outside_range",
  "not_a_session",
  "ohlc_inconsistent",
  "not_positive",
  "negative_volume",
  "not_a_number",
  "missing_value",
  "duplicate_key",
  "duplicate_conflict",
  "not_increasing",
  "unparseable_time",
  "ambiguous_local_time", // a naive time in a DST fall-back's repeated hour, pass not inferable
  "ambiguous_local_time", // a naive time in a DST fall-back's repeated hour, pass not inferable
  "missing_symbol",
  "field_count",
  "not_utf8",
  "schema_mismatch",
  "invalid_value",
] as const;
/** A reason code. */
export type ReasonCode = typeof REASON_CODES[number];

/** One quarantined row. */
export interface QuarantineRow {
  dataset: string;
  unitId: string;
  unitStart: string;
  stage: "parse" | "validate";
  /** A {@link ReasonCode}, or free text (then mapped by {@link reasonCode}, the text kept as detail). */
  reason: string;
  /** Human detail (value, rule). @default the free-text reason, or "" */
  detail?: string;
  payload: string;
  payloadRef: string;
  /** The URL the row was fetched from (its `source_uri`). @default the write's `sourceUri` */
  sourceUri?: string;
}

/** Spec of a producer's quarantine table. */
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
      detail: "str",
      payload: "str",
      payload_ref: "str",
      payload_sha: "str",
    },
  };
}

const CODES = new Set<string>(REASON_CODES);

/**
 * The reason code of a free-text vendor reason (codes pass through unchanged). Rules, first
 * match wins: OHLC order words (`low above`, `high below`) -> `ohlc_inconsistent`; `not positive`
 * -> `not_positive`; `negative` -> `negative_volume` for volume/size/amount, else `not_positive`;
 * `not finite` / `not a number` -> `not_a_number`; `missing` -> `missing_value`; `date` or `time`
 * words with `bad`/`not a` -> `unparseable_time`; otherwise `schema_mismatch` at stage `parse`
 * and `invalid_value` at stage `validate`.
 *
 * @example reasonCode("validate", "low above high") // "ohlc_inconsistent"
 */
export function reasonCode(stage: "parse" | "validate", text: string): ReasonCode {
  if (CODES.has(text)) return text as ReasonCode;
  const t = text.toLowerCase();
  if (stage === "validate") {
    if (/low above|high below|crossed/.test(t)) return "ohlc_inconsistent";
    if (/not positive/.test(t)) return "not_positive";
    if (/negative (volume|size|amount|cash_amount)/.test(t)) return "negative_volume";
    if (/negative/.test(t)) return "not_positive";
    if (/not finite|not a number|neither a number/.test(t)) return "not_a_number";
    if (/missing/.test(t)) return "missing_value";
    if (/(bad|not a) ?\w*(date|time)/.test(t)) return "unparseable_time";
    return "invalid_value";
  }
  return "schema_mismatch";
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

/**
 * Write quarantined rows (no-op for none). Free-text reasons become a code plus the text as
 * detail (see {@link reasonCode}). Returns the number of distinct rows in the batch.
 */
export async function writeQuarantine(
  source: string,
  rows: QuarantineRow[],
  options: {
    transformId: string;
    sourceUri: string;
    root?: string | undefined;
    /**
     * Replace every stored quarantine row of this dataset by `rows` (one atomic commit; with no
     * rows it only removes them). @default none: rows are added
     */
    replaceDataset?: string;
  },
): Promise<number> {
  if (rows.length === 0 && options.replaceDataset === undefined) return 0;
  const codes = rows.map((r) => reasonCode(r.stage, r.reason));
  const details = rows.map((r, i) => r.detail ?? (r.reason === codes[i] ? "" : r.reason));
  const df = pl.DataFrame({
    dataset: pl.Series("dataset", rows.map((r) => r.dataset), pl.Utf8),
    unit_id: pl.Series("unit_id", rows.map((r) => r.unitId), pl.Utf8),
    unit_start: pl.Series("unit_start", rows.map((r) => r.unitStart), pl.Utf8)
      .str.strptime(pl.Date, "%Y-%m-%d"),
    stage: pl.Series("stage", rows.map((r) => r.stage), pl.Utf8),
    reason: pl.Series("reason", codes, pl.Utf8),
    detail: pl.Series("detail", details, pl.Utf8),
    payload: pl.Series("payload", rows.map((r) => r.payload), pl.Utf8),
    payload_ref: pl.Series("payload_ref", rows.map((r) => r.payloadRef), pl.Utf8),
    payload_sha: pl.Series("payload_sha", rows.map((r) => payloadHash(r.payload)), pl.Utf8),
  });
  // Rows of several requests keep their own URL (redacted by the writer).
  const uris = rows.map((r) => r.sourceUri ?? options.sourceUri);
  const own = uris.some((u) => u !== options.sourceUri)
    ? df.withColumns(pl.Series("source_uri", uris, pl.Utf8))
    : df;
  const wopts = {
    transformId: options.transformId,
    sourceUri: options.sourceUri,
    ...(options.root ? { root: options.root } : {}),
  };
  const res = options.replaceDataset !== undefined
    ? await replaceRows(quarantineSpec(source), own, {
      ...wopts,
      where: { column: "dataset", values: [options.replaceDataset] },
    })
    : await writeDataset(quarantineSpec(source), own, wopts);
  return res.rowsIn;
}
