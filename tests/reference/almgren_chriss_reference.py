"""Reference values for lib/execution/almgren_chriss.ts.

Independent of the closed form: the optimal holdings are found by numerically minimising
E[x] + lambda * V[x] over x_1..x_{N-1} with scipy.optimize (BFGS), using the cost definitions of
Almgren & Chriss (2000), section 3 (E = sum tau x_k g(n_k/tau) + sum tau h(n_k/tau),
V = sigma^2 sum tau x_k^2). Parameters: the paper's example in section 4.
Run: /usr/bin/python3 tests/reference/almgren_chriss_reference.py > tests/fixtures/execution/almgren_chriss.json
"""
import json

import numpy as np
import scipy
from scipy.optimize import minimize

X, T, N = 1_000_000.0, 5.0, 5
sigma, eta, gamma, eps = 0.95, 2.5e-6, 2.5e-7, 0.0625
tau = T / N


def cost(x_inner):
    x = np.concatenate([[X], x_inner, [0.0]])
    n = x[:-1] - x[1:]
    v = n / tau
    # permanent: sum tau * x_k * gamma * v_k ; temporary: sum n_k * (eps*sgn + eta*v_k)
    e = np.sum(tau * x[1:] * gamma * v) + np.sum(n * (eps * np.sign(n) + eta * v))
    var = sigma**2 * np.sum(tau * x[1:] ** 2)
    return e, var


out = {"tool": f"scipy {scipy.__version__} numpy {np.__version__}", "cases": []}
for lam in [0.0, 1e-7, 1e-6, 1e-5]:
    x0 = np.linspace(X, 0, N + 1)[1:-1]
    # scale to millions for conditioning
    f = lambda z: (lambda ev: (ev[0] + lam * ev[1]) / 1e6)(cost(z * 1e6))
    res = minimize(f, x0 / 1e6, method="BFGS", options={"gtol": 1e-12, "maxiter": 10000})
    x_opt = np.concatenate([[X], res.x * 1e6, [0.0]])
    e, var = cost(res.x * 1e6)
    out["cases"].append({"lambda": lam, "holdings": x_opt.tolist(), "expected_cost": e,
                         "variance": var})
print(json.dumps(out, indent=1))
