/**
 * `deno task sim-server --port N --seed S [--start D --end D] [--ws-date D] [--ws-speed X]
 * [--replay-lake D]`: run the simulated market until Ctrl-C. `--ws-speed` is 1 (real time),
 * 10, or 0 (as fast as possible); `--replay-lake D` makes the WebSocket replay the lake's curated
 * minute bars of session D instead of the simulated world.
 */
import { parseArgs } from "node:util";
import { startSimServer, type WorldConfig, type WsOptions } from "../lib/sources/sim/mod.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8787" },
    seed: { type: "string", default: "1" },
    start: { type: "string" },
    end: { type: "string" },
    "ws-date": { type: "string" },
    "ws-speed": { type: "string", default: "0" },
    "replay-lake": { type: "string" },
  },
});
const world: WorldConfig = {};
if (values.start) world.start = values.start;
if (values.end) world.end = values.end;
const ws: WsOptions = { speed: Number(values["ws-speed"]) };
if (values["ws-date"]) ws.date = values["ws-date"];
if (values["replay-lake"]) {
  const { lakeReplayEvents } = await import("../lib/sources/sim/lake_replay.ts");
  const date = values["replay-lake"];
  const events = await lakeReplayEvents(date);
  if (events.length === 0) {
    console.error(`No curated minute bars in the lake for ${date}`);
    Deno.exit(1);
  }
  ws.replay = { date, events };
}
let sim;
try {
  sim = await startSimServer({ port: Number(values.port), seed: Number(values.seed), world, ws });
} catch (e) {
  console.error(`sim-server: ${(e as Error).message}`);
  Deno.exit(2);
}
console.log(
  `sim-server listening on ${sim.baseUrl} (WebSocket ${sim.wsUrl}/stocks); sessions ` +
    `${sim.world.days[0]}..${sim.world.today}; seed ${sim.world.config.seed}\n` +
    `Point the connectors at it:\n` +
    `  export FRED_BASE_URL=${sim.baseUrl}/fred POLYGON_BASE_URL=${sim.baseUrl} ` +
    `POLYGON_WS_URL=${sim.wsUrl} ALPACA_DATA_URL=${sim.baseUrl} ALPHAVANTAGE_BASE_URL=${sim.baseUrl} ` +
    `OANDA_BASE_URL=${sim.baseUrl} FINNHUB_BASE_URL=${sim.baseUrl}`,
);
const stop = async () => {
  await sim.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
