"""Fixtures for tests/ingest/user_file_trial6_test.ts (trial-6 finding A).

- nysesw_weekly_logret_pct.csv: the first 120 rows of trial 5's NYSE weekly log returns
  (AER::NYSESW, /work/notes/trial5/data/nysesw_weekly_logret.csv) times 100 (percent).
- smallcap_netret.csv: trial 5's SMALLCAP cumulative net values (level / first level - 1), copied.
- ingest_trial6.json: the NYSE index level pandas cumulates from the percent log returns,
  100 * exp(cumsum(r / 100)), at the last row.
Usage: /usr/bin/python3 tests/reference/ingest_trial6.py /work/notes/trial5/data
"""
import json
import shutil
import sys

import numpy as np
import pandas as pd

src = sys.argv[1]
out = "tests/fixtures/trial6"
lr = pd.read_csv(f"{src}/nysesw_weekly_logret.csv").head(120)
pct = lr.copy()
pct["NYSE"] = 100 * lr["NYSE"]
pct.to_csv(f"{out}/nysesw_weekly_logret_pct.csv", index=False, float_format="%.15g")
back = pd.read_csv(f"{out}/nysesw_weekly_logret_pct.csv")
level = 100 * np.exp((back["NYSE"] / 100).cumsum())
shutil.copy(f"{src}/smallcap_netret.csv", f"{out}/smallcap_netret.csv")
json.dump(
    {
        "nyse_pct_rows": int(len(back)),
        "nyse_pct_last_date": str(back["Index"].iloc[-1]),
        "nyse_pct_last_level": float(level.iloc[-1]),
    },
    open(f"{out}/ingest_trial6.json", "w"),
    indent=1,
)
