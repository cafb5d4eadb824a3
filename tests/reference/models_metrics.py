"""Reference values for lib/models/metrics.ts from scikit-learn.

Run: /usr/bin/python3 tests/reference/models_metrics.py
Writes tests/fixtures/models/metrics_reference.json.
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.metrics import accuracy_score, log_loss, r2_score, roc_auc_score

rng = np.random.default_rng(5)
n = 300
p = np.clip(rng.beta(2, 2, size=n), 0.001, 0.999)
p[:20] = np.round(p[:20], 1)  # ties for the AUC
y = (rng.uniform(size=n) < p).astype(float)
yr = rng.normal(size=n)
pr = 0.5 * yr + rng.normal(size=n)
prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
out = {
    "tool": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}",
    "y": y.tolist(), "p": p.tolist(), "y_reg": yr.tolist(), "p_reg": pr.tolist(),
    "auc": roc_auc_score(y, p), "log_loss": log_loss(y, p), "accuracy": accuracy_score(y, p > 0.5),
    "r2": r2_score(yr, pr), "calibration_observed": prob_true.tolist(),
    "calibration_predicted": prob_pred.tolist(),
}
path = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "models" / "metrics_reference.json"
path.write_text(json.dumps(out, separators=(",", ":")) + "\n")
print({k: v for k, v in out.items() if not isinstance(v, list)})
