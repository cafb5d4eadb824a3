"""Independent expectations for tests/ingest/user_file_trial5_test.ts (pandas, no workbench code).

- Row counts of the header-less R write.zoo files read with header=None (the full trial files
  and the samples in tests/fixtures/trial5/).
- The smallcap sample as simple returns in percent (pct_change * 100, first row dropped) and the
  index level of MARKET at the last row when those percent returns are cumulated from base 100:
  100 * (1 + r/100).cumprod().

Run: /usr/bin/python3 tests/reference/ingest_trial5.py /work/notes/trial5/data
"""
import json
import sys

import pandas as pd

FIX = "tests/fixtures/trial5"
out = {"pandas": pd.__version__}
full = sys.argv[1] if len(sys.argv) > 1 else None
for name in ["msci_ch", "djia8012"]:
    s = pd.read_csv(f"{FIX}/{name}_head.csv", header=None)
    out[f"{name}_head_rows"] = len(s)
    out[f"{name}_head_first"] = [str(s.iloc[0, 0]), float(s.iloc[0, 1])]
    if full:
        f = pd.read_csv(f"{full}/{name}.csv", header=None)
        out[f"{name}_full_rows"] = len(f)
sc = pd.read_csv(f"{FIX}/smallcap_head.csv", index_col=0)
pct = (sc.pct_change().iloc[1:] * 100)
pct.index.name = "date"
pct.to_csv(f"{FIX}/smallcap_pct_returns_head.csv")
r = pd.read_csv(f"{FIX}/smallcap_pct_returns_head.csv", index_col=0)["MARKET"]
lvl = 100 * (1 + r / 100).cumprod()
out["smallcap_pct_rows"] = len(r)
out["smallcap_pct_market_last_level"] = float(lvl.iloc[-1])
out["smallcap_pct_market_last_date"] = str(lvl.index[-1])
g = pd.read_csv(f"{FIX}/gold_head.csv")
out["gold_head_rows"] = len(g)
out["gold_head_nonblank"] = int(g["gold"].notna().sum())
json.dump(out, open(f"{FIX}/ingest_trial5.json", "w"), indent=1)
print(json.dumps(out, indent=1))
