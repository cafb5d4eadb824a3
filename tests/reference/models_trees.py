"""Reference scores for lib/models/trees.ts from scikit-learn's tree ensembles.

Run: /usr/bin/python3 tests/reference/models_trees.py
Writes tests/fixtures/models/trees_reference.json: a seeded regression and a seeded binary
classification data set (train and test rows) and scikit-learn's test R^2 / accuracy for
HistGradientBoosting and RandomForest with the hyperparameters recorded next to each score.
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.metrics import accuracy_score, r2_score

rng = np.random.default_rng(7)
n_train, n_test, p = 3000, 2000, 8
X = rng.normal(size=(n_train + n_test, p))
f = np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] + 0.5 * (X[:, 3] > 0.3) + 0.2 * X[:, 4] ** 2
y_reg = f + 0.3 * rng.normal(size=len(f))
y_cls = (f + 0.5 * rng.normal(size=len(f)) > np.median(f)).astype(float)
tr, te = slice(0, n_train), slice(n_train, None)

gbt_params = dict(learning_rate=0.1, max_iter=200, max_leaf_nodes=31, min_samples_leaf=20,
                  l2_regularization=0.0, max_bins=255, early_stopping=False, random_state=0)
rf_params = dict(n_estimators=100, min_samples_leaf=5, max_features=0.5, bootstrap=True,
                 random_state=0, n_jobs=2)
scores = {}
m = HistGradientBoostingRegressor(**gbt_params).fit(X[tr], y_reg[tr])
scores["gbt_regression_r2"] = r2_score(y_reg[te], m.predict(X[te]))
m = HistGradientBoostingClassifier(**gbt_params).fit(X[tr], y_cls[tr])
scores["gbt_binary_accuracy"] = accuracy_score(y_cls[te], m.predict(X[te]))
m = RandomForestRegressor(oob_score=True, **rf_params).fit(X[tr], y_reg[tr])
scores["rf_regression_r2"] = r2_score(y_reg[te], m.predict(X[te]))
scores["rf_regression_oob_r2"] = m.oob_score_
m = RandomForestClassifier(oob_score=True, **rf_params).fit(X[tr], y_cls[tr])
scores["rf_binary_accuracy"] = accuracy_score(y_cls[te], m.predict(X[te]))
scores["rf_binary_oob_accuracy"] = m.oob_score_

out = {
    "tool": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}",
    "gbt_params": gbt_params, "rf_params": rf_params,
    "n_train": n_train, "n_test": n_test,
    "x_rows": np.round(X, 12).tolist(), "y_reg": np.round(y_reg, 12).tolist(), "y_cls": y_cls.tolist(),
    "scores": scores,
}
path = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "models" / "trees_reference.json"
path.write_text(json.dumps(out, separators=(",", ":")) + "\n")
print(json.dumps(scores, indent=1))
