/**
 * openSession with a simulated market already running (`sim: { baseUrl }`,
 * lib/ingest/session.ts): the clients call that server (its request log grows), nothing is
 * started (no `session.sim`), and the session's close leaves the server answering.
 */
import { loadConfig } from "../../lib/config/config.ts";
import { openSession } from "../../lib/ingest/session.ts";
import { startSimServer } from "../../lib/sources/sim/mod.ts";
import { assert, assertEquals } from "../_assert.ts";

Deno.test("openSession: sim { baseUrl } uses the running server and leaves it running", async () => {
  const server = await startSimServer({
    seed: 4,
    world: { start: "2024-02-01", end: "2024-03-28" },
  });
  try {
    const cfg = loadConfig({ env: {}, envFile: null });
    const session = await openSession({ config: cfg, sim: { baseUrl: server.baseUrl } });
    assertEquals(session.sim, undefined, "nothing started");
    const page = await session.clients.polygon!.marketUpcoming();
    assert(page.frame.height > 0, "upcoming holidays from the simulated market");
    assert(page.url.startsWith(server.baseUrl), page.url);
    assertEquals(server.requestLog.length, 1);
    assertEquals(server.requestLog[0]!.route.startsWith("polygon"), true);
    await session.close();
    // Still serving after the session closed (its owner closes it).
    const again = await openSession({ config: cfg, sim: { baseUrl: server.baseUrl } });
    await again.clients.polygon!.marketUpcoming();
    assertEquals(server.requestLog.length, 2);
    await again.close();
  } finally {
    await server.close();
  }
});
