"""Reference for CAGR over calendar time and the missing-week count (lib/report metrics.ts `cagr`,
data_gaps.ts `panelGaps`; tests/report/cagr_calendar_test.ts).

Data: statsmodels' co2 dataset (weekly Mauna Loa CO2, 1958-03-29 .. 2001-12-29, Saturdays; 59
weeks without a value), written with `statsmodels.datasets.co2.load_pandas().data.to_csv()`.
The series itself is taken as an equity curve. Each row is stamped with its ISO week's Monday
(as ingest-file --freq week does). CAGR = (V_last / V_first)^(365.25 / days) - 1 with days the
calendar span between the first and last Monday; also the old row-count figure
(V_last / V_first)^(52 / (rows - 1)) - 1. Missing weeks: pandas weekly periods (W-SUN, Monday to
Sunday) from the first to the last row without a value.

Run: /usr/bin/python3 tests/reference/report_cagr_calendar.py > tests/fixtures/report/co2_cagr.json
"""
import json
import sys
from pathlib import Path

import pandas as pd

here = Path(__file__).resolve().parent
df = pd.read_csv(here.parent / "fixtures" / "report" / "co2_weekly.csv", index_col=0, parse_dates=True)
s = df["co2"].dropna()
monday = s.index - pd.to_timedelta(s.index.weekday, unit="D")
days = (monday[-1] - monday[0]).days
growth = s.iloc[-1] / s.iloc[0]
weeks = pd.period_range(s.index[0], s.index[-1], freq="W-SUN")
have = set(s.index.to_period("W-SUN"))
missing = [p.start_time.strftime("%Y-%m-%d") for p in weeks if p not in have]
json.dump({
    "rows": int(len(s)),
    "first_monday": monday[0].strftime("%Y-%m-%d"),
    "last_monday": monday[-1].strftime("%Y-%m-%d"),
    "span_days": int(days),
    "growth": float(growth),
    "cagr_calendar": float(growth ** (365.25 / days) - 1),
    "cagr_rows_52": float(growth ** (52 / (len(s) - 1)) - 1),
    "missing_weeks": len(missing),
    "missing_first": missing[:5],
    "tools": {"python": sys.version.split()[0], "pandas": pd.__version__},
}, sys.stdout, indent=1)
print()
