-- view: user_daily_bars
-- purpose: daily OHLCV bars loaded from users' own files with `deno task ingest-file`, the latest version of each (bars with absent fields have them null; value series and intraday bars of the same folders are left out; every version: user_daily_bars_versions; as of an instant: user_daily_bars_asof)
-- grain: one row per dataset per symbol per session date
-- inputs: curated/user/<dataset>/year=YYYY/*.parquet (rows with a date and at least one price)
-- known_at: the session close of the bar's date on the dataset's calendar (13:00 ET on NYSE early closes); a revised bar's is the later of that and the instant the revision was ingested
CREATE OR REPLACE VIEW user_daily_bars AS
SELECT * FROM user_daily_bars_versions
QUALIFY row_number() OVER (PARTITION BY dataset, symbol, date ORDER BY known_at DESC) = 1;
