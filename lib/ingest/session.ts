/**
 * Opening the vendor side of an ingest run: clients from the configuration, or, for the built-in
 * simulated market, an in-process replay server with clients pointed at it (the same code path
 * as the real vendors, only the base URLs differ).
 */
import { loadConfig, type WorkbenchConfig } from "../config/config.ts";
import { log } from "../core/log.ts";
import { Secret } from "../core/secret.ts";
import type { HttpClientOptions } from "../sources/_http.ts";
import type { SimServer, SimServerOptions } from "../sources/sim/mod.ts";
import { connectClients } from "./registry.ts";
import type { Clients } from "./types.ts";

/** An open ingest session. */
export interface IngestSession {
  clients: Clients;
  /** The in-process simulated market, when one was started. */
  sim?: SimServer;
  close(): Promise<void>;
}

/**
 * A simulated market already running elsewhere (e.g. `startSimServerWorker`'s, on its own
 * thread): the session's clients point at `baseUrl`, nothing is started, and the session's
 * close leaves it running (its owner closes it).
 */
export interface RunningSim {
  baseUrl: string;
}

/**
 * Which vendors a session uses: the simulated market started in-process with these options
 * (`true`: the configured seed), one already running at a base URL, or (`false`) the configured
 * vendors.
 */
export type SimOption = SimServerOptions | RunningSim | boolean;

function isRunning(s: SimOption | undefined): s is RunningSim {
  return typeof s === "object" && "baseUrl" in s;
}

/** Options of {@link openSession}. */
export interface SessionOptions {
  /**
   * Start the simulated market in-process and use it (options passed through), or use one
   * already running (`{ baseUrl }`: nothing started, close is a no-op for it); `false` forces
   * the configured vendors. @default the configuration's `run.useSim` (WORKBENCH_USE_SIM)
   */
  sim?: SimOption;
  /** Configuration. @default loadConfig() */
  config?: WorkbenchConfig;
  /** HTTP policy overrides for every vendor. */
  http?: Partial<HttpClientOptions>;
  /** Key sent to the simulated market (any non-empty key is accepted). @default a fixed local key */
  simKey?: string;
}

const SIM_KEY = "sim-local-key-0000";

/** Config whose vendor base URLs point at a simulated market at `baseUrl`. */
export function simConfig(base: WorkbenchConfig, baseUrl: string, key = SIM_KEY): WorkbenchConfig {
  const k = new Secret(key);
  const v = (url: string, withSecret = false) => ({
    baseUrl: url,
    apiKey: k,
    apiSecret: withSecret ? k : undefined,
  });
  return {
    ...base,
    vendors: {
      ...base.vendors,
      fred: v(`${baseUrl}/fred`),
      polygon: v(baseUrl),
      alpaca: v(baseUrl, true),
      alphavantage: v(baseUrl),
      oanda: v(baseUrl),
      finnhub: v(`${baseUrl}/api/v1`),
      bls: v(`${baseUrl}/publicAPI/v2`),
      bea: v(`${baseUrl}/bea/api`),
      dukascopy: { baseUrl: `${baseUrl}/datafeed`, apiKey: undefined, apiSecret: undefined },
    },
  };
}

/**
 * Open clients against the configured vendors, an in-process simulated market, or a simulated
 * market already running at a base URL.
 */
export async function openSession(options: SessionOptions = {}): Promise<IngestSession> {
  const cfg = options.config ?? loadConfig();
  const http = options.http ?? {};
  const simOption = options.sim ?? cfg.run.useSim;
  const running = isRunning(simOption) ? simOption : undefined;
  log.info("ingest.source", {
    source: running
      ? "simulated market (already running)"
      : simOption
      ? "simulated market (in-process)"
      : "configured vendors",
    why: options.sim === undefined ? cfg.run.useSimReason : "chosen by the caller",
  });
  // The simulated market applies no vendor throttle unless configured: do not pace against it.
  const fast = { minIntervalMs: 0, jitterMs: 0, perMinute: Infinity, concurrency: 8, ...http };
  if (running) {
    const clients = connectClients(simConfig(cfg, running.baseUrl, options.simKey), {
      http: fast,
    });
    return { clients, close: () => Promise.resolve() };
  }
  if (simOption && !isRunning(simOption)) {
    const simOpts: SimServerOptions = simOption === true ? { seed: cfg.run.seed } : simOption;
    // Loaded on demand: runs against real vendors do not pay for the simulator's modules.
    const { startSimServer } = await import("../sources/sim/mod.ts");
    const sim = await startSimServer(simOpts);
    const clients = connectClients(simConfig(cfg, sim.baseUrl, options.simKey), { http: fast });
    return { clients, sim, close: () => sim.close() };
  }
  return { clients: connectClients(cfg, { http }), close: () => Promise.resolve() };
}
