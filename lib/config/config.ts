/**
 * The workbench configuration: one typed object validated by zod, read from the process
 * environment and a `.env` file (environment wins). Every vendor's base URL and key, the lake
 * root and run options live here, so the same code talks to a vendor, to the simulated market or
 * to a test server by changing only settings.
 *
 * Secrets are `Secret` values: they print as `***` in logs, errors, `JSON.stringify` and
 * `Deno.inspect`. The user name and password of a base URL's userinfo are registered as secrets
 * too (see `redact`). A bad or missing setting throws `ConfigError` naming the setting and what
 * was expected; it echoes the value only when it cannot carry a secret (fewer than 8 characters,
 * never for a URL or a key setting), otherwise it says only how long the value is.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./config.ts";
 * const cfg = loadConfig({ env: { POLYGON_BASE_URL: "http://127.0.0.1:8080" } });
 * cfg.vendors.polygon.baseUrl; // "http://127.0.0.1:8080"
 * ```
 */
import { parseEnv } from "node:util";
import { z } from "zod";
import { ConfigError } from "../core/errors.ts";
import { registerSecret, Secret, SECRET_WINDOW, urlUserinfo } from "../core/secret.ts";

/** Vendor defaults: the real endpoints. */
export const VENDOR_DEFAULTS = {
  fred: { baseUrl: "https://api.stlouisfed.org/fred", env: "FRED" },
  polygon: { baseUrl: "https://api.polygon.io", env: "POLYGON" },
  alpaca: { baseUrl: "https://data.alpaca.markets", env: "ALPACA" },
  alphavantage: { baseUrl: "https://www.alphavantage.co", env: "ALPHAVANTAGE" },
  oanda: { baseUrl: "https://api-fxpractice.oanda.com", env: "OANDA" },
  finnhub: { baseUrl: "https://finnhub.io", env: "FINNHUB" },
  bls: { baseUrl: "https://api.bls.gov/publicAPI/v2", env: "BLS" },
  bea: { baseUrl: "https://apps.bea.gov/api", env: "BEA" },
  dukascopy: { baseUrl: "https://datafeed.dukascopy.com/datafeed", env: "DUKASCOPY" },
} as const;

export type VendorName = keyof typeof VENDOR_DEFAULTS;

/** One vendor's connection settings. */
export interface VendorConfig {
  baseUrl: string;
  /** API key (Alpaca: the key id). Absent when not configured. */
  apiKey: Secret | undefined;
  /** Second credential where the vendor needs one (Alpaca secret key). */
  apiSecret: Secret | undefined;
}

/** The whole configuration. */
export interface WorkbenchConfig {
  lakeRoot: string;
  vendors: Record<VendorName, VendorConfig> & { polygonWsUrl: string };
  run: {
    seed: number;
    workers: number;
    logLevel: "debug" | "info" | "warn" | "error";
    /**
     * Use the built-in simulated market instead of the vendors. `WORKBENCH_USE_SIM`: true, false
     * or auto (the default): auto means the simulated market exactly when no vendor key and no
     * vendor base URL is configured, so a `.env` with keys talks to the vendors.
     */
    useSim: boolean;
    /** Why {@link useSim} has its value (printed by the tasks that connect to vendors). */
    useSimReason: string;
  };
  smtp: {
    host: string | undefined;
    port: number;
    tls: boolean;
    user: string | undefined;
    password: Secret | undefined;
    from: string;
    to: string | undefined;
  };
}

const url = (name: string) =>
  z.string().refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === "http:" || u.protocol === "https:" || u.protocol === "ws:" ||
        u.protocol === "wss:";
    } catch {
      return false;
    }
  }, { message: `${name} must be an absolute http(s) or ws(s) URL` });

const intIn = (lo: number, hi: number) =>
  z.string().regex(/^-?\d+$/, { message: "expected an integer" }).transform(Number).refine(
    (n) => n >= lo && n <= hi,
    { message: `expected an integer from ${lo} to ${hi}` },
  );

const bool = z.enum(["1", "0", "true", "false", "yes", "no"], {
  message: "expected one of 1, 0, true, false, yes, no",
}).transform((s) => s === "1" || s === "true" || s === "yes");

function useSimSetting(
  raw: string | undefined,
  vendorEnvSet: string[],
): { useSim: boolean; useSimReason: string } {
  if (raw === undefined || raw.toLowerCase() === "auto") {
    return vendorEnvSet.length === 0
      ? { useSim: true, useSimReason: "WORKBENCH_USE_SIM=auto and no vendor key or URL is set" }
      : {
        useSim: false,
        useSimReason: `WORKBENCH_USE_SIM=auto and vendor settings are set (${
          vendorEnvSet.join(", ")
        })`,
      };
  }
  const on = check(
    z.enum(["1", "0", "true", "false", "yes", "no"], {
      message: "expected auto, 1, 0, true, false, yes or no",
    }).transform((s) => s === "1" || s === "true" || s === "yes"),
    "WORKBENCH_USE_SIM",
    raw,
  );
  return { useSim: on, useSimReason: `WORKBENCH_USE_SIM=${raw}` };
}

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Variables to use instead of the process environment. @default Deno.env.toObject() */
  env?: Record<string, string | undefined>;
  /** Path of the dotenv file; missing file is fine. @default ".env" */
  envFile?: string | null;
}

function readDotEnv(path: string | null): Record<string, string> {
  if (!path) return {};
  try {
    return { ...parseEnv(Deno.readTextFileSync(path)) } as Record<string, string>;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw new ConfigError(path, `cannot read the env file (${(e as Error).name})`);
  }
}

/**
 * How a bad value is shown in a config error: `(missing)`, the value itself when it has fewer
 * than 8 characters and is not secret-bearing (no 8-character piece of anything can be in it),
 * else only its length (a key pasted into the wrong setting, or a URL with userinfo, stays out
 * of the message).
 */
export function describeValue(value: string | undefined, secretBearing = false): string {
  if (value === undefined) return "(missing)";
  if (!secretBearing && value.length < SECRET_WINDOW) return JSON.stringify(value);
  return `a value of ${value.length} character${value.length === 1 ? "" : "s"}, not shown`;
}

function check<T>(
  schema: z.ZodType<T>,
  setting: string,
  value: string | undefined,
  secretBearing = false,
): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const msg = r.error.issues.map((i) => i.message).join("; ");
    throw new ConfigError(setting, `${msg} (got ${describeValue(value, secretBearing)})`);
  }
  return r.data;
}

/**
 * Read and validate the configuration.
 *
 * Settings (all optional; defaults in brackets): `WORKBENCH_DATA` [./data/lake],
 * `<VENDOR>_BASE_URL` [the vendor's real endpoint], `<VENDOR>_API_KEY`, `ALPACA_API_SECRET`,
 * `POLYGON_WS_URL` [wss://socket.polygon.io], `ALPACA_DATA_URL` (alias of ALPACA_BASE_URL),
 * `WORKBENCH_SEED` [42], `WORKBENCH_WORKERS` [2], `WORKBENCH_LOG_LEVEL` [info],
 * `WORKBENCH_USE_SIM` [auto: the simulated market when no vendor key or URL is set], `SMTP_HOST`, `SMTP_PORT` [587], `SMTP_TLS` [true], `SMTP_USER`,
 * `SMTP_PASSWORD`, `SMTP_FROM` [workbench@localhost], `SMTP_TO`.
 */
export function loadConfig(options: LoadConfigOptions = {}): WorkbenchConfig {
  let procEnv: Record<string, string | undefined> = {};
  if (!options.env) {
    try {
      procEnv = Deno.env.toObject();
    } catch { /* no env permission: dotenv and defaults only */ }
  }
  const fileEnv = readDotEnv(options.envFile === undefined ? ".env" : options.envFile);
  const env: Record<string, string | undefined> = { ...fileEnv, ...(options.env ?? procEnv) };
  const get = (k: string) => {
    const v = env[k];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const secret = (k: string) => {
    const v = get(k);
    return v === undefined ? undefined : new Secret(v);
  };
  // Register every secret before anything is validated, so that no error below can carry one:
  // key settings, and the userinfo of any URL setting.
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || v.trim() === "") continue;
    if (/(?:^|_)(?:KEY|SECRET|TOKEN|PASSWORD|PASS)$/.test(k)) registerSecret(v.trim());
    // Userinfo pieces of 8+ characters (shorter ones, "user", would match ordinary words; the
    // userinfo rule of `redact` removes them from URLs whatever their length).
    for (const part of urlUserinfo(v.trim())) {
      if (part.length >= SECRET_WINDOW) registerSecret(part);
    }
  }

  const vendors = {} as Record<VendorName, VendorConfig>;
  for (
    const [name, d] of Object.entries(VENDOR_DEFAULTS) as [
      VendorName,
      typeof VENDOR_DEFAULTS[VendorName],
    ][]
  ) {
    const key = `${d.env}_BASE_URL`;
    let raw = get(key);
    if (name === "alpaca") raw = get("ALPACA_DATA_URL") ?? raw;
    const baseUrl = check(
      url(key),
      name === "alpaca" && get("ALPACA_DATA_URL") ? "ALPACA_DATA_URL" : key,
      raw ?? d.baseUrl,
      true,
    )
      .replace(/\/+$/, "");
    vendors[name] = {
      baseUrl,
      apiKey: secret(`${d.env}_API_KEY`),
      apiSecret: name === "alpaca" ? secret("ALPACA_API_SECRET") : undefined,
    };
  }
  const polygonWsUrl = check(
    url("POLYGON_WS_URL"),
    "POLYGON_WS_URL",
    get("POLYGON_WS_URL") ?? "wss://socket.polygon.io",
    true,
  );

  const vendorEnvSet = Object.keys(env).filter((k) =>
    /^(FRED|POLYGON|ALPACA|ALPHAVANTAGE|OANDA|FINNHUB|BLS|BEA|DUKASCOPY)_(API_KEY|API_SECRET|BASE_URL|DATA_URL|WS_URL)$/
      .test(k) && get(k) !== undefined
  ).sort();

  const lakeRoot = get("WORKBENCH_DATA") ?? "./data/lake";
  if (/[\0]/.test(lakeRoot)) throw new ConfigError("WORKBENCH_DATA", "path contains a NUL byte");

  const level = check(
    z.enum(["debug", "info", "warn", "error"], { message: "expected debug, info, warn or error" }),
    "WORKBENCH_LOG_LEVEL",
    get("WORKBENCH_LOG_LEVEL") ?? "info",
  );

  return {
    lakeRoot,
    vendors: { ...vendors, polygonWsUrl },
    run: {
      seed: check(intIn(0, 2 ** 31 - 1), "WORKBENCH_SEED", get("WORKBENCH_SEED") ?? "42"),
      workers: check(intIn(1, 64), "WORKBENCH_WORKERS", get("WORKBENCH_WORKERS") ?? "2"),
      logLevel: level,
      ...useSimSetting(get("WORKBENCH_USE_SIM"), vendorEnvSet),
    },
    smtp: {
      host: get("SMTP_HOST"),
      port: check(intIn(1, 65535), "SMTP_PORT", get("SMTP_PORT") ?? "587"),
      tls: check(bool, "SMTP_TLS", get("SMTP_TLS") ?? "true"),
      user: get("SMTP_USER"),
      password: secret("SMTP_PASSWORD"),
      from: get("SMTP_FROM") ?? "workbench@localhost",
      to: get("SMTP_TO"),
    },
  };
}
