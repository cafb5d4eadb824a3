-- view: corporate_actions
-- purpose: splits and cash dividends from Polygon and Alpha Vantage in one shape
-- grain: one row per (vendor, action, ticker, event date)
-- inputs: curated/{polygon,alphavantage}/{splits,dividends}/**/*.parquet (common columns event_date, split_ratio, cash_amount)
-- known_at: split execution date 00:00 New York; dividend declaration date (else ex-date) 00:00 New York
CREATE OR REPLACE VIEW corporate_actions AS
WITH src AS (
  SELECT *,
    regexp_extract(filename, '/curated/([^/]+)/(splits|dividends)/', 1) AS vendor,
    regexp_extract(filename, '/curated/([^/]+)/(splits|dividends)/', 2) AS kind
  -- [sd][pi][lv]* matches splits and dividends (DuckDB globs have no {a,b} alternation).
  FROM read_parquet('{{lake}}/curated/*/[sd][pi][lv]*/**/*.parquet', union_by_name = true,
    filename = true, hive_partitioning = false)
  WHERE regexp_matches(filename, '/curated/[^/]+/(splits|dividends)/')
)
SELECT
  vendor,
  CASE kind WHEN 'splits' THEN 'split' ELSE 'dividend' END AS action,
  ticker,
  event_date,
  split_ratio,
  cash_amount,
  known_at
FROM src;
