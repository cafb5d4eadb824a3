"""Reference coefficients for lib/models/linear.ts from scikit-learn.

Run: /usr/bin/python3 tests/reference/models_linear.py
Writes tests/fixtures/models/linear_reference.json (inputs and scikit-learn's coefficients).
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(20261121)
n, p = 200, 5
base = rng.normal(size=(n, p))
# correlated, differently scaled columns so standardisation and conditioning matter
X = base.copy()
X[:, 1] = 0.8 * base[:, 0] + 0.6 * base[:, 1]
X[:, 2] = 50.0 + 10.0 * base[:, 2]
X[:, 3] = 0.01 * base[:, 3]
beta = np.array([0.5, -1.0, 0.05, 40.0, 0.0])
y_reg = X @ beta + 2.0 + 0.3 * rng.normal(size=n)
eta = (X - X.mean(0)) / X.std(0) @ np.array([1.0, -0.7, 0.4, 0.8, 0.0]) - 0.3
y_cls = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
w = rng.uniform(0.2, 3.0, size=n)

cases = []

r = Ridge(alpha=1.5, fit_intercept=True, solver="cholesky").fit(X, y_reg, sample_weight=w)
cases.append({"name": "ridge_weighted_raw", "kind": "ridge", "alpha": 1.5, "weighted": True,
              "standardize": False, "coef": r.coef_.tolist(), "intercept": float(r.intercept_)})

r = Ridge(alpha=0.0, fit_intercept=True, solver="cholesky").fit(X, y_reg)
cases.append({"name": "ols_unweighted_raw", "kind": "ridge", "alpha": 0.0, "weighted": False,
              "standardize": False, "coef": r.coef_.tolist(), "intercept": float(r.intercept_)})

sc = StandardScaler().fit(X, sample_weight=w)
r = Ridge(alpha=0.7, fit_intercept=True, solver="cholesky").fit(sc.transform(X), y_reg, sample_weight=w)
cases.append({"name": "ridge_weighted_standardized", "kind": "ridge", "alpha": 0.7, "weighted": True,
              "standardize": True, "coef": r.coef_.tolist(), "intercept": float(r.intercept_),
              "scaler_mean": sc.mean_.tolist(), "scaler_scale": sc.scale_.tolist()})

lr = LogisticRegression(C=0.5, solver="newton-cholesky", tol=1e-14, max_iter=1000).fit(
    X, y_cls, sample_weight=w)
cases.append({"name": "logistic_weighted_raw", "kind": "logistic", "l2": 2.0, "weighted": True,
              "standardize": False, "coef": lr.coef_[0].tolist(), "intercept": float(lr.intercept_[0])})

sc2 = StandardScaler().fit(X)
lr = LogisticRegression(C=2.0, solver="newton-cholesky", tol=1e-14, max_iter=1000).fit(
    sc2.transform(X), y_cls)
cases.append({"name": "logistic_unweighted_standardized", "kind": "logistic", "l2": 0.5,
              "weighted": False, "standardize": True, "coef": lr.coef_[0].tolist(),
              "intercept": float(lr.intercept_[0]),
              "scaler_mean": sc2.mean_.tolist(), "scaler_scale": sc2.scale_.tolist()})

out = {
    "tool": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}",
    "x_rows": X.tolist(), "y_reg": y_reg.tolist(), "y_cls": y_cls.tolist(), "weights": w.tolist(),
    "cases": cases,
}
path = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "models" / "linear_reference.json"
path.write_text(json.dumps(out, indent=None, separators=(",", ":")) + "\n")
print(f"wrote {path}")
