-- view: user_intraday_bars_asof (table macro: SELECT * FROM user_intraday_bars_asof(TIMESTAMPTZ '2024-02-01 00:00:00+00'))
-- purpose: the users' intraday bars as a researcher could have seen them at an instant (point in time)
-- grain: one row per dataset per symbol per bar: the latest version known at the instant
-- inputs: curated/user/<dataset>/*=*/*.parquet (through user_intraday_bars_versions)
-- known_at: rows with known_at <= the instant only; the returned known_at is that version's
CREATE OR REPLACE MACRO user_intraday_bars_asof(as_of) AS TABLE
SELECT * FROM user_intraday_bars_versions
WHERE known_at <= as_of
QUALIFY row_number() OVER (PARTITION BY dataset, symbol, ts ORDER BY known_at DESC) = 1;
