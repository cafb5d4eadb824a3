/**
 * Where each vendor lives and which credentials it takes. Base URLs always come from
 * configuration (`lib/config`: `<VENDOR>_BASE_URL`, `<VENDOR>_API_KEY`, `ALPACA_API_SECRET`), so
 * the same commands run against the real vendor, the simulated market, or a test server.
 */
import { loadConfig, type VendorName, type WorkbenchConfig } from "../config/config.ts";
import type { Secret } from "../core/secret.ts";

/** Vendors with a connector. */
export type Vendor = VendorName;

/** Base URL and credentials of one vendor. */
export interface VendorEndpoint {
  /** Base URL, e.g. `https://api.stlouisfed.org/fred` (trailing slash optional). */
  baseUrl: string;
  /** API key or token (Alpaca: the key id). */
  apiKey?: Secret;
  /** Second credential (Alpaca secret key). */
  apiSecret?: Secret;
}

/** The endpoint of a vendor from the workbench configuration. */
export function vendorEndpoint(vendor: Vendor, config?: WorkbenchConfig): VendorEndpoint {
  const cfg = config ?? loadConfig();
  const v = cfg.vendors[vendor];
  const ep: VendorEndpoint = { baseUrl: v.baseUrl };
  if (v.apiKey) ep.apiKey = v.apiKey;
  if (v.apiSecret) ep.apiSecret = v.apiSecret;
  return ep;
}

/** Join a base URL and a path without doubling or dropping the slash. */
export function joinUrl(base: string, path: string): URL {
  const b = base.endsWith("/") ? base : base + "/";
  return new URL(path.replace(/^\//, ""), b);
}
