-- view: macro_observations
-- purpose: every published value of the FRED/ALFRED series with its real-time validity (all vintages)
-- grain: one row per (series_id, observation date, vintage start realtime_start)
-- inputs: curated/fred/macro_observations/**/*.parquet
-- known_at: the vintage date at the release's New York time of day (end of the vintage day when unknown)
CREATE OR REPLACE VIEW macro_observations AS
SELECT series_id, date, value, realtime_start, realtime_end, known_at
FROM read_parquet('{{lake}}/curated/fred/macro_observations/**/*.parquet', union_by_name = true);
