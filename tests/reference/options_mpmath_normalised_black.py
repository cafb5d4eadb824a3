#!/usr/bin/python3
"""Generate tests/fixtures/options/normalised_black_mpmath.json: the normalised out-of-the-money
Black call b(x, s) = exp(x/2) Phi(x/s + s/2) - exp(-x/2) Phi(x/s - s/2) at 60 significant digits
(mpmath), for seeded random (x, s) with s in [1e-4, 5] and h = x/s in [-40, -1e-3], keeping values
above 1e-300. Each row is [x, s, b] with x and s the exact doubles fed to mpmath.

Run: /usr/bin/python3 tests/reference/options_mpmath_normalised_black.py
"""
import json
import random
import mpmath as mp

mp.mp.dps = 60
OUT = "tests/fixtures/options/normalised_black_mpmath.json"


def b(x, s):
    x = mp.mpf(x)
    s = mp.mpf(s)
    return mp.exp(x / 2) * mp.ncdf(x / s + s / 2) - mp.exp(-x / 2) * mp.ncdf(x / s - s / 2)


def main():
    rng = random.Random(1)
    rows = []
    for _ in range(3000):
        s = 10 ** rng.uniform(-4, 0.7)
        h = -(10 ** rng.uniform(-3, 1.6))
        x = h * s
        v = b(x, s)
        if v < mp.mpf("1e-300"):
            continue
        rows.append([x, s, float(v)])
    with open(OUT, "w") as f:
        json.dump(rows, f)
    print(f"wrote {len(rows)} rows to {OUT} with mpmath {mp.__version__}")


if __name__ == "__main__":
    main()
