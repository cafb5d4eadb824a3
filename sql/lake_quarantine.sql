-- view: lake_quarantine
-- purpose: every quarantined row in the lake with its reason (user files and vendor ingests)
-- grain: one row per rejected input row
-- inputs: curated/*/*_quarantine/**/*.parquet
-- known_at: the instant the row was quarantined
CREATE OR REPLACE VIEW lake_quarantine AS
SELECT
  regexp_extract(filename, '/curated/([^/]+)/([^/]+)_quarantine/', 1) AS source,
  regexp_extract(filename, '/curated/([^/]+)/([^/]+)_quarantine/', 2) AS dataset,
  * EXCLUDE (filename)
FROM read_parquet('{{lake}}/curated/*/*_quarantine/**/*.parquet', union_by_name = true,
  filename = true);
