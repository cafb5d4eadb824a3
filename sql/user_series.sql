-- view: user_series
-- purpose: value series loaded from users' own files with `deno task ingest-file --kind series` (macro, yields, index levels, scientific series; a wide file gives one symbol per column); bar and book rows of the same folders are left out
-- grain: one row per dataset per symbol per date (daily and slower series: date = the period's first day, ts null) or per ts (intraday series: date null)
-- inputs: curated/user/<dataset>/**/*.parquet (rows with a value)
-- known_at: the close of the period's last session on the dataset's calendar (midnight UTC after the period on calendar none), the file's known_at column when it has one, ts + interval for intraday series
CREATE OR REPLACE VIEW user_series AS
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
