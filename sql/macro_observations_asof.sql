-- view: macro_observations_asof (table macro: SELECT * FROM macro_observations_asof(TIMESTAMPTZ '2024-02-01 00:00:00+00'))
-- purpose: the macro values as a researcher could have seen them at an instant (point in time)
-- grain: one row per (series_id, observation date): the latest vintage known at the instant
-- inputs: curated/fred/macro_observations/**/*.parquet
-- known_at: rows with known_at <= the instant only; the returned known_at is that vintage's
CREATE OR REPLACE MACRO macro_observations_asof(as_of) AS TABLE
SELECT series_id, date, value, realtime_start, known_at
FROM read_parquet('{{lake}}/curated/fred/macro_observations/**/*.parquet', union_by_name = true)
WHERE known_at <= as_of
QUALIFY row_number() OVER (PARTITION BY series_id, date ORDER BY realtime_start DESC) = 1;
