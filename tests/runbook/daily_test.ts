import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { datasetState, readDataset } from "../../lib/lake/mod.ts";
import { DRIFT, PNL, PREDICTIONS, runDaily, RUNS, TRIPWIRES } from "../../lib/runbook/mod.ts";
import { config, writeWorld } from "./_world.ts";
import { startTestSmtpServer } from "../notify/_smtp_server.ts";

const SPECS = [PREDICTIONS, PNL, DRIFT, TRIPWIRES, RUNS];

function snapshot(root: string): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (!p.includes("/_meta/")) {
        files.push(
          `${p}:${Deno.statSync(p).size}:${
            Deno.readFileSync(p).reduce((a, b) => (a * 31 + b) >>> 0, 7)
          }`,
        );
      }
    }
  };
  walk(root);
  return files.sort().join("\n");
}

Deno.test("runDaily: consecutive days, then rerunning them changes nothing", async () => {
  const root = await Deno.makeTempDir();
  const server = startTestSmtpServer();
  try {
    await writeWorld(root);
    const smtp = {
      host: "127.0.0.1",
      port: server.port,
      tls: false,
      user: undefined,
      password: undefined,
      from: "workbench@localhost",
      to: "desk@example.test",
    };
    const days = ["2024-05-13", "2024-05-14", "2024-05-15"];
    const first = [];
    for (const d of days) first.push(await runDaily(d, config(root), { smtp }));
    assert(first.every((r) => r.lakeWrites > 0));
    assertEquals(first.map((r) => r.notified.email), ["sent", "sent", "sent"]);
    assertEquals(server.received.length, 3);
    const before = snapshot(root);
    const manifests = SPECS.map((s) => datasetState(s, root).files.length);
    for (const d of days) {
      const again = await runDaily(d, config(root), { smtp });
      assertEquals(again.lakeWrites, 0, `rerun of ${d} wrote to the lake`);
      assertEquals(again.notified, { file: false, email: "already-sent" });
    }
    assertEquals(snapshot(root), before);
    assertEquals(SPECS.map((s) => datasetState(s, root).files.length), manifests);
    assertEquals(server.received.length, 3);

    // what was recorded
    const tw = await readDataset(TRIPWIRES, { root });
    assertEquals(tw.height, 4 * days.length);
    const pnl = await readDataset(PNL, { root });
    assertEquals(pnl.height, 2 * days.length);
    const preds = await readDataset(PREDICTIONS, { root });
    assertEquals(preds.height, 2 * 24 * days.length);
    // champion book: gross 1, net 0, 20% of 24 names = 4 long and 4 short
    const w = first[2]!.weights["ridge_mom"]!;
    assertEquals(w.filter((x) => x > 0).length, 4);
    assertEquals(w.filter((x) => x < 0).length, 4);
    assert(Math.abs(w.reduce((a, b) => a + b, 0)) < 1e-12);
    assert(Math.abs(w.reduce((a, b) => a + Math.abs(b), 0) - 1) < 1e-12);
    // the email carries the subject and the champion's book
    const mail = server.received[2]!.data;
    assert(mail.includes("Subject: [workbench] daily 2024-05-15: champion ridge_mom"));
    assert(mail.includes("Champion ridge_mom target book"));
    // no planted shift: the drift tripwire stays quiet, the data is fresh
    const last = first[2]!.tripwires;
    assertEquals(last.find((t) => t.tripwire === "staleness")!.status, "ok");
    assertEquals(last.find((t) => t.tripwire === "drift")!.fired, false);
    assertEquals(last.find((t) => t.tripwire === "slippage")!.status, "no_data");
  } finally {
    await server.close();
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("runDaily: a planted volatility regime fires the drift tripwire and it is recorded", async () => {
  const root = await Deno.makeTempDir();
  try {
    await writeWorld(root, { shiftFrom: "2024-05-01", volMult: 4 });
    const r = await runDaily("2024-06-03", config(root), { notifyFile: false });
    const drift = r.tripwires.find((t) => t.tripwire === "drift")!;
    assert(drift.fired, drift.detail);
    assert(r.message.subject.includes("TRIPWIRE drift"));
    const vol = r.drift.find((d) => d.feature === "vol_yz_20")!;
    assertEquals(vol.status, "significant");
    const tw = await readDataset(TRIPWIRES, { root });
    const names = tw.getColumn("tripwire").toArray() as string[];
    const fired = tw.getColumn("fired").toArray() as boolean[];
    assertEquals(fired[names.indexOf("drift")], true);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("runDaily: a day with no bar yet fires staleness; bad dates are rejected", async () => {
  const root = await Deno.makeTempDir();
  try {
    await writeWorld(root, { end: "2024-05-31" });
    const r = await runDaily("2024-06-04", config(root), { notifyFile: false });
    const st = r.tripwires.find((t) => t.tripwire === "staleness")!;
    assertEquals(st.value, 2);
    assert(st.fired);
    await assertRejects(
      () => runDaily("2024-06-01", config(root)),
      RangeError,
      "not a trading session",
    );
    await assertRejects(() => runDaily("2024-04-15", config(root)), RangeError, "training window");
    await assertRejects(
      () => runDaily("2024-05-15", config(root, { models: [] })),
      RangeError,
      "champion",
    );
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
