"""Write a small LOBSTER day (message + order-book file, 3 levels) by the published format.

Independent of the workbench: the book is rebuilt here from an order-event script with plain
Python dicts, and both files are written as LOBSTER specifies them
(https://lobsterdata.com/info/DataStructure.php): no header; message columns time (seconds after
midnight, 9 decimals), type (1 submit, 2 partial cancel, 3 delete, 4 visible execution,
5 hidden execution, 7 halt), order id, size, price (USD x 10000), direction (1 buy, -1 sell);
order-book columns ask price/size, bid price/size per level; empty levels 9999999999 /
-9999999999 with size 0; row k = the book after message k.

Run: /usr/bin/python3 tests/reference/lobster_fixture.py tests/fixtures/lobster
"""
import os
import sys

LEVELS = 3
EMPTY_ASK, EMPTY_BID = 9999999999, -9999999999

# Initial book (before the window): id -> (side, price in USD x 10000, size)
book = {
    1: (1, 1000000, 300), 2: (1, 999900, 200), 3: (1, 999800, 500),
    11: (-1, 1000200, 100), 12: (-1, 1000300, 400), 13: (-1, 1000400, 200),
}
# Events: (time text, type, order id, size, price, direction)
events = [
    ("34200.000000001", 1, 21, 200, 1000100, 1),    # new bid inside the spread at 100.01
    ("34200.500000000", 4, 11, 100, 1000200, -1),   # buy MO takes the whole 100.02 ask
    ("34201.250000000", 2, 3, 200, 999800, 1),      # partial cancel of 200 at 99.98
    ("34201.750000000", 1, 22, 300, 1000200, -1),   # new ask at 100.02
    ("34202.000000000", 4, 21, 50, 1000100, 1),     # sell MO executes 50 of the 100.01 bid
    ("34202.000000000", 5, 99, 70, 1000150, 1),     # hidden execution, book unchanged
    ("34203.123456789", 3, 12, 400, 1000300, -1),   # delete the 100.03 ask
    ("34204.000000000", 7, -1, 0, -1, -1),          # trading halt: book repeated
    ("34205.000000000", 7, -1, 0, 1, -1),           # trading resumes
    ("34205.999999999", 1, 23, 100, 999700, 1),     # new bid at 99.97 (4th level, not shown)
]


def apply(ev):
    _, typ, oid, size, price, direction = ev
    if typ == 1:
        book[oid] = (direction, price, size)
    elif typ in (2, 4):
        side, p, s = book[oid]
        if s - size == 0:
            del book[oid]
        else:
            book[oid] = (side, p, s - size)
    elif typ == 3:
        del book[oid]


def levels(side):
    agg = {}
    for s, p, q in book.values():
        if s == side:
            agg[p] = agg.get(p, 0) + q
    keys = sorted(agg, reverse=(side == 1))
    return [(p, agg[p]) for p in keys[:LEVELS]]


def row():
    asks, bids = levels(-1), levels(1)
    out = []
    for i in range(LEVELS):
        a = asks[i] if i < len(asks) else (EMPTY_ASK, 0)
        b = bids[i] if i < len(bids) else (EMPTY_BID, 0)
        out += [a[0], a[1], b[0], b[1]]
    return ",".join(str(x) for x in out)


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    stem = "TEST_2012-06-21_34200000_57600000_{}_%d.csv" % LEVELS
    msg, ob = [], []
    for ev in events:
        apply(ev)
        msg.append(",".join(str(x) for x in ev))
        ob.append(row())
    with open(os.path.join(outdir, stem.format("message")), "w") as f:
        f.write("\n".join(msg) + "\n")
    with open(os.path.join(outdir, stem.format("orderbook")), "w") as f:
        f.write("\n".join(ob) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
