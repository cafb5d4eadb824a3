-- view: market_calendar
-- purpose: the vendor's announced holidays and early closes per exchange, and whether the workbench's own exchange calendar agrees (matches_calendar)
-- grain: one row per (date, exchange)
-- inputs: curated/polygon/market_calendar/**/*.parquet
-- known_at: 00:00 New York on the day the list was fetched for
CREATE OR REPLACE VIEW market_calendar AS
SELECT date, exchange, name, status, open, close, matches_calendar, known_at
FROM read_parquet('{{lake}}/curated/polygon/market_calendar/**/*.parquet', union_by_name = true,
  hive_partitioning = false);
