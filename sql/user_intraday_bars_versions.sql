-- view: user_intraday_bars_versions
-- purpose: every stored version of the intraday OHLCV bars of `deno task ingest-file` (a value corrected by a later file is a new version with a later known_at; the earlier one stays)
-- grain: one row per dataset per symbol per bar (ts = bar open, UTC) per known_at (version)
-- inputs: curated/user/<dataset>/date=YYYY-MM-DD/*.parquet and year=YYYY/*.parquet (rows with a ts and at least one price)
-- known_at: bar open + bar interval (the bar's close) for its first version; a revision's is the later of that and the ingest instant (or the file's known_at column)
CREATE OR REPLACE VIEW user_intraday_bars_versions AS
SELECT
  regexp_extract(filename, '/curated/user/([^/]+)/(date|year)=', 1) AS dataset,
  symbol, ts, open, high, low, close, volume, known_at,
  ingested_at, source_uri, transform_id
FROM read_parquet('{{lake}}/curated/user/*/*=*/*.parquet', hive_partitioning = true,
  union_by_name = true, filename = true)
WHERE ts IS NOT NULL
  AND (open IS NOT NULL OR high IS NOT NULL OR low IS NOT NULL OR close IS NOT NULL);
