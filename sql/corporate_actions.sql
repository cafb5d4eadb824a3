-- view: corporate_actions
-- purpose: splits and cash dividends from Polygon and Alpha Vantage in one shape
-- grain: one row per (vendor, action, ticker, event date)
-- inputs: curated/{polygon,alphavantage}/{splits,dividends}/**/*.parquet
-- known_at: split execution date 00:00 New York; dividend declaration date (else ex-date) 00:00 New York
CREATE OR REPLACE VIEW corporate_actions AS
WITH src AS (
  SELECT *,
    regexp_extract(filename, '/curated/([^/]+)/(splits|dividends)/', 1) AS vendor,
    regexp_extract(filename, '/curated/([^/]+)/(splits|dividends)/', 2) AS kind
  FROM read_parquet('{{lake}}/curated/*/{splits,dividends}/**/*.parquet', union_by_name = true,
    filename = true, hive_partitioning = false)
)
SELECT
  vendor,
  CASE kind WHEN 'splits' THEN 'split' ELSE 'dividend' END AS action,
  coalesce(ticker, symbol) AS ticker,
  coalesce(execution_date, effective_date, ex_dividend_date) AS event_date,
  CASE kind WHEN 'splits' THEN coalesce(ratio, split_factor) END AS split_ratio,
  CASE kind WHEN 'dividends' THEN coalesce(cash_amount, amount) END AS cash_amount,
  known_at
FROM src;
