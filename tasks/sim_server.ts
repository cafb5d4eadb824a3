/** `deno task sim-server`: run the simulated market (vendor REST and WebSocket) until Ctrl-C. */
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { startSimServer, type WorldConfig, type WsOptions } from "../lib/sources/sim/mod.ts";

const TASK = defineTask({
  name: "sim-server",
  summary:
    "Run the simulated market, speaking the vendors' REST and WebSocket formats, until Ctrl-C.",
  options: {
    port: { type: "integer", min: 0, default: 8787, description: "Port (0 picks a free one)" },
    seed: { type: "integer", default: 1, description: "Seed of the simulated world" },
    start: {
      type: "date",
      description: "First session of the world, 2001..2035 (default 2024-01-02)",
    },
    end: {
      type: "date",
      description: "Last session of the world, 2001..2035 (default 2024-03-28)",
    },
    "ws-date": {
      type: "date",
      example: "2024-03-28",
      description: "Session the WebSocket replays (default: the world's last session)",
    },
    "ws-speed": {
      type: "number",
      min: 0,
      default: 0,
      description:
        "WebSocket replay speed: 1 real time, 10 ten times faster, 0 as fast as possible",
    },
    "replay-lake": {
      type: "date",
      example: "2024-03-15",
      description: "Replay the lake's curated minute bars of this session instead of the world",
    },
  },
  details: `Prints the base URL and the environment variables that point the connectors at it
(FRED_BASE_URL, POLYGON_BASE_URL, POLYGON_WS_URL, ALPACA_DATA_URL, ...). Any API key is accepted.

Exit codes: 0 stopped by SIGINT/SIGTERM, 1 could not start (e.g. port in use, no lake bars for
--replay-lake), 2 bad arguments.`,
  examples: ["--port 8787 --seed 7", "--ws-speed 10 --ws-date 2024-03-28"],
});

await runTask(TASK, async ({ values }) => {
  if (values.start && values.end && values.start > values.end) {
    throw new UsageError(`--start ${values.start} is after --end ${values.end}`);
  }
  const world: WorldConfig = {};
  if (values.start) world.start = values.start;
  if (values.end) world.end = values.end;
  const ws: WsOptions = { speed: values["ws-speed"] };
  if (values["ws-date"]) ws.date = values["ws-date"];
  if (values["replay-lake"]) {
    const { lakeReplayEvents } = await import("../lib/sources/sim/lake_replay.ts");
    const date = values["replay-lake"];
    const events = await lakeReplayEvents(date);
    if (events.length === 0) throw new Error(`No curated minute bars in the lake for ${date}`);
    ws.replay = { date, events };
  }
  let sim;
  try {
    sim = await startSimServer({ port: values.port, seed: values.seed, world, ws });
  } catch (e) {
    // The world generator throws RangeError for settings it cannot build (dates, --ws-date).
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  console.log(
    `sim-server listening on ${sim.baseUrl} (WebSocket ${sim.wsUrl}/stocks); sessions ` +
      `${sim.world.days[0]}..${sim.world.today}; seed ${sim.world.config.seed}\n` +
      `Point the connectors at it:\n` +
      `  export FRED_BASE_URL=${sim.baseUrl}/fred POLYGON_BASE_URL=${sim.baseUrl} ` +
      `POLYGON_WS_URL=${sim.wsUrl} ALPACA_DATA_URL=${sim.baseUrl} ALPHAVANTAGE_BASE_URL=${sim.baseUrl} ` +
      `OANDA_BASE_URL=${sim.baseUrl} FINNHUB_BASE_URL=${sim.baseUrl}`,
  );
  const stopped = Promise.withResolvers<void>();
  Deno.addSignalListener("SIGINT", stopped.resolve);
  Deno.addSignalListener("SIGTERM", stopped.resolve);
  await stopped.promise;
  await sim.close();
  return 0;
});
