import assert from "node:assert/strict";
import { applyConstraints } from "../../lib/portfolio/mod.ts";

const close = (a: number, b: number, rtol: number, msg = "") =>
  assert.ok(Math.abs(a - b) <= rtol * Math.max(1e-300, Math.abs(b)) + 1e-18, `${msg} ${a} vs ${b}`);

Deno.test("constraints: per-name, sector, net, gross caps by hand", () => {
  const r = applyConstraints([0.5, 0.3, -0.1, 0.2], {
    perNameCap: 0.4,
    sectors: ["tech", "tech", "energy", "energy"],
    sectorCaps: { tech: 0.5 },
  });
  // names: [0.4, 0.3, -0.1, 0.2]; tech gross 0.7 > 0.5 -> scale 5/7
  close(r.weights[0]!, 0.4 * 5 / 7, 1e-14);
  close(r.weights[1]!, 0.3 * 5 / 7, 1e-14);
  assert.deepEqual(r.binding, ["perName", "sector:tech"]);
  assert.equal(r.violations.length, 0);
  const net = applyConstraints([0.6, 0.4, -0.2], { netCap: 0.5 });
  // long 1.0 short 0.2 net 0.8 -> longs scaled by (0.5 + 0.2) / 1.0 = 0.7
  assert.deepEqual(Array.from(net.weights).map((x) => +x.toFixed(12)), [0.42, 0.28, -0.2]);
  const gross = applyConstraints([1, -1], { grossCap: 1 });
  assert.deepEqual(Array.from(gross.weights), [0.5, -0.5]);
});

Deno.test("constraints: turnover limit blends; an unmeetable combination is reported", () => {
  const r = applyConstraints([0.5, -0.5], { turnoverLimit: 0.5, previous: [0, 0] });
  assert.deepEqual(Array.from(r.weights), [0.25, -0.25]);
  assert.equal(r.violations.length, 0);
  // previous book breaks the per-name cap; the turnover limit forbids fixing it in one step
  const bad = applyConstraints([0.1, 0.1], {
    perNameCap: 0.2,
    turnoverLimit: 0.1,
    previous: [0.8, 0],
  });
  assert.ok(bad.violations.some((v) => v.constraint === "perName:0"));
  assert.throws(
    () =>
      applyConstraints([0.1, 0.1], {
        perNameCap: 0.2,
        turnoverLimit: 0.1,
        previous: [0.8, 0],
        throwOnViolation: true,
      }),
    /cannot be met/,
  );
  // edge cases
  assert.equal(applyConstraints([]).weights.length, 0);
  assert.throws(() => applyConstraints([NaN]), RangeError);
  assert.throws(() => applyConstraints([0.1], { grossCap: -1 }), RangeError);
  assert.throws(() => applyConstraints([0.1], { sectorCaps: { a: 1 } }), RangeError);
  const input = [0.5, 0.5];
  applyConstraints(input, { perNameCap: 0.1 });
  assert.deepEqual(input, [0.5, 0.5]);
});
