import { assert, assertEquals, assertThrows } from "../_assert.ts";
import {
  cpcvPathCount,
  cpcvPaths,
  cpcvSplits,
  purgedKFold,
  walkForwardSplits,
} from "../../lib/validation/cpcv.ts";
import { Rng } from "../../lib/core/mod.ts";

const range = (n: number) => Float64Array.from({ length: n }, (_, i) => i);

Deno.test("cpcvSplits: N=6, k=2 gives 15 splits and 5 paths (k/N * C(N,k))", () => {
  const t0 = range(60);
  const cv = cpcvSplits(t0, t0, { groups: 6, testGroups: 2 });
  assertEquals(cv.splits.length, 15);
  assertEquals(cv.paths.length, 5);
  assertEquals(cpcvPathCount(6, 2), 5);
  assertEquals(cpcvPathCount(10, 2), 9); // 2/10 * 45
  assertEquals(cpcvPathCount(10, 3), 36); // 3/10 * 120
  assertEquals(cpcvSplits(range(30), range(30), { groups: 10, testGroups: 3 }).splits.length, 120);
  // lexicographic enumeration
  assertEquals(cv.splits[0]!.testGroups, [0, 1]);
  assertEquals(cv.splits[14]!.testGroups, [4, 5]);
  // every path covers each group exactly once, each split's group used by one path
  const used = new Set<string>();
  for (const row of cv.paths) {
    for (let g = 0; g < 6; g++) {
      const s = cv.splits[row[g]!]!;
      assert(s.testGroups.includes(g), `path split ${row[g]} does not test group ${g}`);
      const key = `${row[g]}:${g}`;
      assert(!used.has(key), `split/group ${key} used twice`);
      used.add(key);
    }
  }
  assertEquals(used.size, 15 * 2);
});

Deno.test("cpcvSplits: group sizes differ by at most one", () => {
  const t0 = range(17);
  const cv = cpcvSplits(t0, t0, { groups: 5, testGroups: 1 });
  assertEquals(Array.from(cv.groupBounds), [0, 4, 8, 11, 14, 17]);
});

Deno.test("cpcvSplits: purging on hand-built overlapping labels", () => {
  // 10 samples, label i spans [i, i+2]; 5 groups of 2. Test group 2 = samples 4,5 -> block [4, 7].
  const t0 = range(10);
  const t1 = t0.map((v) => v + 2);
  const cv = cpcvSplits(t0, t1, { groups: 5, testGroups: 1 });
  const s = cv.splits[2]!;
  assertEquals(s.testGroups, [2]);
  assertEquals(Array.from(s.test), [4, 5]);
  // sample 2 ends at 4, sample 3 at 5 (overlap before); samples 6, 7 start at 6, 7 <= 7 (after)
  assertEquals(Array.from(s.train), [0, 1, 8, 9]);
  assertEquals(s.purged, 4);
  // embargo 1 extends the block to 8: sample 8 (starts at 8) goes too
  const e = cpcvSplits(t0, t1, { groups: 5, testGroups: 1, embargo: 1 }).splits[2]!;
  assertEquals(Array.from(e.train), [0, 1, 9]);
  assertEquals(e.purged, 5);
  // first group: only purging after it
  assertEquals(Array.from(cv.splits[0]!.train), [4, 5, 6, 7, 8, 9]);
  // labels that do not span time: nothing to purge
  const plain = cpcvSplits(t0, t0, { groups: 5, testGroups: 1 }).splits[2]!;
  assertEquals(Array.from(plain.train), [0, 1, 2, 3, 6, 7, 8, 9]);
  assertEquals(plain.purged, 0);
});

Deno.test("cpcvSplits: one long label purged from both sides, embargo in time units", () => {
  // irregular times (ms); sample 1 has a long label reaching into group 2
  const t0 = new Float64Array([0, 1000, 2000, 3000, 4000, 5000]);
  const t1 = new Float64Array([500, 4500, 2500, 3500, 4100, 5100]);
  const cv = cpcvSplits(t0, t1, { groups: 3, testGroups: 1, embargo: 600 });
  // test group 2 (samples 4,5), block [4000, 5100]: sample 1 (ends 4500) purged
  assertEquals(Array.from(cv.splits[2]!.train), [0, 2, 3]);
  // test group 0 (samples 0,1), block [0, 4500] + 600 -> 5100: everything overlaps
  assertEquals(Array.from(cv.splits[0]!.train), []);
  // test group 1 (samples 2,3), block [2000, 3500] + 600 = 4100: samples 1 and 4 purged
  assertEquals(Array.from(cv.splits[1]!.train), [0, 5]);
});

Deno.test("cpcvSplits: invariants on random labels (disjoint, no overlap, counts add up)", () => {
  const rng = new Rng(7);
  const n = 400;
  const t0 = new Float64Array(n);
  const t1 = new Float64Array(n);
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += rng.exponential(1);
    t0[i] = t;
    t1[i] = t + rng.exponential(0.2);
  }
  const t0Copy = t0.slice();
  const embargo = 1.5;
  const cv = cpcvSplits(t0, t1, { groups: 8, testGroups: 3, embargo });
  assertEquals(t0, t0Copy);
  for (const s of cv.splits) {
    const inTest = new Set(s.test);
    assertEquals(s.train.length + s.test.length + s.purged, n);
    for (const i of s.train) {
      assert(!inTest.has(i));
      for (const j of s.test) {
        // no training label overlaps a test label
        assert(t1[i]! < t0[j]! || t0[i]! > t1[j]!, `train ${i} overlaps test ${j}`);
      }
    }
    for (let j = 1; j < s.train.length; j++) assert(s.train[j]! > s.train[j - 1]!);
  }
  const paths = cpcvPaths(cv, cv.splits.map((s) => Float64Array.from(s.test)));
  assertEquals(paths.length, cpcvPathCount(8, 3));
  for (const p of paths) assertEquals(p, range(n));
});

Deno.test("cpcvPaths: values come from the mapped split", () => {
  const t0 = range(12);
  const cv = cpcvSplits(t0, t0, { groups: 4, testGroups: 2 });
  const preds = cv.splits.map((s, si) => new Float64Array(s.test.length).fill(si));
  const paths = cpcvPaths(cv, preds);
  assertEquals(paths.length, 3);
  // group 0 is tested by splits 0 ([0,1]), 1 ([0,2]), 2 ([0,3]) -> paths 0, 1, 2
  assertEquals(Array.from(paths.map((p) => p[0]!)), [0, 1, 2]);
  // group 3 is tested by splits 2 ([0,3]), 4 ([1,3]), 5 ([2,3])
  assertEquals(Array.from(paths.map((p) => p[11]!)), [2, 4, 5]);
  assertThrows(() => cpcvPaths(cv, preds.slice(1)), RangeError, "prediction arrays");
  const bad = preds.slice();
  bad[0] = new Float64Array(1);
  assertThrows(() => cpcvPaths(cv, bad), RangeError, "test samples");
});

Deno.test("cpcvSplits: bad inputs", () => {
  const t0 = range(10);
  assertThrows(
    () => cpcvSplits(new Float64Array(), new Float64Array(), { groups: 2, testGroups: 1 }),
    RangeError,
    "0 samples",
  );
  assertThrows(
    () => cpcvSplits(range(1), range(1), { groups: 2, testGroups: 1 }),
    RangeError,
    "1 samples",
  );
  assertThrows(
    () => cpcvSplits(t0, range(9), { groups: 2, testGroups: 1 }),
    RangeError,
    "t1 has 9",
  );
  assertThrows(() => cpcvSplits(t0, t0, { groups: 5, testGroups: 5 }), RangeError, "testGroups");
  assertThrows(() => cpcvSplits(t0, t0, { groups: 1, testGroups: 1 }), RangeError, "groups");
  assertThrows(() => cpcvSplits(t0, t0, { groups: 2.5, testGroups: 1 }), RangeError, "groups");
  assertThrows(
    () => cpcvSplits(t0, t0, { groups: 5, testGroups: 1, embargo: -1 }),
    RangeError,
    "embargo",
  );
  const nan = t0.slice();
  nan[3] = NaN;
  assertThrows(
    () => cpcvSplits(nan, t0, { groups: 2, testGroups: 1 }),
    RangeError,
    "label interval 3",
  );
  assertThrows(
    () => cpcvSplits(t0, t0.map((v) => v - 1), { groups: 2, testGroups: 1 }),
    RangeError,
    "ends",
  );
  const unsorted = t0.slice().reverse();
  assertThrows(
    () => cpcvSplits(unsorted, unsorted, { groups: 2, testGroups: 1 }),
    RangeError,
    "sorted",
  );
});

Deno.test("cpcvSplits: constant label times (all samples at one instant) purge everything", () => {
  const t0 = new Float64Array(6).fill(5);
  const cv = cpcvSplits(t0, t0, { groups: 3, testGroups: 1 });
  for (const s of cv.splits) assertEquals(s.train.length, 0);
});

Deno.test("purgedKFold: k folds tested once, purged like CPCV with k = 1", () => {
  const t0 = range(10);
  const t1 = t0.map((v) => v + 2);
  const folds = purgedKFold(t0, t1, { folds: 5, embargo: 1 });
  assertEquals(folds.length, 5);
  assertEquals(Array.from(folds[2]!.train), [0, 1, 9]);
  const tested = folds.flatMap((f) => Array.from(f.test)).sort((a, b) => a - b);
  assertEquals(tested, Array.from(range(10)));
});

Deno.test("walkForwardSplits: expanding and rolling, train strictly before test, purged", () => {
  const t0 = range(10);
  const t1 = t0.map((v) => v + 2);
  const wf = walkForwardSplits(t0, t1, { groups: 5 });
  assertEquals(wf.length, 4);
  assertEquals(Array.from(wf[0]!.test), [2, 3]);
  assertEquals(Array.from(wf[0]!.train), []); // samples 0, 1 end at 2, 3 -> overlap test
  assertEquals(Array.from(wf[3]!.test), [8, 9]);
  assertEquals(Array.from(wf[3]!.train), [0, 1, 2, 3, 4, 5]);
  const rolling = walkForwardSplits(t0, t1, { groups: 5, minTrainGroups: 2, maxTrainGroups: 2 });
  assertEquals(rolling.length, 3);
  assertEquals(Array.from(rolling[2]!.train), [4, 5]); // groups 2, 3 minus samples 6, 7
  for (const s of wf) for (const i of s.train) assert(t1[i]! < t0[s.test[0]!]!);
  assertThrows(() => walkForwardSplits(t0, t1, { groups: 5, minTrainGroups: 5 }), RangeError);
});

Deno.test("cpcvSplits: train sets match AFML's getTrainTimes (pandas reference)", async () => {
  const ref = JSON.parse(
    await Deno.readTextFile(new URL("../fixtures/validation/cpcv_reference.json", import.meta.url)),
  );
  for (const c of ref.cases) {
    const cv = cpcvSplits(Float64Array.from(c.t0), Float64Array.from(c.t1), {
      groups: c.groups,
      testGroups: c.test_groups,
      embargo: c.embargo,
    });
    assertEquals(cv.splits.length, c.splits.length, c.name);
    cv.splits.forEach((s, i) => {
      assertEquals(s.testGroups, c.splits[i].test_groups, `${c.name} split ${i}`);
      assertEquals(Array.from(s.train), c.splits[i].train, `${c.name} split ${i}`);
    });
  }
});
