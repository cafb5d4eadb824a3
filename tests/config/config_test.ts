import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { loadConfig } from "../../lib/config/mod.ts";
import { ConfigError } from "../../lib/core/errors.ts";
import { redact } from "../../lib/core/secret.ts";

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

Deno.test("a bad URL names the setting and the value's length, never the value", () => {
  const e = assertThrows(() => loadConfig({ env: { FRED_BASE_URL: "not a url" }, envFile: null }));
  assert(e instanceof ConfigError);
  assertEquals(e.setting, "FRED_BASE_URL");
  assertEquals(
    e.message,
    "Invalid setting FRED_BASE_URL: FRED_BASE_URL must be an absolute http(s) or ws(s) URL " +
      "(got a value of 9 characters, not shown)",
  );
});

Deno.test("a key pasted as a base URL never reaches the error, nor any 8-char piece of it", () => {
  // The case of issue 18: the full key reached stderr when a base URL was set to it.
  const key = "Zq8JHt3mXw0aB7cD9eF1gH2iJ";
  for (
    const env of [
      { POLYGON_BASE_URL: key },
      { POLYGON_BASE_URL: key, POLYGON_API_KEY: key },
      { POLYGON_WS_URL: `x${key.toLowerCase()}` },
      { WORKBENCH_SEED: key },
      { WORKBENCH_LOG_LEVEL: key.slice(0, 12) },
      { SMTP_PORT: key.toUpperCase() },
    ]
  ) {
    const e = assertThrows(() => loadConfig({ env, envFile: null }));
    assert(e instanceof ConfigError, String(e));
    const low = e.message.toLowerCase();
    for (let i = 0; i + 8 <= key.length; i++) {
      assert(
        !low.includes(key.slice(i, i + 8).toLowerCase()),
        `${JSON.stringify(env)}: ${e.message}`,
      );
    }
  }
  // Short values cannot hold an 8-character piece and are shown (a typo is easy to see).
  const e = assertThrows(() => loadConfig({ env: { WORKBENCH_WORKERS: "0" }, envFile: null }));
  assert(e.message.includes('(got "0")'), e.message);
});

Deno.test("userinfo of a base URL is registered as a secret and kept out of errors", () => {
  const pw = "pw_Kx81nQz7Lr2Tt";
  const c = loadConfig({
    env: { FRED_BASE_URL: `http://bob:${pw}@127.0.0.1:1/fred` },
    envFile: null,
  });
  assertEquals(c.vendors.fred.baseUrl, `http://bob:${pw}@127.0.0.1:1/fred`);
  assertEquals(
    redact(`GET ${c.vendors.fred.baseUrl}/series`),
    "GET http://bob:***@127.0.0.1:1/fred/series",
  );
  assertEquals(redact(`body echoes ${pw.toUpperCase()}`), "body echoes ***");
  const e = assertThrows(() =>
    loadConfig({ env: { POLYGON_BASE_URL: `ftp://al:${pw}x@h` }, envFile: null })
  );
  assert(!e.message.includes(pw.slice(0, 8)), e.message);
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
  // No character of the key: not even its last four (they are part of the key).
  assertEquals(String(k), "***");
  assertEquals(Deno.inspect(k), "Secret(***)");
  assertEquals(JSON.stringify({ k }), '{"k":"***"}');
});
