#!/usr/bin/python3
"""Reference values for lib/validation/pbo.ts: CSCV probability of backtest overfitting.

An independent, deliberately naive implementation of Bailey, Borwein, Lopez de Prado & Zhu (2017)
with numpy and scipy: for every combination (itertools.combinations) it concatenates the
in-sample rows, computes Sharpe ratios with np.mean / np.std(ddof=1) on the raw rows, and ranks
the out-of-sample Sharpes with scipy.stats.rankdata (average ties). Partitions are
np.array_split of the rows (sizes differ by at most one, larger first).
Run from the repo root: /usr/bin/python3 tests/reference/validation_pbo.py
Writes tests/fixtures/validation/pbo_reference.json.
"""
import itertools
import json
import numpy as np
import scipy
from scipy.stats import rankdata


def cscv(m, s, metric="sharpe"):
    t, n = m.shape
    parts = np.array_split(np.arange(t), s)
    logits, sel, is_best, oos_best = [], [], [], []
    for combo in itertools.combinations(range(s), s // 2):
        is_idx = np.concatenate([parts[p] for p in combo])
        oos_idx = np.concatenate([parts[p] for p in range(s) if p not in combo])
        a, b = m[is_idx], m[oos_idx]
        if metric == "sharpe":
            is_m = a.mean(0) / a.std(0, ddof=1)
            oos_m = b.mean(0) / b.std(0, ddof=1)
        else:
            is_m, oos_m = a.mean(0), b.mean(0)
        best = int(np.argmax(is_m))
        w = rankdata(oos_m)[best] / (n + 1)
        logits.append(float(np.log(w / (1 - w))))
        sel.append(best)
        is_best.append(float(is_m[best]))
        oos_best.append(float(oos_m[best]))
    logits = np.array(logits)
    slope, intercept = np.polyfit(is_best, oos_best, 1)
    r2 = np.corrcoef(is_best, oos_best)[0, 1] ** 2
    return {"pbo": float(np.mean(logits <= 0)), "logits": logits.tolist(), "selected": sel,
            "in_sample": is_best, "out_of_sample": oos_best,
            "prob_loss": float(np.mean(np.array(oos_best) < 0)),
            "slope": float(slope), "intercept": float(intercept), "r2": float(r2)}


rng = np.random.default_rng(8)
cases = []
# pure noise, 8 trials, 203 periods (uneven partitions), S = 8
noise = rng.normal(0, 0.01, (203, 8))
cases.append({"name": "noise_203x8_s8", "partitions": 8, "metric": "sharpe", "matrix": noise})
# mixed: trial drifts from -0.002 to +0.002 per period, S = 6
drift = rng.normal(0, 0.01, (150, 6)) + np.linspace(-0.002, 0.002, 6)
cases.append({"name": "drift_150x6_s6", "partitions": 6, "metric": "sharpe", "matrix": drift})
cases.append({"name": "drift_150x6_s6_mean", "partitions": 6, "metric": "mean", "matrix": drift})

out = {"tool": f"numpy {np.__version__}, scipy {scipy.__version__}", "cases": []}
for c in cases:
    r = cscv(c["matrix"], c["partitions"], c["metric"])
    out["cases"].append({"name": c["name"], "partitions": c["partitions"], "metric": c["metric"],
                         "rows": int(c["matrix"].shape[0]), "cols": int(c["matrix"].shape[1]),
                         "values": c["matrix"].ravel().tolist(), **r})
    print(c["name"], "pbo", r["pbo"], "slope", r["slope"])
with open("tests/fixtures/validation/pbo_reference.json", "w") as f:
    json.dump(out, f)
