// The WebAssembly SIMD kernels behind bsPrice / bsGreeks: the committed binary is a fresh build
// of the committed AssemblyScript source, and its results equal the scalar TypeScript reference
// kernels (one option at a time): the Greeks up to the logarithm's last bit, prices to a few
// ulp times the conditioning (the far tail by another cancellation-free form), and prices also
// match mpmath.
import { assert, assertEquals } from "../_assert.ts";
import {
  bsGreeks,
  bsPrice,
  emptyOptionColumns,
  type OptionColumns,
} from "../../lib/options/mod.ts";
import { bsGreeksScalar, bsPriceScalar } from "../../lib/options/_black_scholes_scalar.ts";
import { Rng } from "../../lib/core/mod.ts";

const ROOT = new URL("../../", import.meta.url);
const SOURCE = "lib/options/wasm/black_scholes_kernel.ts";
const CONFIG = "lib/options/wasm/asconfig.json";
const BINARY = "lib/options/wasm/black_scholes_kernel.wasm";
const ASC = ["-y", "-p", "assemblyscript@0.28.20", "asc"];

Deno.test({
  name: "black_scholes_kernel.wasm is the build of its committed source (deno task build-wasm)",
  // the compiler comes from the npm registry through npx; CI reaches it, as the task does
  sanitizeResources: false,
  fn: async () => {
    const deno = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
    const task: string = deno.tasks["build-wasm"];
    assertEquals(task, `npx ${ASC.join(" ")} ${SOURCE} --config ${CONFIG}`);
    const dir = await Deno.makeTempDir({ prefix: "wasm_build_" });
    try {
      const out = `${dir}/fresh.wasm`;
      const r = await new Deno.Command("npx", {
        args: [...ASC, SOURCE, "--config", CONFIG, "--outFile", out],
        cwd: ROOT.pathname,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(r.stderr);
      assert(r.success, `asc failed: ${err}`);
      const fresh = await Deno.readFile(out);
      const committed = await Deno.readFile(new URL(BINARY, ROOT));
      assert(fresh.length > 1000, `fresh build has only ${fresh.length} bytes`);
      assertEquals(
        committed,
        fresh,
        `${BINARY} differs from a fresh build of ${SOURCE}: run \`deno task build-wasm\``,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Wide domain: every regime of the normalised Black function, plus bad rows. */
function wideBatch(n: number, seed: number): { o: OptionColumns; vol: Float64Array } {
  const rng = new Rng(seed);
  const o = emptyOptionColumns(n);
  const vol = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    o.spot[i] = 100;
    o.strike[i] = 100 * Math.exp((rng.uniform() - 0.5) * 6); // K/S 0.05 .. 20
    o.t[i] = Math.exp(Math.log(1e-4) + rng.uniform() * Math.log(3e5)); // 1 hour .. 30 years
    o.rate[i] = -0.02 + 0.1 * rng.uniform();
    o.div[i] = -0.02 + 0.1 * rng.uniform();
    o.isCall[i] = rng.uniform() < 0.5 ? 1 : 0;
    vol[i] = Math.exp(Math.log(0.01) + rng.uniform() * Math.log(500)); // 1 % .. 500 %
  }
  // bad and boundary rows at both lanes of a pair and at the end
  const bad: [number, Partial<Record<"spot" | "strike" | "t" | "rate" | "div" | "vol", number>>][] =
    [
      [0, { spot: NaN }],
      [1, { strike: -1 }],
      [2, { t: -1 }],
      [3, { vol: -0.1 }],
      [5, { rate: NaN }],
      [6, { vol: 0 }],
      [7, { t: 0 }],
      [8, { spot: 1e-310 }], // S/K subnormal: outside the SIMD log's domain
      [9, { strike: Infinity }],
      [n - 1, { div: NaN }],
    ];
  for (const [i, v] of bad) {
    for (const [k, x] of Object.entries(v)) {
      if (k === "vol") vol[i] = x;
      else o[k as "spot"][i] = x;
    }
  }
  return { o, vol };
}

// The two implementations differ only in ln(S/K) (fdlibm's algorithm in the kernel, V8's port
// of it in TypeScript; within 1 ulp): a change of d in x moves ln(price) by about h d / s with
// h = x / s, so the allowed relative difference grows like eps (1 + h^2) (and (1 + d1^2) for
// the densities in the Greeks).
const RTOL_BASE = 1e-14;
const COND_ULPS = 4;

function condition(o: OptionColumns, vol: Float64Array, i: number): number {
  const x = Math.log(o.spot[i]! / o.strike[i]!) + (o.rate[i]! - o.div[i]!) * o.t[i]!;
  const s = vol[i]! * Math.sqrt(o.t[i]!);
  const h = x / s;
  const d1 = h + s / 2;
  return RTOL_BASE + COND_ULPS * Number.EPSILON * (1 + h * h + d1 * d1);
}

function assertClose(a: number, b: number, rtol: number, ctx: string): boolean {
  if (Number.isNaN(b)) {
    assert(Number.isNaN(a), `${ctx}: expected NaN, got ${a}`);
    return true;
  }
  assert(Math.abs(a - b) <= rtol * Math.abs(b) || a === b, `${ctx}: ${a} vs ${b}, rtol ${rtol}`);
  return Object.is(a, b);
}

Deno.test("wasm kernels equal the scalar reference: prices and Greeks on a wide domain", () => {
  // 2 chunks of 2048 plus an odd tail (the scalar remainder path)
  const n = 2 * 2048 + 3;
  const { o, vol } = wideBatch(n, 5);
  const p = bsPrice(o, vol);
  const pRef = new Float64Array(n);
  bsPriceScalar(o, vol, pRef);
  const g = bsGreeks(o, vol);
  const r = Array.from({ length: 5 }, () => new Float64Array(n));
  bsGreeksScalar(o, vol, r[0]!, r[1]!, r[2]!, r[3]!, r[4]!);
  let same = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const tol = condition(o, vol, i);
    if (assertClose(p[i]!, pRef[i]!, tol, `price row ${i}`)) same++;
    total++;
    (["delta", "gamma", "vega", "theta", "rho"] as const).forEach((k, j) => {
      if (assertClose(g[k][i]!, r[j]![i]!, tol, `${k} row ${i}`)) same++;
      total++;
    });
  }
  // most rows agree to the bit (x is the same double in both); a regression in the port's
  // arithmetic (another operation order, another table) would show here first
  assert(same > 0.5 * total, `only ${same} of ${total} values bit-identical`);
  for (let i = 0; i <= 9; i++) {
    if (i === 4 || i === 6 || i === 7 || i === 8) continue; // valid rows
    assert(Number.isNaN(p[i]!), `row ${i} should be NaN, got ${p[i]}`);
  }
  assert(p[n - 1] !== p[n - 1], "last row (NaN dividend) should be NaN");
  // zero vol / zero time: discounted intrinsic
  for (const i of [6, 7]) {
    const S = o.spot[i]!, K = o.strike[i]!, T = o.t[i]!, r0 = o.rate[i]!, q = o.div[i]!;
    const fwd = S * Math.exp(-q * T) - K * Math.exp(-r0 * T);
    const intr = o.isCall[i] ? Math.max(fwd, 0) : Math.max(-fwd, 0);
    assert(Math.abs(p[i]! - intr) <= 1e-13 * (S + K), `row ${i}: ${p[i]} vs ${intr}`);
  }
});

Deno.test("wasm kernels: empty batch, one row, an odd row count", () => {
  assertEquals(bsPrice(emptyOptionColumns(0), new Float64Array(0)).length, 0);
  for (const n of [1, 3, 2049]) {
    const { o, vol } = wideBatch(Math.max(n, 12), 9);
    const sub = emptyOptionColumns(n);
    for (const k of ["spot", "strike", "t", "rate", "div", "isCall"] as const) {
      sub[k].set(o[k].subarray(o.spot.length - n));
    }
    const v = vol.slice(vol.length - n);
    const p = bsPrice(sub, v);
    const ref = new Float64Array(n);
    bsPriceScalar(sub, v, ref);
    for (let i = 0; i < n; i++) {
      assertClose(p[i]!, ref[i]!, condition(sub, v, i), `n=${n} row ${i}`);
    }
  }
  // hand-worked: S = K = 100, T = 1, r = q = 0, sigma = 0.2: call = 100 (2 Phi(0.1) - 1)
  const atm = emptyOptionColumns(1);
  atm.spot[0] = 100;
  atm.strike[0] = 100;
  atm.t[0] = 1;
  atm.isCall[0] = 1;
  const c = bsPrice(atm, new Float64Array([0.2]))[0]!;
  // Phi(0.1) = 0.539827837277028981... (mpmath)
  assert(Math.abs(c - 100 * (2 * 0.539827837277028981 - 1)) < 1e-12, `${c}`);
});

// The price kernel against mpmath: with S = K = 1, T = 1, q = 0 and r = x the log-moneyness is
// x exactly, and the call (out of the money for x <= 0) is exp(-x/2) b(x, s). Tolerances of the
// scalar normalised Black's mpmath test (_normalised_black_test.ts): the rounding of x/s bounds
// the relative precision by about (x/s)^2 eps in the tail.
const RTOL_MPMATH_BODY = 2e-14; // y = -x/s < 3
const RTOL_MPMATH_TAIL = 1e-12; // y >= 3 (observed far below, see the assertion on the median)

Deno.test("wasm price kernel equals mpmath's normalised Black call in every regime", async () => {
  const rows = JSON.parse(
    await Deno.readTextFile(
      new URL("../fixtures/options/normalised_black_mpmath.json", import.meta.url),
    ),
  ) as [number, number, number][];
  const n = rows.length;
  assert(n > 2000);
  const o = emptyOptionColumns(n);
  const vol = new Float64Array(n);
  rows.forEach(([x, s], i) => {
    o.spot[i] = 1;
    o.strike[i] = 1;
    o.t[i] = 1;
    o.rate[i] = x;
    o.isCall[i] = 1;
    vol[i] = s;
  });
  const p = bsPrice(o, vol);
  const errs: number[] = [];
  const regimes = new Set<string>();
  rows.forEach(([x, s, b], i) => {
    const y = -x / s;
    const t = s / 2;
    regimes.add(
      y - t >= 5.656854249492380195206754896838792314
        ? "large"
        : t < 0.05 || (y < 1.5 && t < 0.25)
        ? "taylor"
        : "erfcx",
    );
    const ref = Math.exp(-x / 2) * b;
    const err = Math.abs(p[i]! - ref) / ref;
    errs.push(err);
    const tol = y < 3 ? RTOL_MPMATH_BODY : RTOL_MPMATH_TAIL;
    assert(err <= tol, `x=${x} s=${s}: ${p[i]} vs ${ref} (rel ${err.toExponential(2)})`);
  });
  assertEquals([...regimes].sort(), ["erfcx", "large", "taylor"]);
  errs.sort((a, b) => a - b);
  // typical rows are within a few ulp (exp(-x/2) and the discounting add two roundings)
  assert(errs[n >> 1]! < 1e-15, `median relative error ${errs[n >> 1]}`);
});

Deno.test("wasm price kernel: phi0 near underflow (subnormal band) keeps its value, below it 0", () => {
  // OTM calls with S = K = 1, T = 1, q = 0, r = x = -1 and s = 1 / y: phi0 = exp(-(y^2 + s^2/4)/2)
  // / sqrt(2 pi) is normal for y < 37.6, subnormal for 37.6 < y < 38.6 (the kernel's slow
  // branch) and rounds to 0 beyond; the price is of the order of phi0 / y^2, so in the band it
  // is a subnormal with about 30 significant bits. Pairs mix band rows with ordinary ones.
  const ys: number[] = [];
  for (let y = 36.5; y <= 39.5; y += 0.05) ys.push(y, 2);
  const n = ys.length;
  const o = emptyOptionColumns(n);
  const vol = new Float64Array(n);
  ys.forEach((y, i) => {
    o.spot[i] = 1;
    o.strike[i] = 1;
    o.t[i] = 1;
    o.rate[i] = -1;
    o.isCall[i] = 1;
    vol[i] = 1 / y;
  });
  const p = bsPrice(o, vol);
  const ref = new Float64Array(n);
  bsPriceScalar(o, vol, ref);
  let band = 0;
  for (let i = 0; i < n; i++) {
    if (ref[i]! > 0 && ref[i]! < 2.2250738585072014e-308) {
      band++;
      assert(p[i]! > 0, `row ${i} (y=${ys[i]}): ${p[i]} vs ${ref[i]}`);
    }
    // subnormal results: relative precision 2^-52 of the smallest normal, not of the value
    assert(
      Math.abs(p[i]! - ref[i]!) <= 1e-13 * ref[i]! + 1e-320,
      `row ${i} (y=${ys[i]}): ${p[i]} vs ${ref[i]}`,
    );
    if (ys[i]! > 39) assertEquals(p[i], 0, `row ${i} (y=${ys[i]}) beyond underflow`);
  }
  assert(band >= 10, `only ${band} rows in the subnormal band`);
});

Deno.test("wasm price kernel: discount exponents beyond +-708 (the clamped exp path) match scalar", () => {
  // r T or q T beyond 708 in one lane of a pair: the kernel takes its general exp for the pair
  const cases: [number, number, number][] = [
    [30, 0.01, 30], // r T = 900: K e^-rT underflows to 0
    [0.03, 0.02, 1],
    [-28.36, 0.01, 25], // r T = -709: K e^-rT = 8e307 K, finite for the small strike below
    [0.01, -0.02, 2],
    [0.02, 24, 30], // q T = 720
    [0.05, 0.01, 0.5],
  ];
  const n = cases.length;
  const o = emptyOptionColumns(n);
  const vol = new Float64Array(n).fill(0.3);
  cases.forEach(([r, q, t], i) => {
    o.spot[i] = 100;
    o.strike[i] = i === 2 ? 1e-5 : 90 + 5 * i;
    o.t[i] = t;
    o.rate[i] = r;
    o.div[i] = q;
    o.isCall[i] = i % 2;
  });
  const p = bsPrice(o, vol);
  const ref = new Float64Array(n);
  bsPriceScalar(o, vol, ref);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(ref[i]!)) assert(Number.isNaN(p[i]!), `row ${i}: ${p[i]} vs NaN`);
    else assertClose(p[i]!, ref[i]!, condition(o, vol, i), `row ${i}`);
  }
});
