"""Reference Black-Scholes-Merton prices and Greeks for lib/sources/sim/_bs.ts, from QuantLib.

Run: /usr/bin/python3 tests/reference/sim_bs_quantlib.py > tests/fixtures/sim/bs_quantlib.json
European options, AnalyticEuropeanEngine, flat continuous-compounded r and q, Actual/365 Fixed,
T = days / 365. Greeks: delta, gamma, theta per calendar day (thetaPerDay), vega per 1 vol point
(vega / 100), matching the simulator's conventions.
"""
import json
import QuantLib as ql

today = ql.Date(2, 1, 2024)
ql.Settings.instance().evaluationDate = today
dc = ql.Actual365Fixed()
rows = []
for spot in (80.0, 100.0, 450.0):
    for kr in (0.7, 0.95, 1.0, 1.05, 1.4):
        for days in (1, 30, 365, 730):
            for sigma in (0.08, 0.25, 0.9):
                for (r, q) in ((0.05, 0.0), (0.04, 0.013)):
                    for is_call in (True, False):
                        k = round(spot * kr, 2)
                        u = ql.SimpleQuote(spot)
                        proc = ql.BlackScholesMertonProcess(
                            ql.QuoteHandle(u),
                            ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc, ql.Continuous)),
                            ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc, ql.Continuous)),
                            ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), sigma, dc)),
                        )
                        opt = ql.VanillaOption(
                            ql.PlainVanillaPayoff(ql.Option.Call if is_call else ql.Option.Put, k),
                            ql.EuropeanExercise(today + days),
                        )
                        opt.setPricingEngine(ql.AnalyticEuropeanEngine(proc))
                        rows.append({
                            "call": is_call, "s": spot, "k": k, "t": days / 365.0, "r": r, "q": q,
                            "sigma": sigma, "price": opt.NPV(), "delta": opt.delta(),
                            "gamma": opt.gamma(), "theta": opt.thetaPerDay(), "vega": opt.vega() / 100,
                        })
print(json.dumps({"tool": f"QuantLib {ql.__version__}", "rows": rows}, indent=0))
