/**
 * Test assertions in the style of Deno's std/assert (JSR is not reachable here), built on
 * `node:assert`. Import from "../_assert.ts" (adjust depth).
 */
import nodeAssert from "node:assert";

export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

/** Fail unless `cond` is truthy. */
export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new AssertionError(msg);
}

/** Deep strict equality (typed arrays, Maps, bigint included). */
export function assertEquals<T>(actual: unknown, expected: T, msg?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, msg);
}

/** Deep strict inequality. */
export function assertNotEquals(actual: unknown, expected: unknown, msg?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, msg);
}

/** |actual - expected| <= max(atol, rtol * |expected|); NaN equals NaN. */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tol = 1e-12,
  msg?: string,
  rtol = 0,
): void {
  if (Number.isNaN(actual) && Number.isNaN(expected)) return;
  const bound = Math.max(tol, rtol * Math.abs(expected));
  if (!(Math.abs(actual - expected) <= bound)) {
    throw new AssertionError(
      `${msg ? msg + ": " : ""}expected ${expected}, got ${actual} (diff ${
        Math.abs(actual - expected)
      } > ${bound})`,
    );
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Expect `fn` to throw; optionally of a class and with a message substring. Returns the error. */
export function assertThrows(fn: () => unknown, cls?: ErrorClass, includes?: string): Error {
  try {
    fn();
  } catch (e) {
    checkError(e, cls, includes);
    return e as Error;
  }
  throw new AssertionError("expected function to throw");
}

/** Expect the promise (or async fn) to reject; optionally of a class and message substring. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  cls?: ErrorClass,
  includes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    checkError(e, cls, includes);
    return e as Error;
  }
  throw new AssertionError("expected promise to reject");
}

function checkError(e: unknown, cls?: ErrorClass, includes?: string): void {
  if (cls && !(e instanceof cls)) {
    throw new AssertionError(`expected ${cls.name}, got ${(e as Error)?.name}: ${e}`);
  }
  if (includes && !String((e as Error)?.message).includes(includes)) {
    throw new AssertionError(
      `expected message to include "${includes}", got "${(e as Error)?.message}"`,
    );
  }
}
