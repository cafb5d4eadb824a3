"""Reference values for lib/portfolio/covariance.ts (Ledoit-Wolf, sample covariance).

Run: /usr/bin/python3 tests/reference/ledoit_wolf_reference.py > tests/fixtures/portfolio/ledoit_wolf.json
"""
import json

import numpy as np
import sklearn
from sklearn.covariance import LedoitWolf

rng = np.random.default_rng(20260101)
cases = []
for t, n in [(60, 5), (8, 6)]:
    f = rng.normal(0, 0.01, size=(t, 1))
    x = f * rng.uniform(0.5, 1.5, size=(1, n)) + rng.normal(0, 0.02, size=(t, n))
    lw = LedoitWolf(assume_centered=False).fit(x)
    cases.append({
        "t": t, "n": n, "returns": x.ravel().tolist(),
        "shrinkage": float(lw.shrinkage_), "cov": lw.covariance_.ravel().tolist(),
        "sample_cov_ddof1": np.cov(x, rowvar=False, ddof=1).ravel().tolist(),
    })
print(json.dumps({"tool": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}",
                  "cases": cases}))
