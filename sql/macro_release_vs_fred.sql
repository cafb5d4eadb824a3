-- view: macro_release_vs_fred
-- purpose: BLS and BEA values beside the FRED/ALFRED vintage of the same series that was known when the BLS/BEA value was (differences show revisions, rounding or a wrong mapping)
-- grain: one row per (vendor, vendor_series, date, vendor known_at); vendor_series is a BLS series id or TABLE:FREQUENCY:LINE of a BEA NIPA table
-- inputs: curated/bls/series, curated/bea/nipa, curated/fred/macro_observations (all **/*.parquet); the mapping below (BLS CUSR0000SA0 = FRED CPIAUCSL (the seasonally adjusted CPI; CUUR0000SA0 is CPIAUCNS), LNS14000000 = UNRATE, CES0000000001 = PAYEMS, JTS000000000000000JOL = JTSJOL; BEA T10105 line 1 = GDP (millions -> billions), T10101 line 1 = A191RL1Q225SBEA, T20804 line 25 = PCEPILFE)
-- values: vendor_value in FRED's units (BEA DataValue x 10^UNIT_MULT / fred_unit); BLS annual averages (M13, Q05, S03) are left out
-- known_at: the later of the vendor row's known_at and the FRED vintage's known_at; the FRED vintage is the latest one known at the vendor row's known_at (NULL fred_value: none was); point_in_time is the vendor row's flag (false: known_at is only the fetch instant)
CREATE OR REPLACE VIEW macro_release_vs_fred AS
WITH map(vendor, vendor_series, fred_series_id, fred_unit) AS (
  VALUES
    ('bls', 'CUSR0000SA0', 'CPIAUCSL', 1.0),
    ('bls', 'CUUR0000SA0', 'CPIAUCNS', 1.0),
    ('bls', 'LNS14000000', 'UNRATE', 1.0),
    ('bls', 'CES0000000001', 'PAYEMS', 1.0),
    ('bls', 'JTS000000000000000JOL', 'JTSJOL', 1.0),
    ('bea', 'T10105:Q:1', 'GDP', 1e9),
    ('bea', 'T10101:Q:1', 'A191RL1Q225SBEA', 1.0),
    ('bea', 'T20804:M:25', 'PCEPILFE', 1.0)
),
vendor_rows AS (
  SELECT 'bls' AS vendor, series_id AS vendor_series, date, value AS base_value, known_at,
    point_in_time
  FROM read_parquet('{{lake}}/curated/bls/series/**/*.parquet', union_by_name = true)
  WHERE NOT annual_average
  UNION ALL
  SELECT 'bea', table_name || ':' || frequency || ':' || CAST(line_number AS VARCHAR), date,
    value * power(10, unit_mult), known_at, point_in_time
  FROM read_parquet('{{lake}}/curated/bea/nipa/**/*.parquet', union_by_name = true)
),
fred AS (
  SELECT series_id, date, value, realtime_start, known_at
  FROM read_parquet('{{lake}}/curated/fred/macro_observations/**/*.parquet', union_by_name = true)
)
SELECT v.vendor, v.vendor_series, m.fred_series_id, v.date,
  v.base_value / m.fred_unit AS vendor_value,
  f.value AS fred_value,
  v.base_value / m.fred_unit - f.value AS diff,
  f.realtime_start AS fred_vintage,
  v.known_at AS vendor_known_at,
  v.point_in_time,
  greatest(v.known_at, f.known_at) AS known_at
FROM vendor_rows v
JOIN map m ON m.vendor = v.vendor AND m.vendor_series = v.vendor_series
LEFT JOIN fred f ON f.series_id = m.fred_series_id AND f.date = v.date AND f.known_at <= v.known_at
QUALIFY row_number() OVER (
  PARTITION BY v.vendor, v.vendor_series, v.date, v.known_at
  ORDER BY f.realtime_start DESC NULLS LAST
) = 1;
