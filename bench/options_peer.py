"""Peer for bench/options_compare.ts: Black-Scholes prices, five Greeks and a vectorised Newton
implied vol in numpy + scipy.special.ndtr, timed with time.process_time (CPU time of this
process) around the kernel only.

Protocol (one line per command on stdin, one JSON line per answer on stdout):
  load DIR N      read N-row f64 columns spot, strike, t, rate, div, vol, price and the u8
                  column is_call from DIR/<name>.bin (native byte order)
  price | greeks | iv
                  run that kernel once, write its outputs to DIR/peer_<name>.bin, answer
                  {"cpu_s": ..., ...}
  quit
Run by the benchmark as /usr/bin/python3 (numpy and scipy from Debian's python3-numpy,
python3-scipy).
"""
import json
import sys
import time

import numpy as np
import scipy
from scipy.special import ndtr

INV_SQRT_2PI = 0.3989422804014327


def bs_price(S, K, T, r, q, v, call):
    sqT = np.sqrt(T)
    sv = v * sqT
    d1 = (np.log(S / K) + (r - q + 0.5 * v * v) * T) / sv
    d2 = d1 - sv
    th = np.where(call, 1.0, -1.0)
    # call: S e^-qT N(d1) - K e^-rT N(d2); put: K e^-rT N(-d2) - S e^-qT N(-d1)
    return th * (S * np.exp(-q * T) * ndtr(th * d1) - K * np.exp(-r * T) * ndtr(th * d2))


def bs_greeks(S, K, T, r, q, v, call):
    sqT = np.sqrt(T)
    sv = v * sqT
    d1 = (np.log(S / K) + (r - q + 0.5 * v * v) * T) / sv
    d2 = d1 - sv
    eq = np.exp(-q * T)
    er = np.exp(-r * T)
    pdf = INV_SQRT_2PI * np.exp(-0.5 * d1 * d1)
    th = np.where(call, 1.0, -1.0)
    n1 = ndtr(th * d1)
    n2 = ndtr(th * d2)
    seq = S * eq
    ker = K * er
    delta = th * eq * n1
    gamma = eq * pdf / (S * sv)
    vega = seq * pdf * sqT
    theta = -seq * pdf * v / (2 * sqT) + th * (q * seq * n1 - r * ker * n2)
    rho = th * ker * T * n2
    return delta, gamma, vega, theta, rho


def implied_vol_newton(S, K, T, r, q, price, call, tol=1e-10, max_iter=50):
    """Newton on price(sigma) = price from the Manaster-Koehler start sigma0 = sqrt(2|ln(F/K)|/T),
    where the price is convex-concave in sigma so Newton converges monotonically; only the rows
    not yet converged are iterated; a row stops when a step is below tol * sigma, and rows whose
    vega underflows or whose step leaves (0, inf) are dropped. Rows that do not converge in
    max_iter passes stay NaN."""
    n = S.shape[0]
    x = np.log(S / K) + (r - q) * T
    sigma = np.sqrt(2 * np.abs(x) / T)
    sigma = np.where(sigma > 1e-3, sigma, 0.2)
    out = np.full(n, np.nan)
    active = np.arange(n)
    s, k, t, rr, qq, p, c, sg = S, K, T, r, q, price, call, sigma
    iters = 0
    for iters in range(1, max_iter + 1):
        sqT = np.sqrt(t)
        sv = sg * sqT
        d1 = (np.log(s / k) + (rr - qq + 0.5 * sg * sg) * t) / sv
        d2 = d1 - sv
        dS = s * np.exp(-qq * t)
        th = np.where(c, 1.0, -1.0)
        model = th * (dS * ndtr(th * d1) - k * np.exp(-rr * t) * ndtr(th * d2))
        vega = dS * INV_SQRT_2PI * np.exp(-0.5 * d1 * d1) * sqT
        step = (model - p) / vega
        sg = sg - step
        done = np.abs(step) <= tol * sg
        bad = ~np.isfinite(sg) | (sg <= 0) | (vega <= 0)
        if done.any():
            out[active[done]] = sg[done]
        keep = ~(done | bad)
        if not keep.all():
            active, s, k, t, rr, qq, p, c, sg = (
                a[keep] for a in (active, s, k, t, rr, qq, p, c, sg))
        if active.size == 0:
            break
    return out, iters


def main():
    data = {}
    folder = None
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "quit":
            break
        if cmd[0] == "load":
            folder, n = cmd[1], int(cmd[2])
            for name in ("spot", "strike", "t", "rate", "div", "vol", "price"):
                data[name] = np.fromfile(f"{folder}/{name}.bin", dtype=np.float64, count=n)
            data["is_call"] = np.fromfile(f"{folder}/is_call.bin", dtype=np.uint8, count=n) == 1
            print(json.dumps({"ok": True, "numpy": np.__version__, "scipy": scipy.__version__}),
                  flush=True)
            continue
        d = data
        args = (d["spot"], d["strike"], d["t"], d["rate"], d["div"])
        extra = {}
        c0 = time.process_time()
        if cmd[0] == "price":
            res = [bs_price(*args, d["vol"], d["is_call"])]
        elif cmd[0] == "greeks":
            res = list(bs_greeks(*args, d["vol"], d["is_call"]))
        elif cmd[0] == "iv":
            iv, iters = implied_vol_newton(*args, d["price"], d["is_call"])
            res = [iv]
            extra = {"iterations": iters}
        else:
            print(json.dumps({"error": f"unknown command {cmd[0]}"}), flush=True)
            continue
        cpu = time.process_time() - c0
        np.concatenate(res).tofile(f"{folder}/peer_{cmd[0]}.bin")
        print(json.dumps({"cpu_s": cpu, **extra}), flush=True)


if __name__ == "__main__":
    main()
