"""statsmodels' yearly sunspots series as a CSV, for the ingest-file calendar-range tests.

Run from the repository root with the Debian python (statsmodels 0.13.5, pandas 1.5.3):

    /usr/bin/python3 tests/reference/user_files_sunspots.py

- sunspots_yearly.csv: sm.datasets.sunspots.load_pandas().data.to_csv(index=False): header
  "YEAR,SUNACTIVITY", years 1700.0..2008.0 (309 rows, decimal years), the file a new-user trial
  ingested with --time-format decimal-year.
- sunspots_known_at.csv: the expected known_at of a few years with calendar nyse, from zoneinfo
  (the period end of a year before the calendar: midnight of the next 1 January in
  America/New_York) and the NYSE's 15:00 close of the 1920s (last session of 1926: Fri 31 Dec).
"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import statsmodels.api as sm

out = "tests/fixtures/user_files/"
sm.datasets.sunspots.load_pandas().data.to_csv(out + "sunspots_yearly.csv", index=False)
ny = ZoneInfo("America/New_York")
rows = ["year,known_at"]
for y in (1700, 1701, 1925):
    end = datetime(y + 1, 1, 1, tzinfo=ny).astimezone(timezone.utc)
    rows.append(f"{y},{end.strftime('%Y-%m-%dT%H:%M:%S.000Z')}")
close = datetime(1926, 12, 31, 15, 0, tzinfo=ny).astimezone(timezone.utc)
rows.append(f"1926,{close.strftime('%Y-%m-%dT%H:%M:%S.000Z')}")
with open(out + "sunspots_known_at.csv", "w") as f:
    f.write("\n".join(rows) + "\n")
