"""Independent pandas replication of the backtest engine's financing rules (no workbench code).

1. Two-symbol buy and hold over symbols that start and end at different dates (long_bars.csv:
   TTRC 1985-2006, MSFT 2000-09-27..2001-09-27), no costs, 1,000,000 start:
   - each symbol is decided at its first close and bought at the next row's open of the panel
     (the union of both symbols' dates) with floor(0.5 x equity at the previous close / open)
     whole shares, cut to floor(cash / open) when the cash is smaller (no borrowing);
   - a symbol whose data ends before the panel's is sold at its last close (data end);
   - equity = cash + shares x last close of each symbol, at every panel row.
2. ma_cross 10/50 long-only on ttrc.csv (raw closes), no costs: state 1 while SMA10 > SMA50,
   0 while SMA10 < SMA50 (equal keeps the state); a change at the close of day t trades at the
   open of day t+1: buy floor(cash / open) whole shares, or sell all.

Writes tests/fixtures/backtest/financed_reference.json.
Run: /usr/bin/python3 tests/reference/backtest_financed.py \
  tests/fixtures/backtest/long_bars.csv tests/fixtures/user_files/ttrc_daily.csv
"""
import json
import sys

import numpy as np
import pandas as pd

long_bars_csv, ttrc_csv = sys.argv[1], sys.argv[2]
out = {}

# 1. buy and hold over different spans
lb = pd.read_csv(long_bars_csv, parse_dates=["Date"])
opens = lb.pivot(index="Date", columns="Symbol", values="Open").sort_index()
closes = lb.pivot(index="Date", columns="Symbol", values="Close").sort_index()
syms = list(closes.columns)
cash = 1e6
shares = {s: 0.0 for s in syms}
last = {s: np.nan for s in syms}
first = {s: closes[s].first_valid_index() for s in syms}
lastd = {s: closes[s].last_valid_index() for s in syms}
pending = set()
equity = []
fills = []
prev_eq = cash
for d in closes.index:
    for s in sorted(pending):
        o = opens.at[d, s]
        if not (o > 0):
            continue
        want = np.floor(0.5 * prev_eq / o)
        q = min(want, np.floor(cash / o))
        cash -= q * o
        shares[s] += q
        fills.append({"date": str(d.date()), "symbol": s, "qty": q, "price": o, "scaled": bool(q < want)})
        pending.discard(s)
    for s in syms:
        c = closes.at[d, s]
        if c > 0:
            last[s] = c
    for s in syms:
        if d == lastd[s] and d != closes.index[-1] and shares[s] != 0:
            cash += shares[s] * last[s]
            fills.append({"date": str(d.date()), "symbol": s, "qty": -shares[s], "price": last[s], "scaled": False})
            shares[s] = 0.0
    eq = cash + sum(shares[s] * last[s] for s in syms if shares[s] != 0)
    equity.append(eq)
    prev_eq = eq
    for s in syms:
        if d == first[s]:
            pending.add(s)
eq = pd.Series(equity, index=closes.index)
out["long_bh"] = {
    "rows": len(eq),
    "final_equity": float(eq.iloc[-1]),
    "total_return": float(eq.iloc[-1] / 1e6 - 1),
    "max_drawdown": float((1 - eq / eq.cummax()).max()),
    "min_cash_nonnegative": True,
    "fills": fills,
}

# 2. ma_cross 10/50 on TTRC
df = pd.read_csv(ttrc_csv, parse_dates=["Date"]).set_index("Date")
c, o = df.Close, df.Open
f, s_ = c.rolling(10).mean(), c.rolling(50).mean()
state = pd.Series(np.where(f > s_, 1.0, np.where(f < s_, 0.0, np.nan)), index=c.index).ffill().fillna(0)
cash, sh, n, eqs = 1e6, 0.0, 0, []
for i in range(len(c)):
    if i > 0 and state.iloc[i - 1] != (1 if sh > 0 else 0):
        if state.iloc[i - 1] == 1:
            q = np.floor(cash / o.iloc[i])
            cash -= q * o.iloc[i]
            sh += q
        else:
            cash += sh * o.iloc[i]
            sh = 0.0
        n += 1
    eqs.append(cash + sh * c.iloc[i])
e = pd.Series(eqs, index=c.index)
out["ttrc_ma_10_50"] = {
    "fills": n,
    "final_equity": float(e.iloc[-1]),
    "total_return": float(e.iloc[-1] / 1e6 - 1),
    "max_drawdown": float((1 - e / e.cummax()).max()),
}
json.dump(out, open("tests/fixtures/backtest/financed_reference.json", "w"), indent=1)
print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "fills"} for k, v in out.items()}, indent=1))
print(out["long_bh"]["fills"])
