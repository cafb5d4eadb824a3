"""Independent buy-and-hold total return of a daily bar file (pandas), the reference for
tests/backtest/backtest_task_test.ts.

Convention (the workbench's `buy_and_hold` benchmark with zero costs, stated here independently):
- cash C0 = 1,000,000 in the file's currency; one symbol; weight 1;
- the decision is taken at the close of the FIRST bar; the order fills at the OPEN of the
  SECOND bar (the next bar: nothing fills at the price that made the decision), sized at that
  fill price: shares = floor(C0 / open[1]) (whole shares; a notional order for C0, so the
  position never costs more than the cash); zero commission, spread, impact and borrow; no
  dividends or splits (the ttrc file has none and the lake holds no corporate actions for it);
- the position is held to the last bar and marked at its close:
  equity_end = C0 - shares * open[1] + shares * close[-1];
- total return = equity_end / C0 - 1.

Usage: /usr/bin/python3 tests/reference/backtest_buy_and_hold.py \
         tests/fixtures/user_files/ttrc_daily.csv > tests/fixtures/backtest/buy_and_hold_ttrc.json
"""
import json
import math
import sys

import pandas as pd

C0 = 1_000_000.0


def main(path: str) -> None:
    df = pd.read_csv(path)
    df = df.sort_values("Date").reset_index(drop=True)
    close0 = float(df["Close"].iloc[0])
    fill = float(df["Open"].iloc[1])
    shares = math.floor(C0 / fill)
    last = float(df["Close"].iloc[-1])
    equity_end = C0 - shares * fill + shares * last
    out = {
        "input": path,
        "rows": int(len(df)),
        "first_date": str(df["Date"].iloc[0]),
        "last_date": str(df["Date"].iloc[-1]),
        "initial_cash": C0,
        "first_close": close0,
        "shares": shares,
        "fill_price": fill,
        "last_close": last,
        "equity_end": equity_end,
        "total_return": equity_end / C0 - 1.0,
        "pandas": pd.__version__,
        "python": sys.version.split()[0],
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/user_files/ttrc_daily.csv")
