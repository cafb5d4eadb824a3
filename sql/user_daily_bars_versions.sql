-- view: user_daily_bars_versions
-- purpose: every stored version of the daily OHLCV bars of `deno task ingest-file` (a value corrected by a later file is a new version with a later known_at; the earlier one stays)
-- grain: one row per dataset per symbol per session date per known_at (version)
-- inputs: curated/user/<dataset>/year=YYYY/*.parquet (rows with a date and at least one price)
-- known_at: the session close of the bar's date (13:00 ET on NYSE early closes) for its first version; a revision's is the later of that and the ingest instant (or the file's known_at column)
CREATE OR REPLACE VIEW user_daily_bars_versions AS
SELECT
  regexp_extract(filename, '/curated/user/([^/]+)/year=', 1) AS dataset,
  symbol, date, open, high, low, close, volume, known_at,
  ingested_at, source_uri, transform_id
FROM read_parquet('{{lake}}/curated/user/*/year=*/*.parquet', hive_partitioning = true,
  union_by_name = true, filename = true)
WHERE date IS NOT NULL
  AND (open IS NOT NULL OR high IS NOT NULL OR low IS NOT NULL OR close IS NOT NULL);
