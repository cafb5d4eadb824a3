/**
 * BLS and BEA wire parsers and curation on hand-written payloads in the documented formats.
 *
 * Provenance of the samples (written by hand for this test, following the vendors' docs):
 * - BLS: Public Data API v2 signatures, https://www.bls.gov/developers/api_signature_v2.htm
 *   (POST body `seriesid/startyear/endyear/registrationkey/annualaverage`; answer `status`,
 *   `message`, `Results.series[].data[]` with `year`, `period`, `periodName`, `latest`, `value`,
 *   `footnotes`), FAQ https://www.bls.gov/developers/api_faqs.htm (limits, `-` for unavailable),
 *   and the daily-threshold message quoted in keberwein/blscrapeR issue #40.
 * - BEA: BEA API user guide (apps.bea.gov/api/_pdf/bea_web_service_api_user_guide.pdf), NIPA
 *   appendix (GetData with TableName/Frequency/Year; Data fields TableName, SeriesCode,
 *   LineNumber, LineDescription, TimePeriod, METRIC_NAME, CL_UNIT, UNIT_MULT, DataValue, NoteRef;
 *   Notes; errors in `BEAAPI.Results.Error`). Values are illustrative, not BEA's.
 */
import pl from "nodejs-polars";
import {
  beaNumber,
  beaPeriod,
  beaVerdict,
  lastRevised,
  parseBeaData,
} from "../../lib/sources/bea.ts";
import { BlsClient, blsPeriod, blsVerdict, parseBlsObservations } from "../../lib/sources/bls.ts";
import {
  curateBea,
  curateBls,
  parseNipaSymbol,
  periodOverlaps,
} from "../../lib/ingest/pipelines/macro_releases.ts";
import { Secret } from "../../lib/core/secret.ts";
import { assert, assertEquals, assertThrows } from "../_assert.ts";

const RTOL = 1e-12;

const BLS_OK = {
  status: "REQUEST_SUCCEEDED",
  responseTime: 137,
  message: ["No Data Available for Series CUUR0000SA0 Year: 2025"],
  Results: {
    series: [{
      seriesID: "CUUR0000SA0",
      data: [
        {
          year: "2024",
          period: "M13",
          periodName: "Annual",
          value: "313.689",
          footnotes: [{}],
        },
        {
          year: "2024",
          period: "M12",
          periodName: "December",
          latest: "true",
          value: "315.605",
          footnotes: [{ code: "P", text: "Preliminary." }],
        },
        { year: "2024", period: "M11", periodName: "November", value: "-", footnotes: [{}] },
        { year: "2024", period: "M10", periodName: "October", value: "n/a", footnotes: [{}] },
        { year: "2024", period: "M14", periodName: "Bogus", value: "1.0", footnotes: [{}] },
        { year: "2024", period: "Q03", periodName: "3rd Quarter", value: "2.5", footnotes: [] },
      ],
    }],
  },
};

Deno.test("bls: periods decode to first days, annual averages flagged", () => {
  assertEquals(blsPeriod("2024", "M01"), {
    date: "2024-01-01",
    frequency: "M",
    annualAverage: false,
  });
  assertEquals(blsPeriod("2024", "M12")!.date, "2024-12-01");
  assertEquals(blsPeriod("2024", "M13"), {
    date: "2024-01-01",
    frequency: "A",
    annualAverage: true,
  });
  assertEquals(blsPeriod("2024", "Q01")!.date, "2024-01-01");
  assertEquals(blsPeriod("2024", "Q04"), {
    date: "2024-10-01",
    frequency: "Q",
    annualAverage: false,
  });
  assertEquals(blsPeriod("2024", "Q05")!.annualAverage, true);
  assertEquals(blsPeriod("2024", "S02")!.date, "2024-07-01");
  assertEquals(blsPeriod("2024", "A01"), {
    date: "2024-01-01",
    frequency: "A",
    annualAverage: false,
  });
  assertEquals(blsPeriod("2024", "M00"), null);
  assertEquals(blsPeriod("2024", "M14"), null);
  assertEquals(blsPeriod("24", "M01"), null);
});

Deno.test("bls: wire rows parsed, bad period rejected with a reason, curate handles '-'", () => {
  const { frame, rejected } = parseBlsObservations(BLS_OK.Results.series[0]!.data, "CUUR0000SA0");
  assertEquals(frame.height, 5);
  assertEquals(rejected.length, 1);
  assert(rejected[0]!.reason.startsWith("period:"), rejected[0]!.reason);
  assertEquals(rejected[0]!.index, 4);
  // Footnotes: `[{}]` is none; the P footnote kept as JSON.
  assertEquals(frame.getColumn("footnotes").toArray()[0], "[]");
  assertEquals(
    JSON.parse(frame.getColumn("footnotes").toArray()[1] as string),
    [{ code: "P", text: "Preliminary." }],
  );
  const fetched = Date.UTC(2025, 0, 15, 14, 0, 0);
  const raw = frame.withColumns(
    pl.Series("fetched_at", new Array(frame.height).fill(fetched), pl.Float64).cast(pl.Int64)
      .cast(pl.Datetime("ms", "UTC")),
  );
  const { curated, rejected: bad } = curateBls(raw);
  assertEquals(curated.height, 4); // "n/a" quarantined
  assertEquals(bad.length, 1);
  assert(bad[0]!.reason.includes("neither a number nor '-'"), bad[0]!.reason);
  assertEquals(bad[0]!.ref, "series:CUUR0000SA0|2024|M10");
  const rows = curated.sort("period").toRecords() as Record<string, unknown>[];
  const byPeriod = Object.fromEntries(rows.map((r) => [r.period as string, r]));
  assertEquals(byPeriod.M11!.value, null);
  assertEquals(byPeriod.M11!.value_status, "-");
  assert(Math.abs((byPeriod.M12!.value as number) - 315.605) <= RTOL * 315.605);
  assertEquals(byPeriod.M12!.latest, true);
  assertEquals(byPeriod.M12!.footnote_codes, "P");
  assertEquals(byPeriod.M13!.annual_average, true);
  assertEquals(byPeriod.M13!.frequency, "A");
  assertEquals(byPeriod.Q03!.frequency, "Q");
  for (const r of rows) {
    assertEquals((r.known_at as Date).getTime(), fetched);
    assertEquals(r.known_at_source, "fetch");
    assertEquals(r.point_in_time, false);
  }
});

Deno.test("bls: errors inside a 200 body", () => {
  assertEquals(blsVerdict(BLS_OK), null);
  const daily = blsVerdict({
    status: "REQUEST_NOT_PROCESSED",
    responseTime: 20,
    message: [
      "Request could not be serviced, as the daily threshold for total number of requests allocated to the user with registration key  has been reached.",
    ],
    Results: {},
  });
  assertEquals(daily?.retryable, false);
  assert(daily!.message.includes("daily threshold"));
  assertEquals(
    blsVerdict({
      status: "REQUEST_NOT_PROCESSED",
      message: ["The key provided by the User is invalid."],
    })
      ?.retryable,
    false,
  );
  assertEquals(
    blsVerdict({ status: "REQUEST_NOT_PROCESSED", message: ["Please try again later."] })
      ?.retryable,
    true,
  );
  assertEquals(blsVerdict({ status: "REQUEST_FAILED", message: ["Invalid"] })?.retryable, false);
  assertEquals(blsVerdict({ nothing: 1 })?.retryable, false);
});

Deno.test("bls: year windows follow the key's tier (20 years, 10 without a key)", () => {
  const reg = new BlsClient({ apiKey: new Secret("parser-test-key-000") });
  assertEquals(reg.limits, { perDay: 500, series: 50, years: 20 });
  assertEquals(reg.yearWindows(1990, 2024), [[1990, 2009], [2010, 2024]]);
  const anon = new BlsClient();
  assertEquals(anon.limits, { perDay: 25, series: 25, years: 10 });
  assertEquals(anon.yearWindows(1990, 2024), [[1990, 1999], [2000, 2009], [2010, 2019], [
    2020,
    2024,
  ]]);
  assertEquals(anon.yearWindows(2024, 2024), [[2024, 2024]]);
  assertThrows(() => anon.yearWindows(2025, 2024), RangeError);
});

const BEA_OK = {
  BEAAPI: {
    Request: { RequestParam: [{ ParameterName: "USERID", ParameterValue: "not-kept" }] },
    Results: {
      Statistic: "NIPA Table",
      UTCProductionTime: "2024-03-28T12:31:02.113",
      Dimensions: [],
      Data: [
        {
          TableName: "T10105",
          SeriesCode: "A191RC",
          LineNumber: "1",
          LineDescription: "Gross domestic product",
          TimePeriod: "2023Q4",
          METRIC_NAME: "Current Dollars",
          CL_UNIT: "Level",
          UNIT_MULT: "6",
          DataValue: "27,956,034",
          NoteRef: "T10105",
        },
        {
          TableName: "T10105",
          SeriesCode: "A191RC",
          LineNumber: "1",
          LineDescription: "Gross domestic product",
          TimePeriod: "2023",
          METRIC_NAME: "Current Dollars",
          CL_UNIT: "Level",
          UNIT_MULT: "6",
          DataValue: "(NA)",
          NoteRef: "T10105",
        },
        {
          TableName: "T10105",
          SeriesCode: "A191RC",
          LineNumber: "1",
          LineDescription: "Gross domestic product",
          TimePeriod: "2023Q5",
          METRIC_NAME: "Current Dollars",
          CL_UNIT: "Level",
          UNIT_MULT: "6",
          DataValue: "1",
          NoteRef: "T10105",
        },
        {
          TableName: "T10105",
          SeriesCode: "A191RC",
          LineNumber: "1",
          LineDescription: "Gross domestic product",
          TimePeriod: "2023Q3",
          METRIC_NAME: "Current Dollars",
          CL_UNIT: "Level",
          UNIT_MULT: "6",
          DataValue: "27,61,0",
          NoteRef: "T10105",
        },
      ],
      Notes: [{
        NoteRef: "T10105",
        NoteText: "Table 1.1.5. Gross Domestic Product - LastRevised: March 28, 2024",
      }],
    },
  },
};

Deno.test("bea: numbers with thousands separators, periods, LastRevised", () => {
  assertEquals(beaNumber("27,956,034"), 27956034);
  assertEquals(beaNumber("-1,234.5"), -1234.5);
  assertEquals(beaNumber("3.4"), 3.4);
  assertEquals(beaNumber("27,61,0"), null);
  assertEquals(beaNumber("1,2345"), null);
  assertEquals(beaNumber("(NA)"), null);
  assertEquals(beaNumber(""), null);
  assertEquals(beaPeriod("2024Q1"), { date: "2024-01-01", frequency: "Q" });
  assertEquals(beaPeriod("2024Q4"), { date: "2024-10-01", frequency: "Q" });
  assertEquals(beaPeriod("2024M07"), { date: "2024-07-01", frequency: "M" });
  assertEquals(beaPeriod("2024"), { date: "2024-01-01", frequency: "A" });
  assertEquals(beaPeriod("2024Q5"), null);
  assertEquals(beaPeriod("2024M13"), null);
  assertEquals(
    lastRevised("Table 1.1.5. Gross Domestic Product - LastRevised: March 28, 2024"),
    "2024-03-28",
  );
  assertEquals(lastRevised("x LastRevised: February 30, 2024"), null);
  assertEquals(lastRevised("no revision note"), null);
  assertEquals(parseNipaSymbol("T10105"), { table: "T10105", frequency: "Q" });
  assertEquals(parseNipaSymbol("T20804:M"), { table: "T20804", frequency: "M" });
  assertThrows(() => parseNipaSymbol("T10105:W"), RangeError, "TABLE or TABLE:A|Q|M");
  assert(periodOverlaps("2024-01-01", "Q", "2024-02-15", "2024-02-29"));
  assert(!periodOverlaps("2023-10-01", "Q", "2024-01-01", "2024-02-29"));
  assert(periodOverlaps("2023-01-01", "A", "2023-12-31", "2024-02-29"));
  assert(!periodOverlaps("2024-03-01", "M", "2024-01-01", "2024-02-29"));
});

Deno.test("bea: Data rows parsed and curated; vintage and known_at from LastRevised", () => {
  const { frame, rejected } = parseBeaData(BEA_OK.BEAAPI.Results.Data);
  assertEquals(rejected.length, 1); // 2023Q5
  assert(rejected[0]!.reason.startsWith("TimePeriod:"), rejected[0]!.reason);
  assertEquals(frame.height, 3);
  assert(!frame.columns.some((c) => /user/i.test(c)), "no request echo kept");
  const fetched = Date.UTC(2024, 3, 2, 15, 0, 0);
  const n = frame.height;
  const raw = frame.withColumns(
    pl.Series("frequency", ["Q", "A", "Q"], pl.Utf8),
    pl.Series("table_note", new Array(n).fill(BEA_OK.BEAAPI.Results.Notes[0]!.NoteText), pl.Utf8),
    pl.Series("fetched_at", new Array(n).fill(fetched), pl.Float64).cast(pl.Int64).cast(
      pl.Datetime("ms", "UTC"),
    ),
  );
  const { curated, rejected: bad } = curateBea(raw);
  assertEquals(bad.length, 1);
  assert(bad[0]!.reason.includes("DataValue is not a number: 27,61,0"), bad[0]!.reason);
  assertEquals(curated.height, 2);
  const rows = curated.sort("period").toRecords() as Record<string, unknown>[];
  const a = rows.find((r) => r.period === "2023")!, q = rows.find((r) => r.period === "2023Q4")!;
  assertEquals(a.value, null);
  assertEquals(a.value_status, "(NA)");
  assertEquals(q.value, 27956034);
  assertEquals(q.unit_mult, 6);
  assertEquals(q.line_number, 1);
  assertEquals(q.vintage, "2024-03-28");
  // 08:30 EDT on 2024-03-28 (DST began 2024-03-10) = 12:30 UTC.
  assertEquals((q.known_at as Date).getTime(), Date.UTC(2024, 2, 28, 12, 30));
  assertEquals(q.known_at_source, "table_revised");
  assertEquals(q.point_in_time, true);
  // Without the note: fetch instant, not point in time.
  const { curated: c2 } = curateBea(raw.withColumns(pl.lit("").alias("table_note")));
  const r2 = c2.toRecords()[0] as Record<string, unknown>;
  assertEquals((r2.known_at as Date).getTime(), fetched);
  assertEquals(r2.vintage, "unknown");
  assertEquals(r2.point_in_time, false);
});

Deno.test("bea: errors inside a 200 body", () => {
  assertEquals(beaVerdict(BEA_OK), null);
  const e1 = beaVerdict({
    BEAAPI: {
      Results: {
        Error: {
          APIErrorCode: "40",
          APIErrorDescription:
            "The dataset requested requires parameters that were missing from the request: Year",
        },
      },
    },
  });
  assertEquals(e1?.retryable, false);
  assert(e1!.message.includes("missing from the request"));
  assertEquals(
    beaVerdict({
      BEAAPI: { Error: { APIErrorCode: "1", APIErrorDescription: "Invalid API UserId" } },
    })
      ?.retryable,
    false,
  );
  assertEquals(beaVerdict({ BEAAPI: { Results: {} } })?.retryable, false);
  assertEquals(beaVerdict({ other: 1 })?.retryable, false);
});

Deno.test("bls/bea: empty input curates to empty frames with the declared columns", () => {
  const e = curateBls(
    parseBlsObservations([], "X").frame.withColumns(
      pl.Series("fetched_at", [], pl.Int64).cast(pl.Datetime("ms", "UTC")),
    ),
  );
  assertEquals(e.curated.height, 0);
  assert(e.curated.columns.includes("known_at") && e.curated.columns.includes("point_in_time"));
  const b = curateBea(pl.DataFrame({}));
  assertEquals(b.curated.height, 0);
  assert(b.curated.columns.includes("vintage"));
});
