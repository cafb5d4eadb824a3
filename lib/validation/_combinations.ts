/** Private combinatorics helpers shared by CPCV and PBO. */

/** Binomial coefficient C(n, k) as a double (exact below 2^53). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  k = Math.min(k, n - k);
  let c = 1;
  for (let i = 1; i <= k; i++) c = c * (n - k + i) / i;
  return Math.round(c);
}

/**
 * All k-subsets of {0, ..., n-1} in lexicographic order, as sorted index arrays
 * (e.g. n = 4, k = 2: [0,1], [0,2], [0,3], [1,2], [1,3], [2,3]).
 */
export function combinations(n: number, k: number): Int32Array[] {
  const out: Int32Array[] = [];
  if (k < 0 || k > n) return out;
  const c = new Int32Array(k);
  for (let i = 0; i < k; i++) c[i] = i;
  while (true) {
    out.push(c.slice());
    let i = k - 1;
    while (i >= 0 && c[i] === n - k + i) i--;
    if (i < 0) return out;
    c[i]!++;
    for (let j = i + 1; j < k; j++) c[j] = c[j - 1]! + 1;
  }
}
