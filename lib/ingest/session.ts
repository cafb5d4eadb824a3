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

/** Options of {@link openSession}. */
export interface SessionOptions {
  /**
   * Start the simulated market in-process and use it (options passed through); `false` forces
   * the configured vendors. @default the configuration's `run.useSim` (WORKBENCH_USE_SIM)
   */
  sim?: SimServerOptions | boolean;
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

/** Open clients against the configured vendors or an in-process simulated market. */
export async function openSession(options: SessionOptions = {}): Promise<IngestSession> {
  const cfg = options.config ?? loadConfig();
  const http = options.http ?? {};
  const simOption = options.sim ?? cfg.run.useSim;
  log.info("ingest.source", {
    source: simOption ? "simulated market (in-process)" : "configured vendors",
    why: options.sim === undefined ? cfg.run.useSimReason : "chosen by the caller",
  });
  if (simOption) {
    const simOpts: SimServerOptions = simOption === true ? { seed: cfg.run.seed } : simOption;
    // Loaded on demand: runs against real vendors do not pay for the simulator's modules.
    const { startSimServer } = await import("../sources/sim/mod.ts");
    const sim = await startSimServer(simOpts);
    // The simulated market applies no vendor throttle unless configured: do not pace against it.
    const fast = { minIntervalMs: 0, jitterMs: 0, perMinute: Infinity, concurrency: 8, ...http };
    const clients = connectClients(simConfig(cfg, sim.baseUrl, options.simKey), { http: fast });
    return { clients, sim, close: () => sim.close() };
  }
  return { clients: connectClients(cfg, { http }), close: () => Promise.resolve() };
}
