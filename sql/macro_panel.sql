-- view: macro_panel
-- purpose: the latest known value of every macro series per observation date (today's vintage)
-- grain: one row per (date, series_id)
-- inputs: curated/fred/macro_observations/**/*.parquet
-- known_at: the known_at of the vintage that supplies the value (use macro_observations_asof for history)
CREATE OR REPLACE VIEW macro_panel AS
SELECT date, series_id, value, realtime_start AS vintage, known_at
FROM read_parquet('{{lake}}/curated/fred/macro_observations/**/*.parquet', union_by_name = true)
QUALIFY row_number() OVER (PARTITION BY series_id, date ORDER BY realtime_start DESC) = 1;
