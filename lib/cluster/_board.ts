/** The workers' status board: one row per worker process, in the queue's schema. */
import type postgres from "postgres";
import { quoteIdent } from "./connection.ts";

/** Create the board table if it is missing (concurrent creators: the loser retries once). */
export async function ensureBoard(sql: postgres.Sql, schema: string): Promise<void> {
  const ddl = `CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.wb_worker (
    worker_id text PRIMARY KEY, host text NOT NULL, pid int NOT NULL,
    started_at timestamptz NOT NULL, last_seen timestamptz NOT NULL,
    active int NOT NULL DEFAULT 0, done int NOT NULL DEFAULT 0, failed int NOT NULL DEFAULT 0,
    state text NOT NULL)`;
  await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`).catch(() => {});
  try {
    await sql.unsafe(ddl);
  } catch {
    await new Promise((r) => setTimeout(r, 100));
    await sql.unsafe(ddl);
  }
}

/** One worker's row. */
export interface BoardRow {
  workerId: string;
  host: string;
  pid: number;
  startedAt: Date;
  lastSeen: Date;
  active: number;
  done: number;
  failed: number;
  /** "running", "stopping" or "stopped"; a running row not seen for a while is a dead worker. */
  state: string;
}

/** Write a worker's row. */
export async function writeBoard(sql: postgres.Sql, schema: string, r: BoardRow): Promise<void> {
  await sql.unsafe(
    `INSERT INTO ${quoteIdent(schema)}.wb_worker AS w
       (worker_id, host, pid, started_at, last_seen, active, done, failed, state)
     VALUES ($1, $2, $3, $4, now(), $5, $6, $7, $8)
     ON CONFLICT (worker_id) DO UPDATE SET last_seen = now(), active = EXCLUDED.active,
       done = EXCLUDED.done, failed = EXCLUDED.failed, state = EXCLUDED.state`,
    [r.workerId, r.host, r.pid, r.startedAt, r.active, r.done, r.failed, r.state],
  );
}

/** Every row, with the seconds since each worker was last seen. */
export async function readBoard(
  sql: postgres.Sql,
  schema: string,
): Promise<(BoardRow & { silentSeconds: number })[]> {
  const rows = await sql.unsafe(
    `SELECT worker_id, host, pid, started_at, last_seen, active, done, failed, state,
            extract(epoch FROM now() - last_seen)::float8 AS silent
       FROM ${quoteIdent(schema)}.wb_worker ORDER BY worker_id`,
  );
  return rows.map((r) => ({
    workerId: r.worker_id as string,
    host: r.host as string,
    pid: Number(r.pid),
    startedAt: r.started_at as Date,
    lastSeen: r.last_seen as Date,
    active: Number(r.active),
    done: Number(r.done),
    failed: Number(r.failed),
    state: r.state as string,
    silentSeconds: Number(r.silent),
  }));
}
