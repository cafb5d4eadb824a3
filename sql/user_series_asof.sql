-- view: user_series_asof (table macro: SELECT * FROM user_series_asof(TIMESTAMPTZ '2008-02-15 00:00:00+00'))
-- purpose: the users' value series as a researcher could have seen them at an instant (point in time: the vintage known then)
-- grain: one row per dataset per symbol per date (or ts): the latest version known at the instant
-- inputs: curated/user/<dataset>/**/*.parquet (through user_series_versions)
-- known_at: rows with known_at <= the instant only; the returned known_at is that version's
CREATE OR REPLACE MACRO user_series_asof(as_of) AS TABLE
SELECT * FROM user_series_versions
WHERE known_at <= as_of
QUALIFY row_number() OVER (PARTITION BY dataset, symbol, date, ts ORDER BY known_at DESC) = 1;
