"""Reference for the label-horizon Sharpe of lib/models/train.ts (tests/models/train_horizon_test.ts).

R's datasets::EuStockMarkets (1860 daily closes of DAX, SMI, CAC, FTSE, 1991-1998, written with
write.csv) -> an always-long equal-weight strategy on 5-session forward log returns
y_t = ln(C_{t+5} / C_t), on the rows the training export keeps (roc_20 needs 20 earlier closes:
t = 20 .. n - 6), evaluated on NON-OVERLAPPING periods t = 20, 25, 30, ... and annualised with
260 / 5 = 52 periods a year. Also prints the overlapping figure (every row, x sqrt(260)) that the
old code reported. Sharpe: mean / std (ddof 1); skew biased (scipy default); kurtosis raw (normal 3).

Run: /usr/bin/python3 tests/reference/models_horizon_sharpe.py > tests/fixtures/models/horizon_sharpe.json
"""
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

H = 5
FIRST = 20  # roc_20 warm-up
here = Path(__file__).resolve().parent
px = pd.read_csv(here.parent / "fixtures" / "models" / "eustockmarkets.csv")
c = px[["DAX", "SMI", "CAC", "FTSE"]].to_numpy(float)
n = len(c)
y = np.log(c[H:] / c[:-H])  # y[t] = ln(C[t+H]/C[t]), t = 0..n-H-1
ew = y.mean(axis=1)[FIRST:]  # labelled dates t = FIRST..n-H-1
non = ew[::H]
sr = non.mean() / non.std(ddof=1)
sr_over = ew.mean() / ew.std(ddof=1)
out = {
    "horizon": H,
    "labelled_dates": int(len(ew)),
    "evaluated_periods": int(len(non)),
    "periods_per_year": 260 / H,
    "returns": [float(v) for v in non],
    "sharpe": float(sr),
    "sharpe_annualised": float(sr * np.sqrt(260 / H)),
    "skew": float(stats.skew(non)),
    "kurtosis": float(stats.kurtosis(non, fisher=False)),
    "overlapping_sharpe_annualised_x_sqrt260": float(sr_over * np.sqrt(260)),
    "tools": {"python": sys.version.split()[0], "numpy": np.__version__, "pandas": pd.__version__,
              "scipy": __import__("scipy").__version__},
}
json.dump(out, sys.stdout, indent=1)
print()
