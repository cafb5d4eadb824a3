#!/usr/bin/python3
"""Reference values for lib/validation/drift.ts (PSI, KL, KS statistic and asymptotic p-value).

Independent numpy/scipy implementation of the conventions stated in drift.ts: quantile edges
np.quantile(ref, i/bins) (linear, numpy default) or equal-width edges over the reference range,
duplicates merged, right-closed bins via np.searchsorted(edges, x, side="left"), proportions
floored at epsilon then renormalised; PSI = sum (c - r) ln(c / r); KL = scipy.stats.entropy(c, r);
KS = scipy.stats.ks_2samp(ref, cur).statistic; p-value = scipy.stats.kstwobign.sf(sqrt(en) D).
Run from the repo root: /usr/bin/python3 tests/reference/validation_drift.py
Writes tests/fixtures/validation/drift_reference.json.
"""
import json
import numpy as np
import scipy
from scipy import stats


def edges_of(ref, bins, binning):
    if binning == "quantile":
        e = np.quantile(ref, [i / bins for i in range(1, bins)])
    else:
        e = ref.min() + (ref.max() - ref.min()) * np.arange(1, bins) / bins
    out = []
    for v in e:
        if not out or v > out[-1]:
            out.append(float(v))
    return np.array(out)


def props(x, edges, eps):
    idx = np.searchsorted(edges, x, side="left")
    c = np.bincount(idx, minlength=len(edges) + 1) / len(x)
    c = np.maximum(c, eps)
    return c / c.sum()


rng = np.random.default_rng(99)
cases = []
for name, ref, cur, bins, binning, eps in [
    ("normal_shift_0.3", rng.normal(0, 1, 1000), rng.normal(0.3, 1, 800), 10, "quantile", 1e-4),
    ("normal_same", rng.normal(0, 1, 1000), rng.normal(0, 1, 1000), 10, "quantile", 1e-4),
    ("scale_change_uniform", rng.normal(0, 1, 600), rng.normal(0, 2, 700), 8, "uniform", 1e-4),
    ("discrete_ties", rng.integers(0, 5, 500).astype(float), rng.integers(1, 7, 400).astype(float),
     10, "quantile", 1e-3),
]:
    e = edges_of(ref, bins, binning)
    r, c = props(ref, e, eps), props(cur, e, eps)
    d = stats.ks_2samp(ref, cur).statistic
    en = len(ref) * len(cur) / (len(ref) + len(cur))
    cases.append({"name": name, "reference": ref.tolist(), "current": cur.tolist(), "bins": bins,
                  "binning": binning, "epsilon": eps, "edges": e.tolist(),
                  "ref_props": r.tolist(), "cur_props": c.tolist(),
                  "psi": float(np.sum((c - r) * np.log(c / r))),
                  "kl": float(stats.entropy(c, r)), "ks": float(d),
                  "ks_pvalue": float(stats.kstwobign.sf(np.sqrt(en) * d))})
    print(name, cases[-1]["psi"], cases[-1]["kl"], d, cases[-1]["ks_pvalue"])

sf = [{"x": x, "sf": float(stats.kstwobign.sf(x))} for x in [0.2, 0.5, 0.8, 1.0, 1.17, 1.19, 1.5, 2.0, 3.0]]
with open("tests/fixtures/validation/drift_reference.json", "w") as f:
    json.dump({"tool": f"numpy {np.__version__}, scipy {scipy.__version__}", "cases": cases,
               "kolmogorov_sf": sf}, f)
