-- view: user_series
-- purpose: value series loaded from users' own files with `deno task ingest-file --kind series`, the latest version (vintage) of each value (macro, yields, index levels, scientific series; a wide file gives one symbol per column); bar and book rows of the same folders are left out; every version: user_series_versions; as of an instant: user_series_asof
-- grain: one row per dataset per symbol per date (daily and slower series: date = the period's first day, ts null) or per ts (intraday series: date null)
-- inputs: curated/user/<dataset>/**/*.parquet (rows with a value)
-- known_at: the close of the period's last session on the dataset's calendar (midnight UTC after the period on calendar none), the file's known_at column when it has one, ts + interval for intraday series; a revised value's is the later of that and the instant the revision was ingested
CREATE OR REPLACE VIEW user_series AS
SELECT * FROM user_series_versions
QUALIFY row_number() OVER (PARTITION BY dataset, symbol, date, ts ORDER BY known_at DESC) = 1;
