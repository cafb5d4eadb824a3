"""Write reference Dukascopy .bi5 files from hand-chosen ticks, independently of the workbench.

Format (Dukascopy datafeed, as documented in lib/sources/dukascopy.ts and dukascopy-node):
LZMA "alone" container (Python's lzma.FORMAT_ALONE: 13-byte header, unknown size + end marker)
around 20-byte big-endian records: uint32 ms in hour, uint32 ask points, uint32 bid points,
float32 ask volume, float32 bid volume.

Run: /usr/bin/python3 tests/reference/dukascopy_bi5.py tests/fixtures/dukascopy
Writes:
  EURUSD_2024-03-15T13.bi5   5 ticks (EURUSD, 10^5 points), hour 2024-03-15 13:00 UTC
  USDJPY_2024-03-15T13.bi5   2 ticks (USDJPY, 10^3 points)
  empty.bi5                  0 bytes (an hour without ticks)
  EURUSD_2024-03-15T13.json  the ticks in prices, for the test to compare with
"""
import json
import lzma
import os
import struct
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

# (ms in hour, ask points, bid points, ask volume, bid volume); volumes exact in float32.
EURUSD = [
    (0, 108912, 108910, 1.5, 2.25),
    (250, 108913, 108911, 0.75, 1.0),
    (250, 108915, 108912, 3.0, 0.5),       # same millisecond as the previous tick
    (61_000, 108905, 108901, 1.25, 1.125),
    (3_599_999, 108920, 108919, 10.0, 0.0625),  # last millisecond of the hour
]
USDJPY = [
    (1_234, 149456, 149450, 2.5, 4.0),
    (1_800_000, 149470, 149462, 0.25, 0.375),
]


def bi5(ticks):
    raw = b"".join(struct.pack(">IIIff", *t) for t in ticks)
    return lzma.compress(raw, format=lzma.FORMAT_ALONE)


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


write("EURUSD_2024-03-15T13.bi5", bi5(EURUSD))
write("USDJPY_2024-03-15T13.bi5", bi5(USDJPY))
write("empty.bi5", b"")
hour = 1710507600000  # 2024-03-15T13:00:00Z
expected = {
    "EURUSD": [
        {"ts_ms": hour + ms, "ask": a / 1e5, "bid": b / 1e5, "ask_volume": av, "bid_volume": bv}
        for ms, a, b, av, bv in EURUSD
    ],
    "USDJPY": [
        {"ts_ms": hour + ms, "ask": a / 1e3, "bid": b / 1e3, "ask_volume": av, "bid_volume": bv}
        for ms, a, b, av, bv in USDJPY
    ],
}
write("EURUSD_2024-03-15T13.json", (json.dumps(expected, indent=1) + "\n").encode())
