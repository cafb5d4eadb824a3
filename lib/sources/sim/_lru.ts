/** Private: a small least-recently-used cache (Map insertion order). */
export class LruCache<K, V> {
  #map = new Map<K, V>();
  constructor(readonly capacity: number) {}

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
