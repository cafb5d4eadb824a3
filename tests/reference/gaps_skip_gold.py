"""Reference for lib/features gaps "skip": forecast::gold (trial 5, 1108 weekday rows, 34 NA)
placed on the weekdays from 1985-01-01, its features over the observed bars (dropna().rolling).

Writes tests/fixtures/gaps_skip_gold_input.csv (date, gold; NA kept as empty) and
tests/fixtures/gaps_skip_gold_expected.csv (the observed bars with roc_5 = C_t/C_{t-5}-1,
vol_63 = sample std (ddof 1) of the last 63 log returns, reversal_21 = -ln(C_t/C_{t-21}),
fwd_5 = ln(C_{t+5}/C_t), all counted over observed bars). Run: /usr/bin/python3 tests/reference/gaps_skip_gold.py
"""
import numpy as np
import pandas as pd

raw = pd.read_csv("/work/notes/trial5/data/gold.csv")["gold"]
dates = pd.bdate_range("1985-01-01", periods=len(raw))
inp = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "gold": raw.values})
inp.to_csv("tests/fixtures/gaps_skip_gold_input.csv", index=False, na_rep="")
s = pd.Series(raw.values, index=inp["date"]).dropna()
lr = np.log(s).diff()
out = pd.DataFrame({
    "date": s.index,
    "close": s.values,
    "roc_5": (s / s.shift(5) - 1).values,
    "vol_63": lr.rolling(63).std(ddof=1).values,
    "reversal_21": (-np.log(s / s.shift(21))).values,
    "fwd_5": np.log(s.shift(-5) / s).values,
})
out.to_csv("tests/fixtures/gaps_skip_gold_expected.csv", index=False, float_format="%.17g", na_rep="")
print(len(inp), "input rows,", len(s), "observed;", "complete rows (roc_5, vol_63, reversal_21, fwd_5):",
      int(out[["roc_5", "vol_63", "reversal_21", "fwd_5"]].notna().all(axis=1).sum()))
