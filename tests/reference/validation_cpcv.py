#!/usr/bin/python3
"""Reference CPCV train sets for lib/validation/cpcv.ts, from Lopez de Prado's purging code.

Purging follows `getTrainTimes` of Advances in Financial Machine Learning (2018), snippet 7.1,
in pandas: a training label is dropped when it starts within a test block, ends within it, or
envelops it. The embargo extends each test block's end by `embargo` time units (the book's
snippet 7.2 applies it to the test times the same way). Groups are np.array_split of the sample
indices; splits are itertools.combinations of the groups in lexicographic order; each test group
is its own block [t0 of its first sample, max t1 of the group].
Run from the repo root: /usr/bin/python3 tests/reference/validation_cpcv.py
Writes tests/fixtures/validation/cpcv_reference.json.
"""
import itertools
import json
import numpy as np
import pandas as pd


def get_train_times(t1, test_times):
    trn = t1.copy(deep=True)
    for i, j in test_times.items():
        df0 = trn[(i <= trn.index) & (trn.index <= j)].index
        df1 = trn[(i <= trn) & (trn <= j)].index
        df2 = trn[(trn.index <= i) & (j <= trn)].index
        trn = trn.drop(df0.union(df1).union(df2))
    return trn


rng = np.random.default_rng(31)
cases = []
for name, n, groups, k, embargo in [("n240_N6_k2_emb3", 240, 6, 2, 3.0),
                                    ("n157_N5_k3_emb0", 157, 5, 3, 0.0)]:
    t0 = np.cumsum(rng.exponential(1.0, n))
    t1 = t0 + rng.exponential(2.5, n)
    # unique t0 as the pandas index (as in the book); positions recovered below
    s = pd.Series(t1, index=t0)
    bounds = np.array_split(np.arange(n), groups)
    splits = []
    for combo in itertools.combinations(range(groups), k):
        tests = pd.Series({t0[bounds[g][0]]: t1[bounds[g]].max() + embargo for g in combo})
        train_groups = [g for g in range(groups) if g not in combo]
        cand = s.iloc[np.concatenate([bounds[g] for g in train_groups])]
        trn = get_train_times(cand, tests)
        pos = np.searchsorted(t0, trn.index.values)
        splits.append({"test_groups": list(combo), "train": sorted(int(p) for p in pos)})
    cases.append({"name": name, "groups": groups, "test_groups": k, "embargo": embargo,
                  "t0": t0.tolist(), "t1": t1.tolist(), "splits": splits})
    print(name, len(splits), "splits; train sizes", [len(x["train"]) for x in splits][:6])

with open("tests/fixtures/validation/cpcv_reference.json", "w") as f:
    json.dump({"tool": f"numpy {np.__version__}, pandas {pd.__version__}", "cases": cases}, f)
