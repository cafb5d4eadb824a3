/**
 * The `--lease-seconds` option the submitting tasks share in their `--cluster` mode (backtest,
 * train, backfill, consolidate, export-training): its declaration, its usage paragraph, and the
 * check and pass-through of its value (it needs `--cluster`).
 *
 * @example
 * ```ts ignore
 * options: { cluster: { type: "boolean", ... }, "lease-seconds": LEASE_OPTION },
 * ...
 * const lease = leaseOption(values); // throws UsageError without --cluster
 * await clusterEvaluate(spec, { catalog, ...lease });
 * ```
 */
import { type OptionDecl, UsageError } from "../cli/task.ts";

/** Declaration of `--lease-seconds`. */
export const LEASE_OPTION = {
  type: "integer",
  min: 10,
  description:
    "With --cluster: seconds a job may go without its worker's heartbeat before another worker reruns it (default 60; a live worker renews it, so jobs may run longer)",
} as const satisfies OptionDecl;

/** The usage paragraph on `--lease-seconds`. */
export const LEASE_HELP =
  `--lease-seconds: a killed worker's job runs again on another worker about this long after its
last heartbeat (plus a 2 s check). A live worker renews the lease while its job runs, so a job may
run longer than the lease; keep the lease above the longest pause of a busy worker (>= 10 s).`;

/**
 * The lease to pass to a cluster submission (`{}` when not given); a `UsageError` (exit 2) when
 * it is given without `--cluster`.
 */
export function leaseOption(
  values: { cluster?: boolean; "lease-seconds"?: number },
): { leaseSeconds?: number } {
  const s = values["lease-seconds"];
  if (s !== undefined && !values.cluster) throw new UsageError("--lease-seconds needs --cluster");
  return s !== undefined ? { leaseSeconds: s } : {};
}
