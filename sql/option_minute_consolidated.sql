-- view: option_minute_consolidated
-- purpose: SPY options per minute with underlying/VIX bars, indicators, IV/Greeks (lib/options), news sentiment
-- grain: one row per option contract (ticker) per minute (ts = minute open, UTC)
-- inputs: curated/workbench/option_minute_consolidated/date=YYYY-MM-DD/*.parquet
-- known_at: ts + 1 minute (the minute's close); every value in the row was known by then
CREATE OR REPLACE VIEW option_minute_consolidated AS
SELECT *
FROM read_parquet('{{lake}}/curated/workbench/option_minute_consolidated/date=*/*.parquet',
  hive_partitioning = true, union_by_name = true);
