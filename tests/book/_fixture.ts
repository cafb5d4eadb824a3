/** The LOBSTER fixture files (tests/fixtures/lobster, provenance beside them). */
const DIR = new URL("../fixtures/lobster/", import.meta.url);
export const FIXTURE_MSG = "TEST_2012-06-21_34200000_57600000_message_3.csv";
export const FIXTURE_OB = "TEST_2012-06-21_34200000_57600000_orderbook_3.csv";
export const fixturePath = (name: string): string => new URL(name, DIR).pathname;

export async function fixtureTexts(): Promise<{ message: string; orderbook: string }> {
  return {
    message: await Deno.readTextFile(new URL(FIXTURE_MSG, DIR)),
    orderbook: await Deno.readTextFile(new URL(FIXTURE_OB, DIR)),
  };
}
