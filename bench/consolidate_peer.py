"""Peer for bench/consolidate_compare.ts: the per-option-per-minute consolidation of
lib/frames/consolidate.ts written the usual pandas way (merge_asof for the underlying, VIX and
news as of each minute's close, a cross merge of minutes x contracts, a merge of the option bars
on (ticker, ts), indicators with pandas ewm/rolling, implied vol by a vectorised numpy Newton
and Greeks with scipy.special.ndtr), timed with time.process_time (CPU time of this process)
from pandas input frames to the finished output frame.

Protocol (one line per command on stdin, one JSON line per answer on stdout):
  load DIR        read the inputs that the benchmark wrote to DIR (see load_inputs)
  run             consolidate once, answer {"cpu_s": ..., "math_s": ..., "rows": ...,
                  "cols": ...}; math_s is the part spent on implied vol and Greeks
  dump            write the last output's f64 columns to DIR/peer_<name>.bin and the ticker
                  column to DIR/peer_ticker.json, answer {"ok": true}
  quit
Run by the benchmark as /usr/bin/python3 (Debian's python3-pandas 1.5, numpy, scipy).
Column definitions: the module doc of lib/frames/consolidate.ts.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import scipy
from scipy.special import ndtr

INV_SQRT_2PI = 0.3989422804014327
MS_PER_MINUTE = 60_000.0
YEAR_MS = 365 * 86_400_000.0

OUT_F64 = [
    "strike", "t_years", "spy_open", "spy_high", "spy_low", "spy_close", "spy_volume",
    "spy_vwap", "spy_stale_min", "vix_open", "vix_high", "vix_low", "vix_close", "opt_open",
    "opt_high", "opt_low", "opt_close", "opt_volume", "opt_vwap", "rsi_14", "macd",
    "macd_signal", "macd_hist", "bb_upper", "bb_middle", "bb_lower", "price_change", "roc_5",
    "roc_30", "roc_60", "iv", "delta", "gamma", "vega", "theta", "rho", "news_sentiment",
    "news_age_min",
]
OUT_ORDER = ["ts", "known_at", "ticker", "underlying", "expiration_date", "contract_type",
             *OUT_F64]


def load_inputs(folder):
    """Inputs: params.json (date, open_ms, n_min, rate, div, symbol, expiry_close_ms: the
    session close of each expiration date from lib/time's NYSE calendar), f64 columns
    <frame>_<col>.bin with NaN for missing, and <frame>_<col>.json for string columns."""
    with open(f"{folder}/params.json") as f:
        p = json.load(f)

    def frame(name, f64_cols, str_cols=()):
        n = p["rows"][name]
        d = {c: np.fromfile(f"{folder}/{name}_{c}.bin", dtype=np.float64, count=n)
             for c in f64_cols}
        for c in str_cols:
            with open(f"{folder}/{name}_{c}.json") as f:
                d[c] = json.load(f)
        df = pd.DataFrame(d)
        for c in ("ts", "known_at"):
            if c in df:
                df[c] = pd.to_datetime(df[c].astype(np.int64), unit="ms", utc=True)
        return df

    bar = ["ts", "known_at", "open", "high", "low", "close"]
    return p, {
        "underlying": frame("underlying", bar + ["volume", "vwap"]),
        "vix": frame("vix", bar),
        "news": frame("news", ["known_at", "sentiment"]),
        "options": frame("options", ["ts", "open", "high", "low", "close", "volume", "vwap",
                                     "strike"], ["ticker", "expiration_date", "contract_type"]),
    }


def ema_seeded(x, n, wilder=False):
    """lib/features ema: seeded with the mean of the first n finite values, then
    e_t = a x_t + (1 - a) e_{t-1}, a = 1/n (Wilder) or 2/(n+1)."""
    out = np.full(len(x), np.nan)
    finite = np.flatnonzero(np.isfinite(x))
    if finite.size == 0:
        return out
    start = finite[0]
    seed_at = start + n - 1
    if seed_at >= len(x):
        return out
    y = x[seed_at:].copy()
    y[0] = x[start:seed_at + 1].mean()
    out[seed_at:] = pd.Series(y).ewm(alpha=(1 / n if wilder else 2 / (n + 1)),
                                     adjust=False).mean().to_numpy()
    return out


def indicators(close):
    c = pd.Series(close)
    d = c.diff()
    up = ema_seeded(d.clip(lower=0).to_numpy(), 14, wilder=True)
    dn = ema_seeded((-d).clip(lower=0).to_numpy(), 14, wilder=True)
    tot = up + dn
    with np.errstate(invalid="ignore", divide="ignore"):
        rsi = np.where(tot == 0, 50.0, 100 * up / tot)
    macd = ema_seeded(close, 12) - ema_seeded(close, 26)
    signal = ema_seeded(macd, 9)
    mid = c.rolling(20).mean()
    sd = c.rolling(20).std(ddof=0)
    return pd.DataFrame({
        "rsi_14": rsi, "macd": macd, "macd_signal": signal, "macd_hist": macd - signal,
        "bb_upper": (mid + 2 * sd).to_numpy(), "bb_middle": mid.to_numpy(),
        "bb_lower": (mid - 2 * sd).to_numpy(), "price_change": d.to_numpy(),
        "roc_5": (c / c.shift(5) - 1).to_numpy(), "roc_30": (c / c.shift(30) - 1).to_numpy(),
        "roc_60": (c / c.shift(60) - 1).to_numpy(),
    })


def implied_vol_newton(S, K, T, r, q, price, call, tol=1e-12, max_iter=100):
    """Newton on price(sigma) = price from sigma0 = sqrt(2|ln(F/K)|/T) (0.2 when tiny); rows
    whose vega underflows or whose step leaves (0, inf) are dropped and stay NaN."""
    n = S.shape[0]
    sigma = np.sqrt(2 * np.abs(np.log(S / K) + (r - q) * T) / T)
    sigma = np.where(sigma > 1e-3, sigma, 0.2)
    out = np.full(n, np.nan)
    active = np.flatnonzero(np.isfinite(S) & np.isfinite(price) & (T > 0) & (price > 0))
    s, k, t, rr, qq, p, c, sg = (a[active] for a in (S, K, T, r, q, price, call, sigma))
    for _ in range(max_iter):
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
        out[active[done & ~bad]] = sg[done & ~bad]
        keep = ~(done | bad)
        if not keep.all():
            active, s, k, t, rr, qq, p, c, sg = (
                a[keep] for a in (active, s, k, t, rr, qq, p, c, sg))
        if active.size == 0:
            break
    return out


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
    return {
        "delta": th * eq * n1,
        "gamma": eq * pdf / (S * sv),
        "vega": seq * pdf * sqT,
        "theta": -seq * pdf * v / (2 * sqT) + th * (q * seq * n1 - r * ker * n2),
        "rho": th * ker * T * n2,
    }


def consolidate(p, inp):
    open_ms, n_min = p["open_ms"], p["n_min"]
    close_ts = pd.Timestamp(open_ms + n_min * MS_PER_MINUTE, unit="ms", tz="UTC")
    grid_ts = pd.to_datetime(open_ms + np.arange(n_min) * MS_PER_MINUTE, unit="ms", utc=True)
    minutes = pd.DataFrame({"ts": grid_ts, "known_at": grid_ts + pd.Timedelta(minutes=1),
                            "known_ms": open_ms + (np.arange(n_min) + 1) * MS_PER_MINUTE})

    u = inp["underlying"]
    u = u[u["ts"] < close_ts].sort_values("ts").reset_index(drop=True)
    ind = indicators(u["close"].to_numpy())
    ua = pd.concat([u.rename(columns={"ts": "spy_ts", "known_at": "spy_known_at", "open":
                                      "spy_open", "high": "spy_high", "low": "spy_low", "close":
                                      "spy_close", "volume": "spy_volume", "vwap": "spy_vwap"}),
                    ind], axis=1)
    m = pd.merge_asof(minutes, ua, left_on="known_at", right_on="spy_known_at")
    m["spy_stale_min"] = (m["ts"] - m["spy_ts"]).dt.total_seconds() / 60
    v = inp["vix"].sort_values("known_at").rename(columns={
        "ts": "vix_ts", "known_at": "vix_known_at", "open": "vix_open", "high": "vix_high",
        "low": "vix_low", "close": "vix_close"})
    m = pd.merge_asof(m, v, left_on="known_at", right_on="vix_known_at")
    news = inp["news"].sort_values("known_at").rename(columns={
        "known_at": "news_known_at", "sentiment": "news_sentiment"})
    m = pd.merge_asof(m, news, left_on="known_at", right_on="news_known_at")
    m["news_age_min"] = (m["known_at"] - m["news_known_at"]).dt.total_seconds() / 60
    m = m.drop(columns=["spy_ts", "spy_known_at", "vix_ts", "vix_known_at", "news_known_at"])

    o = inp["options"]
    contracts = (o[["ticker", "expiration_date", "contract_type", "strike"]]
                 .drop_duplicates("ticker").sort_values("ticker").reset_index(drop=True))
    contracts["expiry_ms"] = contracts["expiration_date"].map(p["expiry_close_ms"])
    grid = m.merge(contracts, how="cross")
    bars = o[["ticker", "ts", "open", "high", "low", "close", "volume", "vwap"]].rename(
        columns={c: f"opt_{c}" for c in ("open", "high", "low", "close", "volume", "vwap")})
    grid = grid.merge(bars.drop_duplicates(["ticker", "ts"], keep="last"),
                      on=["ticker", "ts"], how="left")
    grid["t_years"] = (grid["expiry_ms"] - grid["known_ms"]) / YEAR_MS

    m0 = time.process_time()
    traded = np.flatnonzero(grid["opt_close"].notna().to_numpy())
    t = grid["t_years"].to_numpy()[traded]
    t = np.where(t > 0, t, np.nan)
    S = grid["spy_close"].to_numpy()[traded]
    K = grid["strike"].to_numpy()[traded]
    call = (grid["contract_type"].to_numpy()[traded] == "call")
    r = np.full(traded.size, p["rate"])
    q = np.full(traded.size, p["div"])
    iv = implied_vol_newton(S, K, t, r, q, grid["opt_close"].to_numpy()[traded], call)
    g = bs_greeks(S, K, t, r, q, iv, call)
    for name, vals in (("iv", iv), *g.items()):
        col = np.full(len(grid), np.nan)
        col[traded] = vals
        grid[name] = col
    math_s = time.process_time() - m0
    grid["underlying"] = p["symbol"]
    return grid[OUT_ORDER], math_s


def main():
    folder, p, inp, out = None, None, None, None
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "quit":
            break
        if cmd[0] == "load":
            folder = cmd[1]
            p, inp = load_inputs(folder)
            print(json.dumps({"ok": True, "pandas": pd.__version__, "numpy": np.__version__,
                              "scipy": scipy.__version__}), flush=True)
        elif cmd[0] == "run":
            # the previous output stays alive during the run, as on the workbench's side
            c0 = time.process_time()
            new, math_s = consolidate(p, inp)
            cpu = time.process_time() - c0
            out = new
            print(json.dumps({"cpu_s": cpu, "math_s": math_s, "rows": len(out),
                              "cols": out.shape[1]}), flush=True)
        elif cmd[0] == "dump":
            for c in OUT_F64:
                out[c].to_numpy(dtype=np.float64).tofile(f"{folder}/peer_{c}.bin")
            for c in ("ts", "known_at"):
                ((out[c] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)).to_numpy(
                    dtype=np.float64).tofile(
                    f"{folder}/peer_{c}.bin")
            for c in ("ticker", "expiration_date", "contract_type", "underlying"):
                with open(f"{folder}/peer_{c}.json", "w") as f:
                    json.dump(out[c].tolist(), f)
            print(json.dumps({"ok": True}), flush=True)
        else:
            print(json.dumps({"error": f"unknown command {cmd[0]}"}), flush=True)


if __name__ == "__main__":
    main()
