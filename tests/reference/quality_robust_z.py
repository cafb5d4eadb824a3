"""Reference modified z-scores (Iglewicz & Hoaglin) for tests/quality/outliers_test.ts.

M_i = 0.6745 * (x_i - median(x)) / MAD, MAD = scipy.stats.median_abs_deviation(x, scale=1.0).
Data: numpy default_rng(20240102), 200 Student-t(3) draws scaled by 0.001 with two planted
outliers, written with 17 significant digits.

Run: /usr/bin/python3 tests/reference/quality_robust_z.py > tests/fixtures/quality/robust_z.csv
"""
import numpy as np
import scipy
from scipy.stats import median_abs_deviation

rng = np.random.default_rng(20240102)
x = rng.standard_t(3, size=200) * 0.001
x[17] = 0.05
x[150] = -0.08
mad = median_abs_deviation(x, scale=1.0)
m = 0.6745 * (x - np.median(x)) / mad
print(f"# numpy {np.__version__} scipy {scipy.__version__}")
print("x,m")
for a, b in zip(x, m):
    print(f"{a:.17g},{b:.17g}")
