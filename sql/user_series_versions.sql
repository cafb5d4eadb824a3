-- view: user_series_versions
-- purpose: every stored version (vintage) of the value series of `deno task ingest-file --kind series` (vintages of an ALFRED-style file, or a value revised by a later file, each with its known_at)
-- grain: one row per dataset per symbol per date (or ts) per known_at (version)
-- inputs: curated/user/<dataset>/**/*.parquet (rows with a value)
-- known_at: the file's known_at (or realtime_start) column when it has one; else the close of the period's last session (midnight UTC after the period on calendar none) or ts + interval, for a revision the later of that and the ingest instant
CREATE OR REPLACE VIEW user_series_versions AS
SELECT
  regexp_extract(filename, '/curated/user/([^/]+)/', 1) AS dataset,
  symbol, date, ts, value, known_at, ingested_at, source_uri, transform_id
FROM (
  -- typed empty row: the columns exist even when only bar datasets (no value, no ts) are loaded
  SELECT NULL::VARCHAR AS filename, NULL::VARCHAR AS symbol, NULL::DATE AS date,
    NULL::TIMESTAMP WITH TIME ZONE AS ts, NULL::DOUBLE AS value,
    NULL::TIMESTAMP WITH TIME ZONE AS known_at, NULL::TIMESTAMP WITH TIME ZONE AS ingested_at,
    NULL::VARCHAR AS source_uri, NULL::VARCHAR AS transform_id
  WHERE false
  UNION ALL BY NAME
  SELECT * FROM read_parquet('{{lake}}/curated/user/**/*.parquet', hive_partitioning = false,
    union_by_name = true, filename = true)
)
WHERE value IS NOT NULL;
