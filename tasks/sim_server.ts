/** `deno task sim-server --port N --seed S [--start D --end D]`: run the simulated market until Ctrl-C. */
import { parseArgs } from "node:util";
import { startSimServer } from "../lib/sources/sim/mod.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8787" },
    seed: { type: "string", default: "1" },
    start: { type: "string" },
    end: { type: "string" },
  },
});
const world: Record<string, string> = {};
if (values.start) world.start = values.start;
if (values.end) world.end = values.end;
const sim = await startSimServer({ port: Number(values.port), seed: Number(values.seed), world });
console.log(
  `sim-server listening on ${sim.baseUrl} (ws ${sim.wsUrl}); sessions ${
    sim.world.days[0]
  }..${sim.world.today}`,
);
Deno.addSignalListener("SIGINT", async () => {
  await sim.close();
  Deno.exit(0);
});
