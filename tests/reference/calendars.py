"""Reference calendars for tests/time/calendar_reference_test.ts, from QuantLib.

For each calendar, lists every day in 1926-01-01..2100-12-31 where QuantLib's isBusinessDay
differs from "Monday to Friday": holiday weekdays (`H`) and business weekend days (`B`, none
expected). Output: tests/fixtures/calendars/quantlib_<name>.csv (header `date,kind`), one row per
such day, ascending; a reader reconstructs every day of the range from it.

Run with the Debian QuantLib (quantlib-python 1.29):

    /usr/bin/python3 tests/reference/calendars.py
"""
import datetime
import pathlib

import QuantLib as ql

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "calendars"
FIRST = datetime.date(1926, 1, 1)
LAST = datetime.date(2100, 12, 31)
CALENDARS = {
    "nyse": ql.UnitedStates(ql.UnitedStates.NYSE),
    "lse": ql.UnitedKingdom(ql.UnitedKingdom.Exchange),
    "xetra": ql.Germany(ql.Germany.Xetra),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, cal in CALENDARS.items():
        rows = []
        d = FIRST
        while d <= LAST:
            qd = ql.Date(d.day, d.month, d.year)
            business = cal.isBusinessDay(qd)
            weekday = d.weekday() < 5
            if business != weekday:
                rows.append(f"{d.isoformat()},{'H' if weekday else 'B'}")
            d += datetime.timedelta(days=1)
        path = OUT / f"quantlib_{name}.csv"
        path.write_text("date,kind\n" + "\n".join(rows) + "\n")
        print(f"{path.name}: {len(rows)} rows ({cal.name()})")
    print("QuantLib", ql.__version__)


if __name__ == "__main__":
    main()
