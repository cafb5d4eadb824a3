"""Peer for bench/backtest_compare.ts: a minimal event-driven backtest loop in plain Python
(standard library only), timed with time.process_time (CPU time of this process) around the run.

It runs the benchmark's scenario with the engine's rules (lib/backtest/engine.ts) restricted to
what the scenario uses, every cost switched on:
- estimates known before each daily bar: ADV = mean volume of the last 20 sessions, sigma =
  sample stdev (ddof 1) of the last 20 close-to-close simple returns (sessions strictly before);
- bar t: the participation allowance restarts; borrow fee on shorts held since t-1
  (rate * |q| * last close * (ts[t] - ts[t-1]) / 86400000 / 365); pending market-on-open orders
  fill at open[t] capped at 10% of ADV per symbol and day, rounded down to whole shares
  (remainder carried); commission IBKR fixed (0.005/share, min 1 USD, max 1% of value), SEC fee
  and FINRA TAF on sells, half-spread 2 bps, square-root impact sigma * sqrt(n / ADV) * n * price;
  mark to market at the close; then the strategy;
- strategy: every 21st bar from bar 21, 20-bar momentum close[t] / close[t-20] - 1 ranked
  ascending (stable sort); the 50 lowest get weight -0.5/50, the 50 highest +0.5/50, the rest 0;
  target shares = trunc(weight * equity / close + 1e-9) toward zero; pending orders of the symbol
  are cancelled and a market order for target - position is sent, eligible at bar t + 1.

Protocol (one line per command on stdin, one JSON line per answer on stdout):
  load DIR NSYM NBARS   read f64 columns ts_ms (NBARS) and open, close, volume (NSYM x NBARS,
                        symbol-major) from DIR/<name>.bin (native byte order)
  run                   run once, write the equity series to DIR/peer_equity.bin, answer
                        {"cpu_s": ..., "fills": ..., "equity": ..., "costs": ...}
  quit
Run by the benchmark as /usr/bin/python3.
"""
import json
import math
import sys
import time
from array import array

INITIAL_CASH = 1_000_000.0
CAP = 0.1
WINDOW = 20
HALF_SPREAD_BPS = 2.0
IMPACT = 1.0
BORROW = 0.01
PER_SHARE, MIN_ORDER, MAX_PCT = 0.005, 1.0, 0.01
SEC_RATE, TAF_PER_SHARE, TAF_MAX = 27.8e-6, 0.000166, 8.3
MS_PER_DAY, DAYS_PER_YEAR = 86_400_000.0, 365.0


def round_lot(q):
    n = float(math.trunc(abs(q) + 1e-9))
    return -n if q < 0 else n


def estimates(row_close, row_vol, nbars):
    """Trailing ADV and sigma known at each bar of one symbol (every bar its own session):
    running sum of the window's volumes, sliding mean and sum of squared deviations (M2) of its
    returns (Welford's update with the oldest value removed)."""
    adv = [math.nan] * nbars
    sig = [math.nan] * nbars
    vsum = 0.0
    mean = m2 = 0.0
    nr = 0
    for t in range(1, nbars):
        vsum += row_vol[t - 1]
        if t > WINDOW:
            vsum -= row_vol[t - 1 - WINDOW]
        adv[t] = vsum / min(t, WINDOW)
        if t >= 2:
            x = row_close[t - 1] / row_close[t - 2] - 1
            if nr < WINDOW:
                nr += 1
                d = x - mean
                mean += d / nr
                m2 += d * (x - mean)
            else:
                y = row_close[t - 1 - WINDOW] / row_close[t - 2 - WINDOW] - 1
                m0 = mean
                mean += (x - y) / nr
                m2 += (x - y) * (x - mean + y - m0)
            if nr >= 2:
                sig[t] = math.sqrt(max(m2, 0.0) / (nr - 1))
    return adv, sig


def run(d):
    nsym, nbars = d["nsym"], d["nbars"]
    ts, op, cl, vo = d["ts_ms"], d["open"], d["close"], d["volume"]
    rows_open = [op[s * nbars:(s + 1) * nbars] for s in range(nsym)]
    rows_close = [cl[s * nbars:(s + 1) * nbars] for s in range(nsym)]
    est = [estimates(rows_close[s], vo[s * nbars:(s + 1) * nbars], nbars) for s in range(nsym)]
    cash = INITIAL_CASH
    pos = [0.0] * nsym
    used = [0.0] * nsym
    last = [math.nan] * nsym
    pending = []  # [symbol, qty, eligible bar], in submission order
    equity = array("d", [0.0]) * nbars
    fills = 0
    costs = 0.0
    for t in range(nbars):
        used = [0.0] * nsym
        if t > 0:
            years = (ts[t] - ts[t - 1]) / MS_PER_DAY / DAYS_PER_YEAR
            fee = 0.0
            for s in range(nsym):
                q = pos[s]
                if q < 0 and last[s] > 0:
                    fee += BORROW * -q * last[s] * years
            cash -= fee
            costs += fee
        if pending:
            keep = []
            for o in pending:
                s, want, elig = o
                if elig > t:
                    keep.append(o)
                    continue
                price = rows_open[s][t]
                adv, sigma = est[s][0][t], est[s][1][t]
                room = max(0.0, CAP * (adv if adv > 0 else 0.0) - used[s])
                a = min(abs(want), room)
                q = round_lot(a if want > 0 else -a)
                if q == 0 or not sigma >= 0:
                    keep.append(o)
                    continue
                n = abs(q)
                value = n * price
                c = min(max(PER_SHARE * n, MIN_ORDER), MAX_PCT * value)
                f = SEC_RATE * n * price + min(TAF_PER_SHARE * n, TAF_MAX) if q < 0 else 0.0
                sp = n * price * HALF_SPREAD_BPS / 1e4
                im = IMPACT * sigma * math.sqrt(n / adv) * n * price
                cash -= q * price
                cash -= c + f + sp + im
                costs += c + f + sp + im
                pos[s] += q
                used[s] += n
                fills += 1
                o[1] = want - q
                if abs(o[1]) >= 1e-9:
                    keep.append(o)
            pending = keep
        net = 0.0
        for s in range(nsym):
            c = rows_close[s][t]
            if c > 0:
                last[s] = c
            q = pos[s]
            if q != 0:
                net += q * last[s]
        eq = cash + net
        equity[t] = eq
        if t >= 21 and t % 21 == 0:
            mom = [rows_close[s][t] / rows_close[s][t - 20] - 1 for s in range(nsym)]
            order = sorted(range(nsym), key=mom.__getitem__)
            k = 50
            for r, s in enumerate(order):
                w = -0.5 / k if r < k else 0.5 / k if r >= nsym - k else 0.0
                px = rows_close[s][t]
                if not px > 0:
                    continue
                target = round_lot(w * eq / px)
                if pending:
                    pending = [o for o in pending if o[0] != s]
                dq = target - pos[s]
                if dq != 0:
                    pending.append([s, dq, t + 1])
    return equity, fills, costs


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
            folder, nsym, nbars = cmd[1], int(cmd[2]), int(cmd[3])
            data = {"nsym": nsym, "nbars": nbars}
            for name, n in (("ts_ms", nbars), ("open", nsym * nbars), ("close", nsym * nbars),
                            ("volume", nsym * nbars)):
                a = array("d")
                with open(f"{folder}/{name}.bin", "rb") as fh:
                    a.fromfile(fh, n)
                data[name] = a.tolist()
            print(json.dumps({"ok": True, "python": sys.version.split()[0]}), flush=True)
            continue
        if cmd[0] != "run":
            print(json.dumps({"error": f"unknown command {cmd[0]}"}), flush=True)
            continue
        c0 = time.process_time()
        equity, fills, costs = run(data)
        cpu = time.process_time() - c0
        with open(f"{folder}/peer_equity.bin", "wb") as fh:
            equity.tofile(fh)
        print(json.dumps({"cpu_s": cpu, "fills": fills, "equity": equity[-1], "costs": costs}),
              flush=True)


if __name__ == "__main__":
    main()
