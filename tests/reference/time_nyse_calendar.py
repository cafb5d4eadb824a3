"""Generate the NYSE reference fixtures for tests/time/.

Run with Debian's Python (QuantLib 1.29 from the quantlib-python package):
    /usr/bin/python3 tests/reference/time_nyse_calendar.py

Writes
  tests/fixtures/time/nyse_holidays_2000_2030.csv      full-day closures (weekdays only)
  tests/fixtures/time/nyse_early_closes_2000_2030.csv  13:00 ET early closes

Holidays come from QuantLib's UnitedStates(NYSE) calendar, an implementation independent of
lib/time. QuantLib 1.29 predates the 2025-01-09 closure (National Day of Mourning for President
Carter, announced by NYSE on 2024-12-30), which is added explicitly below and marked as such.

QuantLib does not model early closes, so they are produced here by a separate Python
implementation of the NYSE early-close history (NYSE "Closings" history and the NYSE Group
annual holiday and early closings press releases), plus the one ad hoc early close of the
period (2003-12-26). See nyse_holidays_2000_2030.provenance.md for the spot checks.
"""

import csv
import datetime as dt
import os

import QuantLib as ql

FIRST_YEAR, LAST_YEAR = 2000, 2030
OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "time")

# Closures announced after QuantLib 1.29 was released.
MANUAL_HOLIDAYS = {"2025-01-09": "NYSE announcement 2024-12-30 (Carter day of mourning)"}


def holidays():
    cal = ql.UnitedStates(ql.UnitedStates.NYSE)
    days = ql.Calendar.holidayList(
        cal, ql.Date(1, 1, FIRST_YEAR), ql.Date(31, 12, LAST_YEAR), False
    )
    rows = {d.ISO(): "QuantLib " + ql.__version__ + " UnitedStates(NYSE)" for d in days}
    for iso, source in MANUAL_HOLIDAYS.items():
        assert iso not in rows, iso
        rows[iso] = source
    return sorted(rows.items())


def thanksgiving(year):
    nov1 = dt.date(year, 11, 1)
    first_thu = nov1 + dt.timedelta(days=(3 - nov1.weekday()) % 7)
    return first_thu + dt.timedelta(weeks=3)


def early_closes():
    out = []
    for y in range(FIRST_YEAR, LAST_YEAR + 1):
        jul3, jul4, jul5 = dt.date(y, 7, 3), dt.date(y, 7, 4), dt.date(y, 7, 5)
        # Python weekday(): Monday=0 .. Sunday=6
        if jul4.weekday() in (1, 2, 4):  # Tue, Wed, Fri -> Mon, Tue, Thu Jul 3 closes early
            out.append((jul3, "day before Independence Day"))
        if jul4.weekday() == 3:  # Thursday
            if y < 2013:
                out.append((jul5, "day after Independence Day (before 2013)"))
            else:
                out.append((jul3, "day before Independence Day"))
        out.append((thanksgiving(y) + dt.timedelta(days=1), "day after Thanksgiving"))
        dec24 = dt.date(y, 12, 24)
        if dec24.weekday() <= 3:  # Mon..Thu
            out.append((dec24, "Christmas Eve"))
        if y == 2003:
            out.append((dt.date(2003, 12, 26), "day after Christmas (ad hoc)"))
    return sorted(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "nyse_holidays_2000_2030.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["date", "source"])
        w.writerows(holidays())
    with open(os.path.join(OUT, "nyse_early_closes_2000_2030.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["date", "close_et", "reason"])
        for d, reason in early_closes():
            w.writerow([d.isoformat(), "13:00", reason])


if __name__ == "__main__":
    main()
