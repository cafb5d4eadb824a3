/**
 * `deno task verify` as a subprocess on a lake root, for the verify/repair tests: no vendor or
 * workbench setting of this process's environment is inherited (the simulated market answers a
 * refetch), logs at the default level.
 */
const TASK = new URL("../tasks/verify.ts", import.meta.url).pathname;

/** Run the verify task on `root` with `args`; its exit code, stdout and stderr. */
export function verifyTask(root: string, ...args: string[]) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (!/^(FRED|POLYGON|ALPACA|ALPHAVANTAGE|OANDA|FINNHUB|BLS|BEA|WORKBENCH)_/.test(k)) env[k] = v;
  }
  const out = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", TASK, ...args],
    env: { ...env, WORKBENCH_DATA: root, WORKBENCH_USE_SIM: "auto", WORKBENCH_DEBUG: "0" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}
