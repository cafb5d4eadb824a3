/**
 * The session generator's WebAssembly kernel (lib/sources/sim/wasm/sim_kernel.ts, loaded by
 * _intraday_wasm.ts) against the JavaScript reference path of _intraday.ts: the committed .wasm
 * is a fresh build of its source; its exp and log equal V8's Math.exp and Math.log (correctly
 * rounded) on millions of arguments over the generator's ranges and on edge cases, and its round
 * equals Math.round; and every output of intradayBars / intradayAggregates is the same bit for
 * bit (compared as bytes) on many seeds and specs: 390 and 23,400 steps, cents and other ticks,
 * prices below $1, jumps, minTrades and lot variants, windows and the plain bars path.
 */
import { assert, assertEquals } from "../../_assert.ts";
import {
  intradayAggregates,
  intradayBars,
  type IntradaySpec,
  useIntradayEngine,
} from "../../../lib/sources/sim/_intraday.ts";
import {
  wasmExp,
  wasmFallbacks,
  wasmKernelAvailable,
  wasmLog,
} from "../../../lib/sources/sim/_intraday_wasm.ts";
import type { Bars } from "../../../lib/sources/sim/bars.ts";

const ROOT = new URL("../../../", import.meta.url);
const SOURCE = "lib/sources/sim/wasm/sim_kernel.ts";
const CONFIG = "lib/sources/sim/wasm/asconfig.json";
const BINARY = "lib/sources/sim/wasm/sim_kernel.wasm";
const ASC = ["-y", "-p", "assemblyscript@0.28.20", "asc"];

Deno.test({
  name: "sim_kernel.wasm is the build of its committed source (deno task build-wasm)",
  // the compiler comes from the npm registry through npx; CI reaches it, as the task does
  sanitizeResources: false,
  fn: async () => {
    const deno = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
    const task: string = deno.tasks["build-wasm"];
    assert(
      task.split(" && ").includes(`npx ${ASC.join(" ")} ${SOURCE} --config ${CONFIG}`),
      `build-wasm task lacks the sim kernel: ${task}`,
    );
    const dir = await Deno.makeTempDir({ prefix: "wasm_build_" });
    try {
      const out = `${dir}/fresh.wasm`;
      const r = await new Deno.Command("npx", {
        args: [...ASC, SOURCE, "--config", CONFIG, "--outFile", out],
        cwd: ROOT.pathname,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(r.success, `asc failed: ${new TextDecoder().decode(r.stderr)}`);
      const fresh = await Deno.readFile(out);
      const committed = await Deno.readFile(new URL(BINARY, ROOT));
      assert(fresh.length > 1000, `fresh build has only ${fresh.length} bytes`);
      assertEquals(committed, fresh, `${BINARY} differs from a fresh build: deno task build-wasm`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Deterministic uniform in [0, 1) (LCG; only its spread matters). */
function lcg(seed: number): () => number {
  let u = seed >>> 0;
  return () => {
    u = (Math.imul(u, 1664525) + 1013904223) >>> 0;
    const hi = u;
    u = (Math.imul(u, 1664525) + 1013904223) >>> 0;
    return (hi * 2097152 + (u >>> 11)) / 9007199254740992;
  };
}

Deno.test("kernel exp and log: the host's Math.exp / Math.log, bit for bit, over 12 million arguments", () => {
  assert(wasmKernelAvailable, "the kernel's self-check failed on this engine");
  const r = lcg(7);
  let bad = 0;
  const first: string[] = [];
  const check = (f: (x: number) => number, g: (x: number) => number, x: number, w: string) => {
    if (!Object.is(f(x), g(x))) {
      bad++;
      if (first.length < 5) first.push(`${w}(${x}) ${f(x)} vs ${g(x)}`);
    }
  };
  const before = wasmFallbacks();
  const N = 2_000_000;
  for (let i = 0; i < N; i++) {
    check(wasmExp, Math.exp, r() * 20 - 10, "exp"); // the AR's e^a, volume noise
    check(wasmExp, Math.exp, (r() - 0.5) * 2e-3, "exp"); // high/low widening, bridge
    check(wasmExp, Math.exp, (r() - 0.5) * 1400, "exp"); // the whole fast-path range
    check(wasmLog, Math.log, r(), "log"); // the polar method's s in (0, 1)
    check(wasmLog, Math.log, 1 - r() * 0.02, "log"); // s near 1: the exact r = s - 1 branch
    check(wasmLog, Math.log, Math.exp((r() - 0.5) * 1400), "log"); // close / open and beyond
  }
  const edges = [
    0,
    -0,
    1,
    -1,
    2,
    0.5,
    1e-300,
    -1e-300,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    700,
    -700,
    700.0000000000001,
    709.7,
    709.8,
    -745.2,
    -745.1,
    1e-17,
    -1e-17,
    Math.LN2,
    -Math.LN2,
    Math.LN2 / 128,
    1 + 2 ** -52,
    1 - 2 ** -53,
    1 + 0.0078125,
    1 - 0.0078125,
    0.9921875,
    Infinity,
    -Infinity,
    NaN,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
  ];
  for (const x of edges) {
    check(wasmExp, Math.exp, x, "exp");
    check(wasmLog, Math.log, x, "log");
  }
  // the fast paths decide nearly every argument (the rest go to the host, also exact)
  const share = (wasmFallbacks() - before) / (6 * N);
  assert(share < 0.01, `host fallbacks ${share}`);
  assertEquals(bad, 0, first.join("; "));
});

const COLS = ["t", "o", "h", "l", "c", "v", "vw", "n"] as const;

/** Byte equality of two bar sets (so -0 and NaN payloads count). */
function assertSameBytes(a: Bars, b: Bars, what: string): void {
  assertEquals(a.length, b.length, `${what}: length`);
  for (const k of COLS) {
    const x = new Uint8Array(a[k].buffer, a[k].byteOffset, a[k].byteLength);
    const y = new Uint8Array(b[k].buffer, b[k].byteOffset, b[k].byteLength);
    assertEquals(x.length, y.length, `${what}: ${k} bytes`);
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== y[i]) {
        const row = i >> 3;
        throw new Error(`${what}: ${k}[${row}] ${a[k][row]} !== ${b[k][row]}`);
      }
    }
  }
}

function withEngine<T>(e: "wasm" | "js", f: () => T): T {
  const before = useIntradayEngine(e);
  try {
    return f();
  } finally {
    useIntradayEngine(before);
  }
}

function specs(): { name: string; spec: IntradaySpec }[] {
  const openMs = Date.UTC(2024, 2, 28, 13, 30);
  const spy: IntradaySpec = {
    openMs,
    steps: 23_400,
    stepMs: 1000,
    open: 520,
    close: 523,
    sdIntraday: 0.008,
    volume: 60e6,
    jumps: [],
    tradeSize: 180,
    minTrades: 4,
    lot: 100,
  };
  const eq: IntradaySpec = { ...spy, steps: 390, stepMs: 60_000, open: 41.3, close: 40.9 };
  return [
    { name: "spy seconds", spec: spy },
    { name: "spy seconds, jumps", spec: { ...spy, jumps: [-0.02, 0.01, 0.005] } },
    { name: "equity minutes", spec: eq },
    { name: "equity, falling, jumps", spec: { ...eq, close: 35, jumps: [-0.08] } },
    { name: "penny stock", spec: { ...eq, open: 0.83, close: 1.04, sdIntraday: 0.05 } },
    { name: "below a cent", spec: { ...eq, open: 0.0071, close: 0.0064, sdIntraday: 0.09 } },
    { name: "fx ticks", spec: { ...eq, open: 1.0842, close: 1.0861, tick: 0.00001, lot: 1000 } },
    { name: "index points", spec: { ...eq, open: 4512.3, close: 4490.1, tick: 0.25 } },
    { name: "minTrades 1, lot 1", spec: { ...eq, minTrades: 1, lot: 1, tradeSize: 37 } },
    { name: "thin volume", spec: { ...eq, volume: 2000, minTrades: 6, lot: 10 } },
    { name: "high vol, 17 steps", spec: { ...eq, steps: 17, sdIntraday: 0.3 } },
    { name: "one step", spec: { ...eq, steps: 1 } },
    { name: "two steps, a jump", spec: { ...eq, steps: 2, jumps: [0.03] } },
  ];
}

Deno.test("intradayBars: the kernel's bars are the JavaScript generator's, byte for byte", () => {
  assert(wasmKernelAvailable);
  const r = lcg(11);
  for (const { name, spec } of specs()) {
    const seeds = spec.steps > 1000 ? 3 : 25;
    for (let i = 0; i < seeds; i++) {
      const seed = i === 0 ? 0 : i === 1 ? 2 ** 32 - 1 : Math.floor(r() * 2 ** 32);
      const js = withEngine("js", () => intradayBars(seed, spec));
      const wa = withEngine("wasm", () => intradayBars(seed, spec));
      assertSameBytes(wa, js, `${name} seed ${seed}`);
      assert(js.length === spec.steps && js.c[spec.steps - 1]! > 0, `${name}: empty bars`);
    }
  }
});

Deno.test("intradayBars into a scratch: the kernel fills the same rows", () => {
  const spec = specs()[2]!.spec;
  const into = {
    length: 500,
    t: new Float64Array(500),
    o: new Float64Array(500),
    h: new Float64Array(500),
    l: new Float64Array(500),
    c: new Float64Array(500),
    v: new Float64Array(500),
    vw: new Float64Array(500),
    n: new Float64Array(500),
  };
  const js = withEngine("js", () => intradayBars(99, spec));
  const wa = withEngine("wasm", () => intradayBars(99, spec, into));
  assertSameBytes(wa, js, "scratch");
});

Deno.test("intradayAggregates: day and window bars of the kernel are the JavaScript ones, byte for byte", () => {
  const r = lcg(13);
  const cases: [number | undefined, number][] = [
    [60_000, 0],
    [300_000, 1_711_584_000_000],
    [undefined, 5],
    [3_600_000, 0],
    [7_000, 0],
  ];
  for (const { name, spec } of specs()) {
    const seeds = spec.steps > 1000 ? 2 : 8;
    for (let i = 0; i < seeds; i++) {
      const seed = Math.floor(r() * 2 ** 32);
      for (const [windowMs, dayMs] of cases) {
        const opts = windowMs === undefined ? { dayMs } : { windowMs, dayMs };
        const js = withEngine("js", () => intradayAggregates(seed, spec, opts));
        const wa = withEngine("wasm", () => intradayAggregates(seed, spec, opts));
        const what = `${name} seed ${seed} windowMs ${windowMs}`;
        assertSameBytes(wa.day, js.day, `${what} day`);
        assertEquals(wa.windows === undefined, js.windows === undefined, what);
        if (js.windows) assertSameBytes(wa.windows!, js.windows, `${what} windows`);
        assertEquals(js.day.length, 1, what);
      }
    }
  }
});

Deno.test("the wasm path rejects a bad seed as the JavaScript one does", () => {
  const spec = specs()[2]!.spec;
  for (const seed of [-1, 1.5, 2 ** 32, NaN]) {
    let msgJs = "", msgWa = "";
    try {
      withEngine("js", () => intradayBars(seed, spec));
    } catch (e) {
      msgJs = (e as Error).message;
    }
    try {
      withEngine("wasm", () => intradayBars(seed, spec));
    } catch (e) {
      msgWa = (e as Error).message;
    }
    assert(msgJs.includes("seed"), `js: ${msgJs}`);
    assertEquals(msgWa, msgJs);
  }
});
