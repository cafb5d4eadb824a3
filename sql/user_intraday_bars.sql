-- view: user_intraday_bars
-- purpose: intraday OHLCV bars loaded from users' own files with `deno task ingest-file`, the latest version of each (dense data in date= partitions, sparse data such as 30-minute FX in year= partitions; value series and daily bars are left out; every version: user_intraday_bars_versions; as of an instant: user_intraday_bars_asof)
-- grain: one row per dataset per symbol per bar (ts = bar open, UTC)
-- inputs: curated/user/<dataset>/date=YYYY-MM-DD/*.parquet and year=YYYY/*.parquet (rows with a ts and at least one price)
-- known_at: bar open + bar interval (the bar's close); a revised bar's is the later of that and the instant the revision was ingested
CREATE OR REPLACE VIEW user_intraday_bars AS
SELECT * FROM user_intraday_bars_versions
QUALIFY row_number() OVER (PARTITION BY dataset, symbol, ts ORDER BY known_at DESC) = 1;
