/**
 * Per-row average ranks by a bucket sort on the bits of the values (private helper of
 * `cross_sectional.ts`).
 *
 * Each finite value becomes a 64-bit key whose signed integer order is the numeric order of the
 * doubles: the high and low 32-bit words of the IEEE-754 pattern, with the magnitude bits of a
 * negative value inverted (`-0` is folded into `+0` first, so they tie). Negative and
 * non-negative keys are gathered at the two ends of the row and sorted separately (their key
 * ranges are far apart, so one bucketing over both would crowd each into a few buckets). Each is
 * sorted by most-significant-digit bucketing: the range [min, max] of the high words is cut into about
 * 2^ceil(log2(m)) equal buckets (a counting sort), buckets of up to 24 keys are finished by
 * insertion sort and larger ones are bucketed again on the remaining bits (high word, then low
 * word), so clustered rows cost a few extra passes and never a quadratic sort. Keys equal in all
 * 64 bits are ties and share their average rank. Cost per row: about 6 linear passes plus one pass
 * over the buckets, against m log m comparisons for a comparison sort.
 *
 * @see Knuth, D. E. (1998). The Art of Computer Programming, vol. 3, 5.2.5 (radix sorting).
 */

const SMALL = 24;

/** Scratch buffers for one row width, reused across rows and features. */
export class RowRanker {
  readonly #h: Int32Array;
  readonly #l: Int32Array;
  readonly #ix: Int32Array;
  readonly #h2: Int32Array;
  readonly #l2: Int32Array;
  readonly #ix2: Int32Array;
  readonly #row: Float64Array;
  readonly #u: Int32Array;
  readonly #counts: Int32Array[] = [];
  readonly #hiWord: number;

  constructor(width: number) {
    this.#h = new Int32Array(width);
    this.#l = new Int32Array(width);
    this.#ix = new Int32Array(width);
    this.#h2 = new Int32Array(width);
    this.#l2 = new Int32Array(width);
    this.#ix2 = new Int32Array(width);
    this.#row = new Float64Array(width);
    this.#u = new Int32Array(this.#row.buffer);
    this.#hiWord = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
  }

  /**
   * Writes the percentile rank (rank - 1) / (count - 1) of every finite x[base + s], s < width,
   * into out[base + s] (ties averaged, a lone finite value gets 0.5) and NaN where x is not
   * finite. `out` may be `x` itself (the row is read in full before anything is written).
   */
  rankRow(x: Float64Array, base: number, width: number, out: Float64Array): void {
    const h = this.#h, l = this.#l, ix = this.#ix, row = this.#row, u = this.#u;
    const hw = this.#hiWord, lw = 1 - hw;
    // bulk copy, then read the 32-bit halves from an integer view of the copy (a store of a
    // double followed by 32-bit loads of it would stall store-to-load forwarding)
    row.set(x.subarray(base, base + width));
    // negatives fill the front and the rest the back, so each sign is bucketed over its own
    // (narrow) key range instead of one range spanning both signs
    let neg = 0, pos = width;
    for (let s = 0; s < width; s++) {
      const v = row[s]!;
      if (v - v !== 0) {
        out[base + s] = NaN; // NaN and +-Infinity
        continue;
      }
      if (v === 0) {
        h[--pos] = 0; // +0 and -0 share the key of +0
        l[pos] = 0x80000000 | 0;
        ix[pos] = s;
        continue;
      }
      const hi = u[2 * s + hw]!, lo = u[2 * s + lw]!;
      if (hi < 0) {
        // negative: invert the magnitude bits of both words
        h[neg] = hi ^ 0x7fffffff;
        l[neg] = ~lo ^ 0x80000000; // low word compared as signed: flip its top bit
        ix[neg++] = s;
      } else {
        h[--pos] = hi;
        l[pos] = lo ^ 0x80000000;
        ix[pos] = s;
      }
    }
    const m = neg + width - pos;
    if (m === 0) return;
    if (m === 1) {
      out[base + ix[neg === 1 ? 0 : pos]!] = 0.5;
      return;
    }
    if (pos > neg) {
      // close the gap: move the non-negatives down next to the negatives
      h.copyWithin(neg, pos, width);
      l.copyWithin(neg, pos, width);
      ix.copyWithin(neg, pos, width);
    }
    if (neg > 1) this.#sortRange(0, neg, 0);
    if (m - neg > 1) this.#sortRange(neg, m, 0);
    let j = 0;
    while (j < m) {
      const hj = h[j]!, lj = l[j]!;
      let k = j + 1;
      while (k < m && h[k] === hj && l[k] === lj) k++;
      const r = (j + k - 1) / 2 / (m - 1);
      for (let q = j; q < k; q++) out[base + ix[q]!] = r;
      j = k;
    }
  }

  /** Sorts keys [a, b) by (h, l), carrying ix. */
  #sortRange(a: number, b: number, depth: number): void {
    const h = this.#h, l = this.#l;
    let mn = h[a]!, mx = mn;
    for (let i = a + 1; i < b; i++) {
      const v = h[i]!;
      if (v < mn) mn = v;
      else if (v > mx) mx = v;
    }
    let key = h;
    if (mn === mx) {
      key = l;
      mn = mx = l[a]!;
      for (let i = a + 1; i < b; i++) {
        const v = l[i]!;
        if (v < mn) mn = v;
        else if (v > mx) mx = v;
      }
      if (mn === mx) return; // all keys equal
    }
    const n = b - a;
    const bits = Math.min(16, 32 - Math.clz32(n));
    const span = (mx - mn) >>> 0; // < 2^32
    const spanBits = 32 - Math.clz32(span);
    const shift = spanBits > bits ? spanBits - bits : 0;
    const nb = (span >>> shift) + 1;
    let cnt = this.#counts[depth];
    if (cnt === undefined || cnt.length < nb + 1) {
      cnt = new Int32Array(Math.max(nb + 1, 1 << (bits + 1)) + 1);
      this.#counts[depth] = cnt;
    }
    cnt.fill(0, 0, nb + 1);
    for (let i = a; i < b; i++) cnt[(((key[i]! - mn) >>> 0) >>> shift) + 1]!++;
    for (let k = 1; k <= nb; k++) cnt[k]! += cnt[k - 1]!;
    // cnt[k] = start (relative to a) of bucket k; scatter into the second buffers
    const ix = this.#ix, h2 = this.#h2, l2 = this.#l2, ix2 = this.#ix2;
    for (let i = a; i < b; i++) {
      const d = a + cnt[((key[i]! - mn) >>> 0) >>> shift]!++;
      h2[d] = h[i]!;
      l2[d] = l[i]!;
      ix2[d] = ix[i]!;
    }
    h.set(h2.subarray(a, b), a);
    l.set(l2.subarray(a, b), a);
    ix.set(ix2.subarray(a, b), a);
    // after the scatter cnt[k] is the end of bucket k
    let start = a;
    for (let k = 0; k < nb; k++) {
      const end = a + cnt[k]!;
      const size = end - start;
      if (size > SMALL) this.#sortRange(start, end, depth + 1);
      else if (size > 1) this.#insertion(start, end);
      start = end;
    }
  }

  #insertion(a: number, b: number): void {
    const h = this.#h, l = this.#l, ix = this.#ix;
    for (let i = a + 1; i < b; i++) {
      const hv = h[i]!, lv = l[i]!, iv = ix[i]!;
      let j = i - 1;
      while (j >= a) {
        const hj = h[j]!;
        if (hj < hv || (hj === hv && l[j]! <= lv)) break;
        h[j + 1] = hj;
        l[j + 1] = l[j]!;
        ix[j + 1] = ix[j]!;
        j--;
      }
      h[j + 1] = hv;
      l[j + 1] = lv;
      ix[j + 1] = iv;
    }
  }
}
