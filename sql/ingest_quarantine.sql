-- view: ingest_quarantine
-- purpose: every quarantined row in the lake: vendor backfills and streams (failed wire schema or curated validation) and user files loaded with ingest-file (failed validation); `reason` is a code (GROUP BY reason), `detail` the human text (null for rows written before codes existed, whose free text is in `reason`)
-- grain: one row per (source, dataset, unit, stage, payload)
-- inputs: raw/*/quarantine/**/*.parquet (source = vendor name, `polygon_stream` for streams, or `user`)
-- known_at: not point-in-time data; unit_start is the first date of the unit that fetched the row (user files: the day they were loaded)
CREATE OR REPLACE VIEW ingest_quarantine AS
SELECT
  regexp_extract(filename, '/raw/([^/]+)/quarantine/', 1) AS source,
  dataset, unit_id, unit_start, stage, reason, detail, payload, payload_ref, ingested_at
FROM read_parquet('{{lake}}/raw/*/quarantine/**/*.parquet', union_by_name = true,
  filename = true, hive_partitioning = false);
