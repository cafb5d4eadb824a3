-- view: user_daily_bars_asof (table macro: SELECT * FROM user_daily_bars_asof(TIMESTAMPTZ '2001-09-05 00:00:00+00'))
-- purpose: the users' daily bars as a researcher could have seen them at an instant (point in time)
-- grain: one row per dataset per symbol per session date: the latest version known at the instant
-- inputs: curated/user/<dataset>/year=YYYY/*.parquet (through user_daily_bars_versions)
-- known_at: rows with known_at <= the instant only; the returned known_at is that version's
CREATE OR REPLACE MACRO user_daily_bars_asof(as_of) AS TABLE
SELECT * FROM user_daily_bars_versions
WHERE known_at <= as_of
QUALIFY row_number() OVER (PARTITION BY dataset, symbol, date ORDER BY known_at DESC) = 1;
