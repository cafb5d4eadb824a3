"""Trains a tiny PatchTST-style forecaster in PyTorch and exports it to ONNX as a test fixture.

Run: /usr/bin/python3 tests/reference/models_patchtst.py
Needs Debian's python3-torch and python3-onnx (apt-get install -y python3-torch python3-onnx).
Writes tests/fixtures/models/patchtst_tiny.onnx and patchtst_tiny_io.json (input windows and the
outputs torch produced for them), used by tests/models/patchtst_test.ts.

The model follows PatchTST (Nie et al. 2023, "A Time Series is Worth 64 Words", ICLR,
arXiv:2211.14730): channel independence, per-channel instance normalisation, non-overlapping
patches embedded linearly with a learned positional embedding, a Transformer encoder, and a
flatten-linear head forecasting the next value of each channel. Attention is written with plain
ops so the ONNX graph uses only standard operators (MatMul, Softmax, LayerNormalization...).

Dataset: a `[samples, lookback, channels]` float32 window array cut from a seeded 3-channel
series (AR(1) plus sines), the layout the features area's training export produces.
"""
import json
import math
import pathlib

import numpy as np
import onnx
import torch
from torch import nn

LOOKBACK, CHANNELS, PATCH, D_MODEL, HEADS, FF = 32, 3, 8, 16, 2, 32
N_PATCHES = LOOKBACK // PATCH
torch.manual_seed(0)
rng = np.random.default_rng(11)


def make_windows(n_steps=2000):
    t = np.arange(n_steps)
    series = np.zeros((n_steps, CHANNELS))
    for c in range(CHANNELS):
        e = rng.normal(size=n_steps) * 0.3
        ar = np.zeros(n_steps)
        for i in range(1, n_steps):
            ar[i] = 0.8 * ar[i - 1] + e[i]
        series[:, c] = ar + np.sin(2 * math.pi * t / (10 + 7 * c)) + 0.1 * c
    xs = np.stack([series[i:i + LOOKBACK] for i in range(n_steps - LOOKBACK)])
    ys = series[LOOKBACK:]
    return xs.astype(np.float32), ys.astype(np.float32)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(D_MODEL, 3 * D_MODEL)
        self.out = nn.Linear(D_MODEL, D_MODEL)

    def forward(self, x):  # x: [B*C, P, D]
        bc, p, d = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        hd = D_MODEL // HEADS
        q = q.reshape(bc, p, HEADS, hd).transpose(1, 2)
        k = k.reshape(bc, p, HEADS, hd).transpose(1, 2)
        v = v.reshape(bc, p, HEADS, hd).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(hd), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(bc, p, d)
        return self.out(y)


class PatchTST(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(PATCH, D_MODEL)
        self.pos = nn.Parameter(torch.randn(1, N_PATCHES, D_MODEL) * 0.02)
        self.att = Attention()
        self.norm1 = nn.LayerNorm(D_MODEL)
        self.ff = nn.Sequential(nn.Linear(D_MODEL, FF), nn.GELU(), nn.Linear(FF, D_MODEL))
        self.norm2 = nn.LayerNorm(D_MODEL)
        self.head = nn.Linear(N_PATCHES * D_MODEL, 1)

    def forward(self, windows):  # [B, L, C]
        b = windows.shape[0]
        x = windows.transpose(1, 2)  # [B, C, L]
        mean = x.mean(dim=-1, keepdim=True)
        std = torch.sqrt(x.var(dim=-1, keepdim=True, unbiased=False) + 1e-5)
        x = (x - mean) / std
        x = x.reshape(b * CHANNELS, N_PATCHES, PATCH)
        z = self.embed(x) + self.pos
        z = self.norm1(z + self.att(z))
        z = self.norm2(z + self.ff(z))
        y = self.head(z.reshape(b * CHANNELS, N_PATCHES * D_MODEL)).reshape(b, CHANNELS, 1)
        y = y * std + mean
        return y.squeeze(-1)  # [B, C] next value per channel


xs, ys = make_windows()
n_train = 1500
model = PatchTST()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
xt, yt = torch.from_numpy(xs[:n_train]), torch.from_numpy(ys[:n_train])
for step in range(300):
    idx = torch.randint(0, n_train, (64,))
    loss = ((model(xt[idx]) - yt[idx]) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
model.eval()
x_test = torch.from_numpy(xs[n_train:n_train + 64])
with torch.no_grad():
    y_test = model(x_test)
    test_mse = float(((model(torch.from_numpy(xs[n_train:])) - torch.from_numpy(ys[n_train:])) ** 2).mean())

out_dir = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "models"
onnx_path = out_dir / "patchtst_tiny.onnx"
torch.onnx.export(model, x_test[:2], str(onnx_path), input_names=["windows"],
                  output_names=["forecast"], dynamic_axes={"windows": {0: "N"}, "forecast": {0: "N"}},
                  opset_version=17, do_constant_folding=True)
m = onnx.load(str(onnx_path))
onnx.checker.check_model(m)
(out_dir / "patchtst_tiny_io.json").write_text(json.dumps({
    "tool": f"torch {torch.__version__}, onnx {onnx.__version__}",
    "lookback": LOOKBACK, "channels": CHANNELS, "samples": int(x_test.shape[0]),
    "test_mse": test_mse,
    "input": [float(v) for v in x_test.numpy().reshape(-1)],
    "output": [float(v) for v in y_test.numpy().reshape(-1)],
}, separators=(",", ":")) + "\n")
print("final train loss", float(loss), "test mse", test_mse, "onnx bytes", onnx_path.stat().st_size)
