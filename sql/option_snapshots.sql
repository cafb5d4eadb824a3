-- view: option_snapshots
-- purpose: options chain snapshots as the vendor served them (last quote, day statistics, vendor IV and Greeks, open interest), one per nightly fetch
-- grain: one row per (snapshot_date, ticker)
-- inputs: curated/polygon/option_snapshot/**/*.parquet
-- known_at: the quote's last_updated instant (the session close when the vendor gave none)
CREATE OR REPLACE VIEW option_snapshots AS
SELECT snapshot_date, ticker, underlying, contract_type, expiration_date, strike, quote_ts, bid, ask,
  (bid + ask) / 2 AS mid, iv, open_interest, delta, gamma, theta, vega, day_close, day_volume,
  underlying_price, known_at
FROM read_parquet('{{lake}}/curated/polygon/option_snapshot/**/*.parquet', union_by_name = true,
  hive_partitioning = false);
