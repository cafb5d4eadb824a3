-- view: ingest_quarantine
-- purpose: vendor rows the backfill quarantined (failed wire schema or curated validation), with the reason
-- grain: one row per (vendor, dataset, unit, stage, payload)
-- inputs: raw/*/quarantine/**/*.parquet
-- known_at: not point-in-time data; unit_start is the first date of the unit that fetched the row
CREATE OR REPLACE VIEW ingest_quarantine AS
SELECT
  regexp_extract(filename, '/raw/([^/]+)/quarantine/', 1) AS vendor,
  dataset, unit_id, unit_start, stage, reason, payload, payload_ref, ingested_at
FROM read_parquet('{{lake}}/raw/*/quarantine/**/*.parquet', union_by_name = true,
  filename = true, hive_partitioning = false);
