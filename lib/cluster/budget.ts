/**
 * A vendor request budget shared by every worker: a token bucket in PostgreSQL
 * (`<schema>.wb_budget`, one row per vendor). Capacity C tokens, refilled at R tokens per second;
 * a request takes one token: tokens = min(C, tokens + R * (now - updated_at)) - 1, done in one
 * UPDATE guarded by `tokens >= 1` after refill, so two workers can never spend the same token (the
 * row lock serialises them). With no token left the caller sleeps for the refill time of one
 * token and tries again. `used` counts every token taken (the run's total requests), and a
 * `dailyLimit` stops requests beyond it (BudgetExceededError) the way a vendor's daily quota would.
 *
 * Use {@link budgetFetch} as the `fetch` of the vendor HTTP clients (lib/sources `_http.ts`
 * accepts one), so every attempt, retries included, spends from the shared bucket.
 *
 * @example
 * ```ts ignore
 * const b = await openBudget(catalog, "polygon", { perSecond: 5, capacity: 5 });
 * const clients = connectClients(cfg, { http: { fetch: budgetFetch(b) } });
 * ```
 */
import type postgres from "postgres";
import { type ClusterCatalog, openSql, quoteIdent } from "./connection.ts";

/** The budget of one vendor. */
export interface BudgetSettings {
  /** Refill rate R, tokens per second. */
  perSecond: number;
  /** Bucket capacity C (the largest burst). @default max(1, perSecond) */
  capacity?: number;
  /** Requests allowed in all (null: no limit). @default null */
  dailyLimit?: number | null;
}

/** The vendor's budget is spent. */
export class BudgetExceededError extends Error {
  override name = "BudgetExceededError";
}

/** An open shared budget. */
export interface SharedBudget {
  vendor: string;
  /** Take one token, waiting for the refill when the bucket is empty. */
  take(): Promise<void>;
  /** Tokens taken so far by every worker. */
  used(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Create (or update the settings of) a vendor's bucket and open it. The first opener fills the
 * bucket; settings of an existing row are replaced, its `used` count is kept.
 */
export async function openBudget(
  catalog: ClusterCatalog,
  vendor: string,
  settings?: BudgetSettings,
): Promise<SharedBudget> {
  if (settings && !(settings.perSecond > 0)) {
    throw new RangeError(`budget perSecond must be > 0, got ${settings.perSecond}`);
  }
  const sql = openSql(catalog.url, { max: 1 });
  const t = `${quoteIdent(catalog.schema)}.wb_budget`;
  await ensureBudgetTable(sql, catalog.schema);
  if (settings) {
    const cap = settings.capacity ?? Math.max(1, settings.perSecond);
    await sql.unsafe(
      `INSERT INTO ${t} (vendor, tokens, capacity, per_second, daily_limit, used, updated_at)
       VALUES ($1, $2, $2, $3, $4, 0, clock_timestamp())
       ON CONFLICT (vendor) DO UPDATE SET capacity = $2, per_second = $3, daily_limit = $4`,
      [vendor, cap, settings.perSecond, settings.dailyLimit ?? null],
    );
  }
  const take = async () => {
    for (;;) {
      const rows = await sql.unsafe(
        `WITH cur AS (
           SELECT vendor, least(capacity, tokens + per_second *
                    extract(epoch FROM clock_timestamp() - updated_at)) AS avail,
                  per_second, daily_limit, used
             FROM ${t} WHERE vendor = $1 FOR UPDATE)
         UPDATE ${t} b SET
           tokens = CASE WHEN cur.avail >= 1 AND (cur.daily_limit IS NULL OR cur.used < cur.daily_limit)
                         THEN cur.avail - 1 ELSE cur.avail END,
           used = b.used + CASE WHEN cur.avail >= 1 AND (cur.daily_limit IS NULL OR cur.used < cur.daily_limit)
                                THEN 1 ELSE 0 END,
           updated_at = clock_timestamp()
         FROM cur WHERE b.vendor = cur.vendor
         RETURNING cur.avail AS avail, cur.per_second AS rate, cur.daily_limit AS lim, cur.used AS used`,
        [vendor],
      );
      const r = rows[0];
      if (!r) {
        throw new RangeError(`No shared budget for vendor "${vendor}" (open it with settings)`);
      }
      const avail = Number(r.avail), rate = Number(r.rate);
      if (r.lim !== null && Number(r.used) >= Number(r.lim)) {
        throw new BudgetExceededError(
          `Vendor ${vendor}: shared request budget of ${r.lim} is spent`,
        );
      }
      if (avail >= 1) return;
      await new Promise((res) => setTimeout(res, Math.max(1, ((1 - avail) / rate) * 1000)));
    }
  };
  return {
    vendor,
    take,
    async used() {
      const rows = await sql.unsafe(`SELECT used FROM ${t} WHERE vendor = $1`, [vendor]);
      return rows[0] ? Number(rows[0].used) : 0;
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

async function ensureBudgetTable(sql: postgres.Sql, schema: string): Promise<void> {
  await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`).catch(() => {});
  const ddl = `CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.wb_budget (
    vendor text PRIMARY KEY, tokens float8 NOT NULL, capacity float8 NOT NULL,
    per_second float8 NOT NULL, daily_limit bigint, used bigint NOT NULL,
    updated_at timestamptz NOT NULL)`;
  try {
    await sql.unsafe(ddl);
  } catch {
    await new Promise((r) => setTimeout(r, 100));
    await sql.unsafe(ddl);
  }
}

/** A `fetch` that takes a token from the shared budget before every request. */
export function budgetFetch(budget: SharedBudget, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    await budget.take();
    return inner(input, init);
  };
}
