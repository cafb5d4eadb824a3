"""XGBoost 1.7 hist reference for the workbench's gradient boosting (tests/models/gbt_xgboost_test.ts).

Data with fewer distinct values per feature than max_bin, so XGBoost's quantile sketch keeps
every distinct value as a cut and both learners search the same candidate splits: 400 rows,
3 features rounded to 1-2 decimals (many tied values), y = step + product + noise. XGBoost
`tree_method="hist"`, depth-wise max_depth 3, eta 0.3, lambda 1, min_child_weight 15,
base_score = mean(y), 4 rounds. Recorded per tree, per node: split feature, XGBoost's split
value (go left when x < value), gain (loss_chg), cover, leaf values; and the predictions on the
training rows after 1 and 4 rounds.

Run: /usr/bin/python3 tests/reference/models_gbt_xgboost.py > tests/fixtures/models/gbt_xgboost_reference.json
"""
import json
import sys

import numpy as np
import xgboost as xgb

rng = np.random.default_rng(20261207)
n = 400
a = np.round(rng.normal(size=n), 1)  # ~60 distinct values, heavy ties
b = np.round(rng.uniform(-1, 1, size=n), 2)
c = np.round(rng.normal(size=n), 1)
y = np.where(a > 0.25, 1.0, 0.0) + a * b + 0.2 * c + 0.1 * np.round(rng.normal(size=n), 3)
X = np.column_stack([a, b, c])
params = {"tree_method": "hist", "max_depth": 3, "eta": 0.3, "lambda": 1, "alpha": 0, "gamma": 0,
          "min_child_weight": 15, "max_bin": 255, "base_score": float(np.mean(y)),
          "objective": "reg:squarederror", "nthread": 1}
d = xgb.DMatrix(X, label=y, nthread=1)
booster = xgb.train(params, d, num_boost_round=4)
trees = [json.loads(t) for t in booster.get_dump(with_stats=True, dump_format="json")]
for t in X.T:
    assert len(np.unique(t)) < 255


def walk(node, out):
    if "leaf" in node:
        out.append({"leaf": node["leaf"], "cover": node["cover"]})
        return
    out.append({"feature": int(node["split"][1:]), "value": node["split_condition"],
                "gain": node["gain"], "cover": node["cover"]})
    for ch in node["children"]:
        walk(ch, out)


json.dump({
    "tool": f"xgboost {xgb.__version__}, numpy {np.__version__}",
    "params": params,
    "rounds": 4,
    "x": X.tolist(),
    "y": y.tolist(),
    "trees_preorder": [(lambda o: (walk(t, o), o)[1])([]) for t in trees],
    "pred_1": booster.predict(d, iteration_range=(0, 1)).tolist(),
    "pred_4": booster.predict(d).tolist(),
}, sys.stdout, indent=None)
sys.stdout.write("\n")
