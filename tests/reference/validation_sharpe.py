#!/usr/bin/python3
"""Reference values for lib/validation/sharpe.ts (Sharpe, moments, PSR, MinTRL, E[max SR], DSR).

Independent implementation with numpy/scipy (Debian python3-scipy). Run from the repo root:
    /usr/bin/python3 tests/reference/validation_sharpe.py
Writes tests/fixtures/validation/sharpe_reference.json.
"""
import json
import numpy as np
import scipy
from scipy import integrate, stats
from scipy.stats import norm

G = np.euler_gamma
rng = np.random.default_rng(20261121)

series = []
for name, x in [
    ("normal_250", rng.normal(0.0005, 0.01, 250)),
    ("student_t4_500", 0.01 * rng.standard_t(4, 500) + 0.0003),
    ("skewed_lognormal_120", rng.lognormal(0.0, 0.5, 120) - 1.1),
]:
    series.append({
        "name": name,
        "returns": [float(v) for v in x],
        "sharpe": float(np.mean(x) / np.std(x, ddof=1)),
        "sharpe_ann_252": float(np.mean(x) / np.std(x, ddof=1) * np.sqrt(252)),
        "skew": float(stats.skew(x, bias=True)),
        "kurtosis": float(stats.kurtosis(x, fisher=False, bias=True)),
    })

psr = []
for sr, t, sk, k, bench in [
    (0.1, 252, 0.0, 3.0, 0.0),
    (0.1, 252, -0.5, 5.0, 0.0),
    (0.05, 1000, -1.0, 8.0, 0.02),
    (0.2, 60, 0.3, 4.0, 0.1),
    (-0.05, 500, 0.0, 3.0, 0.0),
]:
    v = 1 - sk * sr + (k - 1) / 4 * sr ** 2
    psr.append({"sr": sr, "observations": t, "skew": sk, "kurtosis": k, "benchmark": bench,
                "psr": float(norm.cdf((sr - bench) * np.sqrt(t - 1) / np.sqrt(v))),
                "se": float(np.sqrt(v / (t - 1)))})

mintrl = []
for sr, bench, sk, k, conf in [
    (0.1, 0.0, 0.0, 3.0, 0.95),
    (0.1, 0.0, -0.5, 5.0, 0.95),
    (0.05, 0.02, -1.0, 8.0, 0.99),
    (0.2, 0.1, 0.3, 4.0, 0.9),
]:
    v = 1 - sk * sr + (k - 1) / 4 * sr ** 2
    mintrl.append({"sr": sr, "benchmark": bench, "skew": sk, "kurtosis": k, "confidence": conf,
                   "mintrl": float(1 + v * (norm.ppf(conf) / (sr - bench)) ** 2)})


def exact_expected_max(n):
    # E[max of n iid N(0,1)] = integral x * n * phi(x) * Phi(x)^(n-1) dx
    f = lambda x: x * n * norm.pdf(x) * norm.cdf(x) ** (n - 1)
    return integrate.quad(f, -12, 12, epsabs=1e-13, epsrel=1e-13, limit=200)[0]


emax = []
for n in [2, 3, 5, 10, 20, 50, 100, 1000]:
    emax.append({"trials": n,
                 "formula": float((1 - G) * norm.ppf(1 - 1 / n) + G * norm.ppf(1 - 1 / (n * np.e))),
                 "exact": float(exact_expected_max(n))})

# Bailey & Lopez de Prado (2014), worked example: annualised SR 2.5, V = 0.5 annualised,
# N = 100, T = 1250 daily observations (5 years of 250 days), skew -3, raw kurtosis 10.
ppy = 250
sr = 2.5 / np.sqrt(ppy)
V = 0.5 / ppy
sr0 = np.sqrt(V) * ((1 - G) * norm.ppf(1 - 1 / 100) + G * norm.ppf(1 - 1 / (100 * np.e)))
z = (sr - sr0) * np.sqrt(1250 - 1) / np.sqrt(1 + 3 * sr + (10 - 1) / 4 * sr ** 2)
dsr_example = {"periods_per_year": ppy, "sr": sr, "sr_variance": V, "trials": 100,
               "observations": 1250, "skew": -3.0, "kurtosis": 10.0,
               "sr0": float(sr0), "dsr": float(norm.cdf(z)), "paper_dsr": 0.9004}

out = {"tool": f"numpy {np.__version__}, scipy {scipy.__version__}", "series": series,
       "psr": psr, "mintrl": mintrl, "expected_max": emax, "dsr_example": dsr_example}
with open("tests/fixtures/validation/sharpe_reference.json", "w") as f:
    json.dump(out, f, indent=1)
print("dsr example", dsr_example["dsr"], "sr0", sr0)
