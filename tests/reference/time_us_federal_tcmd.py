"""Reference for lib/time/us_federal.ts and the tcmd/tcm check (tests/time/us_federal_test.ts).

Independent of the workbench: re-implements the US federal holiday rules (5 U.S.C. 6103 with its
history) with Python's datetime, counts business days per year, compares them with pandas'
USFederalHolidayCalendar, places R's tseries::tcmd (9574 daily rows, no dates) on the business
days from 1962-01-02 by row position and compares monthly means with tseries::tcm.

Run: /usr/bin/python3 tests/reference/time_us_federal_tcmd.py > tests/fixtures/us_federal/reference.json
"""
import datetime as dt
import json
import sys

import numpy as np
import pandas as pd
from dateutil.easter import easter
from pandas.tseries.holiday import USFederalHolidayCalendar

FIX = "tests/fixtures/us_federal/"
ONE = dt.timedelta(days=1)


def nth(y, mo, wd, n):
    """n-th weekday (Mon=0) of a month; n=-1: the last."""
    if n > 0:
        f = dt.date(y, mo, 1)
        return f + dt.timedelta((wd - f.weekday()) % 7 + 7 * (n - 1))
    last = dt.date(y + mo // 12, mo % 12 + 1, 1) - ONE
    return last - dt.timedelta((last.weekday() - wd) % 7)


def federal(y):
    """Weekday federal holidays of year y (observed), per lib/time/us_federal.ts's documented rules."""
    out = set()

    def fixed(mo, d, sat_to_fri=True):
        x = dt.date(y, mo, d)
        if x.weekday() == 6:
            out.add(x + ONE)
        elif x.weekday() == 5:
            if sat_to_fri:
                out.add(x - ONE)
        else:
            out.add(x)

    fixed(1, 1, sat_to_fri=False)
    if y >= 1986:
        out.add(nth(y, 1, 0, 3))
    if y <= 1970:
        fixed(2, 22)
        fixed(5, 30)
    else:
        out.add(nth(y, 2, 0, 3))
        out.add(nth(y, 5, 0, -1))
    if y >= 2022:
        fixed(6, 19)
    fixed(7, 4)
    out.add(nth(y, 9, 0, 1))
    if 1937 <= y <= 1970:
        fixed(10, 12)
    elif y >= 1971:
        out.add(nth(y, 10, 0, 2))
    if 1971 <= y <= 1977:
        out.add(nth(y, 10, 0, 4))
    elif y >= 1938:
        fixed(11, 11)
    if y <= 1938:
        tg = nth(y, 11, 3, -1)
    elif y <= 1941:
        tg = nth(y, 11, 3, -1) - 7 * ONE
    else:
        tg = nth(y, 11, 3, 4)
    out.add(tg)
    fixed(12, 25)
    return out


def bond_extra(y):
    """Days the historical H.15 daily file also lacks (diagnostic only, not in the calendar):
    Good Friday; Lincoln's Birthday (Feb 12, Sunday -> Monday) to 1985; Election Day to 1984."""
    out = {easter(y) - 2 * ONE}
    if y <= 1985:
        x = dt.date(y, 2, 12)
        out.add(x + ONE if x.weekday() == 6 else x)
    if y <= 1984:
        out.add(nth(y, 11, 0, 1) + ONE)
    return out


def business_days(start, end, hol):
    return [x.date() for x in pd.bdate_range(start, end) if x.date() not in hol]


YEARS = range(1926, 2101)
HOL = set().union(*(federal(y) for y in YEARS))
counts = {y: len(business_days(f"{y}-01-01", f"{y}-12-31", HOL)) for y in YEARS}

# pandas 1.5.3 USFederalHolidayCalendar: today's rules projected to every year (3rd-Monday
# Washington's Birthday, last-Monday Memorial Day, 2nd-Monday Columbus Day from 1937, Nov 11
# Veterans Day in 1971-1977, no Armistice Day start), Saturday holidays -> Friday including New
# Year's Day (Dec 31 of the year before), Juneteenth from 2021-06-18. Trusted from 1978 except
# those two rules.
pd_hol = set(x.date() for x in USFederalHolidayCalendar().holidays("1925-12-01", "2101-01-31"))
pd_counts = {y: len(business_days(f"{y}-01-01", f"{y}-12-31", pd_hol)) for y in YEARS}
pd_diff = sorted(str(x) for x in (pd_hol ^ HOL)
                 if 1978 <= x.year <= 2100 and x.weekday() < 5)

d = pd.read_csv(FIX + "tcmd_nodates.csv")
m = pd.read_csv(FIX + "tcm_monthly.csv")
m["y"] = (m.time + 1e-6).astype(int)
m["mo"] = np.round((m.time - m.y) * 12).astype(int) + 1
m = m.set_index(["y", "mo"])[["tcm1y", "tcm3y", "tcm5y", "tcm10y"]]


def place(hol):
    days = business_days("1962-01-02", "2002-12-31", hol)[: len(d)]
    idx = pd.DatetimeIndex(days)
    g = d.groupby([idx.year, idx.month]).mean()
    g.index.names = ["y", "mo"]
    j = g.join(m, how="inner")
    err = np.abs(j.iloc[:, :4].values - j.iloc[:, 4:].values).mean(axis=1)
    months = [f"{y}-{mo:02d}" for y, mo in j.index]
    dec = {}
    for (y, _), e in zip(j.index, err):
        dec.setdefault(f"{y // 10 * 10}s", []).append(e)
    return {
        "last_date": str(days[-1]),
        "months": months,
        "month_mae": [round(float(e), 12) for e in err],
        "decade_mae": {k: float(np.mean(v)) for k, v in dec.items()},
        "max_month_mae": float(err.max()),
        "max_month": months[int(err.argmax())],
    }


YR = range(1961, 2003)
fed = place(HOL)
diag = place(HOL | set().union(*(bond_extra(y) for y in YR)))
json.dump({
    "about": "tests/reference/time_us_federal_tcmd.py (see tests/fixtures/us_federal/reference.provenance.md)",
    "session_counts": {str(y): c for y, c in counts.items()},
    "pandas_session_counts": {str(y): c for y, c in pd_counts.items()},
    "pandas_differences_from_1978": pd_diff,
    "tcmd_us_federal": fed,
    "tcmd_us_federal_plus_bond_market_days": {k: diag[k] for k in ("last_date", "decade_mae", "max_month_mae", "max_month")},
}, sys.stdout, indent=1)
