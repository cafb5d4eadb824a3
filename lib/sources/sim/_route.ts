/** Private: shared types and helpers of the replay server's routes. */
import type { World } from "./world.ts";

/** What a route handler returns; the server applies faults and serializes. */
export interface RouteResult {
  status: number;
  /** JSON body (bigints written exactly). */
  json?: unknown;
  /** Text body (CSV, plain errors). */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Key of the row array inside `json`, for row-level faults. */
  rowsKey?: string;
  /** Pagination: make the next URL for a cursor state (for duplicate/loop faults). */
  page?: {
    /** Cursor state of this page (undefined on a first page without cursor). */
    current: Record<string, unknown>;
    /** Build the next_url (or page token) for a cursor state. */
    urlFor: (state: Record<string, unknown>) => string;
    /** Key field of a row, used to rewind a cursor by k rows. */
    keyOf: (row: Record<string, unknown>) => string | number;
    /** Name of the cursor position field in the state. */
    posField: string;
    /** Where the next link lives in `json`. */
    nextKey: string;
  };
  /** Vendor error body for an HTTP-200 error fault. */
  error200?: unknown;
}

export interface RouteCtx {
  world: World;
  url: URL;
  req: Request;
  baseUrl: string;
  requestId: string;
  /** Simulated "now" (epoch ms). */
  nowMs: number;
}

export function b64url(s: string): string {
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
export function unb64url(s: string): string {
  return atob(s.replace(/-/g, "+").replace(/_/g, "/"));
}

export function encodeCursor(state: Record<string, unknown>): string {
  return b64url(JSON.stringify(state));
}
export function decodeCursor(c: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(unb64url(c));
    return typeof v === "object" && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Parse a Polygon range filter family: `name`, `name.gte`, `.gt`, `.lte`, `.lt`. */
export function rangeFilter(q: URLSearchParams, name: string): (v: string | number) => boolean {
  const eq = q.get(name), gte = q.get(`${name}.gte`), gt = q.get(`${name}.gt`);
  const lte = q.get(`${name}.lte`), lt = q.get(`${name}.lt`);
  const num = (x: string | number) => typeof x === "number";
  return (v) => {
    const cmp = (a: string | number, b: string) =>
      num(a) ? (a as number) - Number(b) : String(a).localeCompare(b);
    if (eq !== null && cmp(v, eq) !== 0) return false;
    if (gte !== null && cmp(v, gte) < 0) return false;
    if (gt !== null && cmp(v, gt) <= 0) return false;
    if (lte !== null && cmp(v, lte) > 0) return false;
    if (lt !== null && cmp(v, lt) >= 0) return false;
    return true;
  };
}

/** Clamp a limit parameter; NaN when malformed. */
export function parseLimit(v: string | null, def: number, max: number): number {
  if (v === null) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) return NaN;
  return Math.min(n, max);
}

/** Query string without secrets (for logs and lineage). */
export function redactPath(url: URL): string {
  const q = new URLSearchParams(url.search);
  for (const k of ["apiKey", "api_key", "apikey", "token", "UserID"]) if (q.has(k)) q.set(k, "***");
  const s = q.toString();
  return url.pathname + (s ? "?" + s : "");
}

export const json = (
  status: number,
  body: unknown,
  extra: Partial<RouteResult> = {},
): RouteResult => ({
  status,
  json: body,
  ...extra,
});
