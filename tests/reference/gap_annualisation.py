"""Reference for annualising per-bar figures over observed bars (lib/report metrics.ts
`observedPeriodsPerYear`, `summarizeBacktest` with `gaps`; tests/report/gap_annualisation_test.ts).

Simulation (numpy, seeded): 1,040 i.i.d. normal weekly simple returns (mean 0.002, sd 0.02) on a
regular grid of ISO weeks starting Monday 2000-01-03, compounded from 1,000,000. About 10% of the
weeks (not the first or the last) are dropped at random; a bar after a gap carries the return
compounded across it, so the observed equity curve is the full one at the kept weeks.

Figures from the observed curve (pandas pct_change, std ddof 1, empyrical conventions):
n = returns, G = weeks of the grid missing between the first and last kept week (counted from the
dates with pandas W-SUN periods, not from the drop mask), P = 52, P_eff = P * n / (n + G);
sharpe = mean / sd * sqrt(P_eff); vol = sd * sqrt(P_eff); sortino = mean / sqrt(mean(min(r, 0)^2))
* sqrt(P_eff); turnover not checked (no trades). Also the old one-period-per-bar figures (factor
P) and the full grid's Sharpe and vol (factor P, no gaps) for context.

Run: /usr/bin/python3 tests/reference/gap_annualisation.py
writes tests/fixtures/gap_annualisation.csv (date of the kept week's Monday, equity) and
tests/fixtures/gap_annualisation.json (figures).
"""
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

P = 52
SEED = 20240611
WEEKS = 1040
MU, SIGMA = 0.002, 0.02
DROP = 0.10

rng = np.random.default_rng(SEED)
r_full = rng.normal(MU, SIGMA, WEEKS)
dates = pd.date_range("2000-01-03", periods=WEEKS + 1, freq="W-MON")
equity_full = pd.Series(1_000_000 * np.concatenate([[1.0], np.cumprod(1 + r_full)]), index=dates)
keep = rng.random(WEEKS + 1) >= DROP
keep[0] = keep[-1] = True
obs = equity_full[keep]

# gaps from the dates alone: ISO weeks (Mon..Sun) between the first and last kept week with no bar
weeks = pd.period_range(obs.index[0], obs.index[-1], freq="W-SUN")
have = set(obs.index.to_period("W-SUN"))
G = sum(1 for p in weeks if p not in have)
r = obs.pct_change().dropna().to_numpy()
n = len(r)
assert G == int((~keep).sum()), "date count and drop mask disagree"
p_eff = P * n / (n + G)
m, sd = r.mean(), r.std(ddof=1)
dd = np.sqrt(np.mean(np.minimum(r, 0.0) ** 2))

here = Path(__file__).resolve().parent
fix = here.parent / "fixtures"
with open(fix / "gap_annualisation.csv", "w") as f:
    f.write("date,equity\n")
    for d, e in obs.items():
        f.write(f"{d.strftime('%Y-%m-%d')},{float(e)!r}\n")
out = {
    "periods_per_year": P,
    "seed": SEED,
    "grid_weeks": WEEKS,
    "bars": int(len(obs)),
    "returns": n,
    "missing_weeks": G,
    "missing_first": [p.start_time.strftime("%Y-%m-%d") for p in weeks if p not in have][:5],
    "p_eff": p_eff,
    "sharpe": float(m / sd * np.sqrt(p_eff)),
    "vol": float(sd * np.sqrt(p_eff)),
    "sortino": float(m / dd * np.sqrt(p_eff)),
    "sharpe_one_period_per_bar": float(m / sd * np.sqrt(P)),
    "vol_one_period_per_bar": float(sd * np.sqrt(P)),
    "full_grid_sharpe": float(r_full.mean() / r_full.std(ddof=1) * np.sqrt(P)),
    "full_grid_vol": float(r_full.std(ddof=1) * np.sqrt(P)),
    "tools": {"python": sys.version.split()[0], "numpy": np.__version__, "pandas": pd.__version__},
}
with open(fix / "gap_annualisation.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
