/**
 * Private: the draws of `new Rng(seed)` (lib/core/random.ts) for the simulated market's hot
 * loops, in bulk. The generator is the same: xoshiro128** seeded through splitmix32 of the
 * seed, 53-bit uniforms from two outputs, polar Marsaglia normals with the second variate kept
 * for the next call. Only the mechanics differ: the state lives in plain fields and
 * `fillNormals` runs the polar loop with the state in locals, so a session's ~100,000 normals do
 * not pay a method call and four private-field round trips per 32-bit output.
 *
 * Same seed, same calls in the same order: the same numbers, bit for bit
 * (tests/sources/sim/stream_test.ts checks it against Rng on many seeds and mixed call orders).
 *
 * @example
 * ```ts
 * const r = new StreamRng(rng.fork("spy:2024-03-28").seed); // = the fork's own draws
 * const z = new Float64Array(1000);
 * r.fillNormals(z, 0, 1000);
 * const u = r.uniform();
 * ```
 */
export class StreamRng {
  s0: number;
  s1: number;
  s2: number;
  s3: number;
  /** The polar method's second variate, NaN when none is pending. */
  spare = NaN;

  /** The state of `new Rng(seed)` for an integer seed in [0, 2^32). */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
      throw new RangeError(`StreamRng seed ${seed}: need an integer in [0, 2^32)`);
    }
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next raw 32-bit unsigned integer (Rng.nextU32). */
  nextU32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits (Rng.uniform). */
  uniform(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** One standard normal (Rng.normal). */
  normal(): number {
    this.fillNormals(ONE, 0, 1);
    return ONE[0]!;
  }

  /** Write `count` standard normals to `out[from..from + count)`: `count` calls of Rng.normal. */
  fillNormals(out: Float64Array, from: number, count: number): void {
    let s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    let spare = this.spare;
    let i = from;
    const end = from + count;
    if (i < end && spare === spare) {
      out[i++] = spare;
      spare = NaN;
    }
    // One loop, a rejected pair `continue`s it (the polar method's rejection was an inner
    // do-while: V8 compiled that inner loop on its own (on-stack replacement) and left the
    // compiled code at every accepted pair, a deoptimization per pair; issue #21).
    while (i < end) {
      // Four xoshiro128** outputs: two 53-bit uniforms (Rng.uniform twice).
      let r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const a1 = r >>> 5;
      r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const b1 = r >>> 6;
      r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const a2 = r >>> 5;
      r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const b2 = r >>> 6;
      const u = 2 * ((a1 * 67108864 + b1) / 9007199254740992) - 1;
      const v = 2 * ((a2 * 67108864 + b2) / 9007199254740992) - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const m = Math.sqrt(-2 * Math.log(s) / s);
      out[i++] = u * m;
      if (i < end) out[i++] = v * m;
      else spare = v * m;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.spare = spare;
  }
}

const ONE = new Float64Array(1);

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
