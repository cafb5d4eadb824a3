"""Tables of lib/sources/sim/wasm/sim_kernel.ts (exact to the last bit, from mpmath at 300 bits).

Run: `python3 lib/sources/sim/wasm/gen_tables.py` (mpmath 1.3.0) and paste its output over the
table block of sim_kernel.ts. Prints, as hexadecimal IEEE doubles:
- EXP_T: 64 pairs (hi, lo) with hi + lo = 2^(j/64) to about 2^-106 relative (hi = the double nearest);
- LOG_C: 128 reciprocals c_i = 1/(1 + (i + 1/2)/128) rounded to 26 significant bits, and
- LOG_L: 128 pairs (hi, lo) with hi + lo = -log(c_i) to about 2^-106;
- LN2_HI (ln 2 to 36 significant bits), LN2_LO (the double nearest ln 2 - LN2_HI),
  EXP_L1 = LN2_HI / 64 and EXP_L2 = LN2_LO / 64 (exact scalings by a power of two).
"""
import struct
import mpmath

mpmath.mp.prec = 300


def hexd(v: float) -> str:
    return "0x%016x" % struct.unpack("<Q", struct.pack("<d", v))[0]


def to_bits(x, bits: int) -> float:
    """x rounded to `bits` significant bits (nearest)."""
    m, e = mpmath.frexp(x)
    return float(mpmath.ldexp(mpmath.nint(mpmath.ldexp(m, bits)), e - bits))


def pair(x):
    hi = float(x)
    lo = float(x - mpmath.mpf(hi))
    return hi, lo


exp_t = []
for j in range(64):
    exp_t += pair(mpmath.power(2, mpmath.mpf(j) / 64))
log_c, log_l = [], []
for i in range(128):
    c = to_bits(1 / (1 + (mpmath.mpf(i) + mpmath.mpf(0.5)) / 128), 26)
    log_c.append(c)
    log_l += pair(-mpmath.log(mpmath.mpf(c)))
ln2 = mpmath.log(2)
ln2_hi = to_bits(ln2, 36)
ln2_lo = float(ln2 - mpmath.mpf(ln2_hi))


def block(name, vals):
    rows = []
    for k in range(0, len(vals), 4):
        rows.append("  " + ", ".join(hexd(v) for v in vals[k:k + 4]) + ",")
    return f"const {name}: usize = memory.data<u64>([\n" + "\n".join(rows) + "\n]);"


print(block("EXP_T", exp_t))
print(block("LOG_C", log_c))
print(block("LOG_L", log_l))
print(f"const LN2_HI: f64 = reinterpret<f64>({hexd(ln2_hi)}); // {ln2_hi!r}")
print(f"const LN2_LO: f64 = reinterpret<f64>({hexd(ln2_lo)}); // {ln2_lo!r}")
print(f"const EXP_L1: f64 = reinterpret<f64>({hexd(ln2_hi / 64)}); // LN2_HI / 64")
print(f"const EXP_L2: f64 = reinterpret<f64>({hexd(ln2_lo / 64)}); // LN2_LO / 64")
