"""Reference index levels for ingest-file --from-returns (tests/ingest/user_file_returns_test.ts).

Input: tests/fixtures/ingest/lpp2005rec_excerpt.csv, the first 40 rows and columns Date, SBI,
SPI, SII of timeSeries::LPP2005REC (daily log returns of Swiss indices, R package timeSeries,
exported with write.csv by /work/notes/trial3/data/export3.R).
Convention: per symbol the level before the first return is BASE = 100; simple returns:
BASE * (1 + r).cumprod(); log returns: BASE * exp(r.cumsum()) (the same numbers read both ways).
Output: tests/fixtures/ingest/lpp2005rec_levels_reference.csv (Date, symbol, simple, log), 17
significant digits.

Run: /usr/bin/python3 tests/reference/from_returns_reference.py
"""
import pathlib

import numpy as np
import pandas as pd

HERE = pathlib.Path(__file__).resolve().parent.parent
BASE = 100.0
df = pd.read_csv(HERE / "fixtures/ingest/lpp2005rec_excerpt.csv")
rows = []
for sym in df.columns[1:]:
    r = df[sym].astype(float)
    simple = BASE * (1.0 + r).cumprod()
    log = BASE * np.exp(r.cumsum())
    for d, s, l in zip(df["Date"], simple, log):
        rows.append((d, sym, s, l))
out = pd.DataFrame(rows, columns=["Date", "symbol", "simple", "log"])
out.to_csv(HERE / "fixtures/ingest/lpp2005rec_levels_reference.csv", index=False, float_format="%.17g")
print(f"{len(out)} rows, pandas {pd.__version__}, numpy {np.__version__}")
