/** Private: a small least-recently-used cache (Map insertion order). */
export class LruCache<K, V> {
  #map = new Map<K, V>();
  constructor(readonly capacity: number) {}

  /** The value of `key` (now the most recently used), or undefined. */
  get(key: K): V | undefined {
    const hit = this.#map.get(key);
    if (hit !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, hit);
    }
    return hit;
  }

  /** Whether `key` is cached (its recency unchanged). */
  has(key: K): boolean {
    return this.#map.has(key);
  }

  getOrSet(key: K, make: () => V): V {
    const hit = this.#map.get(key);
    if (hit !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, hit);
      return hit;
    }
    const v = make();
    this.#map.set(key, v);
    if (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value as K);
    return v;
  }
}
