-- view: option_contracts
-- purpose: option contracts listed per session (point-in-time discovery within the strike band and expiry window)
-- grain: one row per (as_of, ticker)
-- inputs: curated/polygon/option_contracts/**/*.parquet
-- known_at: 00:00 New York on the as_of date (the listing is known before the open)
CREATE OR REPLACE VIEW option_contracts AS
SELECT as_of, ticker, underlying, contract_type, exercise_style, expiration_date, strike,
  shares_per_contract, primary_exchange, known_at
FROM read_parquet('{{lake}}/curated/polygon/option_contracts/**/*.parquet', union_by_name = true,
  hive_partitioning = false);
