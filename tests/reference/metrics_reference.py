"""Reference values for lib/report/metrics.ts, computed with pandas/numpy following empyrical's
definitions (sharpe_ratio, sortino_ratio with required_return 0, max_drawdown, cagr with
annualization 252, calmar_ratio).

Run: /usr/bin/python3 tests/reference/metrics_reference.py > tests/fixtures/report/metrics.json
"""
import json

import numpy as np
import pandas as pd

rng = np.random.default_rng(7)
r = pd.Series(rng.normal(0.0004, 0.011, 500))
equity = 1_000_000 * (1 + r).cumprod()
equity = pd.concat([pd.Series([1_000_000.0]), equity], ignore_index=True)
ret = equity.pct_change().dropna()
ann = 252
sharpe = ret.mean() / ret.std(ddof=1) * np.sqrt(ann)
downside = np.sqrt((np.minimum(ret, 0) ** 2).mean())
sortino = ret.mean() / downside * np.sqrt(ann)
peak = equity.cummax()
mdd = float((1 - equity / peak).max())
years = (len(equity) - 1) / ann
cagr = (equity.iloc[-1] / equity.iloc[0]) ** (1 / years) - 1
print(json.dumps({
    "tool": f"pandas {pd.__version__}, numpy {np.__version__}",
    "equity": equity.tolist(),
    "sharpe": sharpe, "sortino": sortino, "max_drawdown": mdd, "cagr": cagr,
    "calmar": cagr / mdd, "hit_rate": float((ret > 0).sum() / (ret != 0).sum()),
}))
