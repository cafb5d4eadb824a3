import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { loadConfig } from "../../lib/config/mod.ts";
import { ConfigError } from "../../lib/core/errors.ts";

const FAKE_KEY = "pk_test_FAKEKEY_0123456789abcd";

Deno.test("defaults point at the real vendors and the local lake", () => {
  const c = loadConfig({ env: {}, envFile: null });
  assertEquals(c.lakeRoot, "./data/lake");
  assertEquals(c.vendors.fred.baseUrl, "https://api.stlouisfed.org/fred");
  assertEquals(c.vendors.polygon.apiKey, undefined);
  assertEquals(c.run.seed, 42);
  assertEquals(c.run.useSim, true);
});

Deno.test("base URLs come from the environment, trailing slash removed", () => {
  const c = loadConfig({
    env: { POLYGON_BASE_URL: "http://127.0.0.1:9999/", ALPACA_DATA_URL: "http://127.0.0.1:1/" },
    envFile: null,
  });
  assertEquals(c.vendors.polygon.baseUrl, "http://127.0.0.1:9999");
  assertEquals(c.vendors.alpaca.baseUrl, "http://127.0.0.1:1");
});

Deno.test("a bad URL names the setting and the value", () => {
  const e = assertThrows(() => loadConfig({ env: { FRED_BASE_URL: "not a url" }, envFile: null }));
  assert(e instanceof ConfigError);
  assertEquals(e.setting, "FRED_BASE_URL");
  assert(e.message.includes("FRED_BASE_URL") && e.message.includes("not a url"), e.message);
});

Deno.test("bad integers and enums name the setting and what was expected", () => {
  const e1 = assertThrows(() => loadConfig({ env: { WORKBENCH_WORKERS: "0" }, envFile: null }));
  assert(e1 instanceof ConfigError && e1.message.includes("from 1 to 64"), String(e1));
  const e2 = assertThrows(() => loadConfig({ env: { WORKBENCH_SEED: "abc" }, envFile: null }));
  assert(e2 instanceof ConfigError && e2.message.includes("WORKBENCH_SEED"));
  const e3 = assertThrows(() =>
    loadConfig({ env: { WORKBENCH_LOG_LEVEL: "loud" }, envFile: null })
  );
  assert(e3 instanceof ConfigError && e3.message.includes("debug, info, warn or error"));
  const e4 = assertThrows(() => loadConfig({ env: { WORKBENCH_USE_SIM: "maybe" }, envFile: null }));
  assert(e4 instanceof ConfigError && e4.message.includes("WORKBENCH_USE_SIM"));
});

Deno.test("WORKBENCH_USE_SIM=auto: the simulated market only when no vendor key or URL is set", () => {
  const none = loadConfig({ env: {}, envFile: null });
  assert(none.run.useSim && none.run.useSimReason.includes("auto"), none.run.useSimReason);
  const keyed = loadConfig({ env: { POLYGON_API_KEY: FAKE_KEY }, envFile: null });
  assertEquals(keyed.run.useSim, false);
  assert(keyed.run.useSimReason.includes("POLYGON_API_KEY"), keyed.run.useSimReason);
  assert(!keyed.run.useSimReason.includes(FAKE_KEY), "the reason names settings, not values");
  const url = loadConfig({ env: { FRED_BASE_URL: "http://127.0.0.1:1" }, envFile: null });
  assertEquals(url.run.useSim, false);
  const blank = loadConfig({ env: { POLYGON_API_KEY: "  " }, envFile: null });
  assertEquals(blank.run.useSim, true, "an empty setting counts as unset");
  const forced = loadConfig({
    env: { POLYGON_API_KEY: FAKE_KEY, WORKBENCH_USE_SIM: "true" },
    envFile: null,
  });
  assertEquals(forced.run.useSim, true);
  const off = loadConfig({ env: { WORKBENCH_USE_SIM: "no" }, envFile: null });
  assertEquals(off.run.useSim, false);
});

Deno.test(".env file is read and the environment overrides it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const f = `${dir}/.env`;
    await Deno.writeTextFile(
      f,
      `WORKBENCH_DATA=/x/lake\nWORKBENCH_SEED=7\nFRED_API_KEY=${FAKE_KEY}\n`,
    );
    const c = loadConfig({ env: { WORKBENCH_SEED: "9" }, envFile: f });
    assertEquals(c.lakeRoot, "/x/lake");
    assertEquals(c.run.seed, 9);
    assertEquals(c.vendors.fred.apiKey?.reveal(), FAKE_KEY);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("secrets never print: String, JSON, inspect, template, error message", () => {
  const c = loadConfig({ env: { POLYGON_API_KEY: FAKE_KEY }, envFile: null });
  const k = c.vendors.polygon.apiKey!;
  for (
    const s of [
      String(k),
      `${k}`,
      JSON.stringify(c),
      Deno.inspect(c, { depth: 10 }),
      Deno.inspect(k),
      new Error(`request failed with ${k}`).message,
    ]
  ) {
    assert(!s.includes(FAKE_KEY), `leaked in: ${s.slice(0, 200)}`);
  }
  assertEquals(String(k), "***abcd");
});
