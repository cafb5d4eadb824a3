"""Wide price files as pandas writes them with its default index, for the ingest-file tests.

Run from the repository root with the Debian python (pandas 1.5.3):

    /usr/bin/python3 tests/reference/user_files_pandas_index.py

- pandas_wide_index.csv: df.to_csv(path): header ",date,AAPL,MSFT", first column 0..n-1.
- pandas_wide_unnamed.csv: that file read back and written with index=False: the index became
  a column "Unnamed: 0".
- pandas_wide_date_index.csv: the dates as an unnamed index (set_index then index.name = None):
  header ",AAPL,MSFT", the dates in the unnamed first column.
Closes: hand-typed values (AAPL, MSFT closes of the first four NYSE sessions of 2024).
"""
import pandas as pd

out = "tests/fixtures/user_files/"
df = pd.DataFrame({
    "date": ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"],
    "AAPL": [185.64, 184.25, 181.91, 181.18],
    "MSFT": [370.87, 370.6, 367.94, 367.75],
})
df.to_csv(out + "pandas_wide_index.csv")
pd.read_csv(out + "pandas_wide_index.csv").to_csv(out + "pandas_wide_unnamed.csv", index=False)
d = df.set_index("date")
d.index.name = None
d.to_csv(out + "pandas_wide_date_index.csv")
