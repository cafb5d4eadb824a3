-- view: equity_listings
-- purpose: the survivorship-free universe: active and delisted listings (Alpha Vantage LISTING_STATUS), latest snapshot
-- grain: one row per listing (symbol, ipo_date, delisting_date) from the latest as_of snapshot
-- inputs: curated/alphavantage/listing_status/**/*.parquet
-- known_at: 00:00 New York on the snapshot's as_of date
CREATE OR REPLACE VIEW equity_listings AS
SELECT symbol, name, exchange, asset_type, ipo_date, delisting_date, status, as_of, known_at
FROM read_parquet('{{lake}}/curated/alphavantage/listing_status/**/*.parquet', union_by_name = true,
  hive_partitioning = false)
QUALIFY as_of = max(as_of) OVER ();
