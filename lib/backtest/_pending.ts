/**
 * Pending orders of the event engine, indexed by symbol and id so that cancelling a symbol's
 * orders (the `orderTarget` path, once per symbol per rebalance) costs O(orders of that symbol)
 * instead of a scan of every pending order. Orders keep their submission order, which is the
 * order fills are attempted in (cash and cost totals depend on it). A removed order leaves a
 * hole in the submission list that the next {@link PendingOrders.sweep} or
 * {@link PendingOrders.list} compacts in place.
 */

/** What the index needs of an order. */
export interface PendingOrder {
  readonly id: number;
  readonly symbol: number;
}

export class PendingOrders<Order extends PendingOrder> {
  /** Submission order; may hold removed orders (in #removed) until compacted. */
  #list: Order[] = [];
  #removed = new Set<Order>();
  /** Live orders per symbol, in submission order. */
  readonly #bySym: Order[][];
  readonly #byId = new Map<number, Order>();

  constructor(nSym: number) {
    this.#bySym = Array.from({ length: nSym }, () => []);
  }

  /** Number of live pending orders. */
  get size(): number {
    return this.#byId.size;
  }

  add(o: Order): void {
    this.#list.push(o);
    this.#bySym[o.symbol]!.push(o);
    this.#byId.set(o.id, o);
  }

  /** The live order with this id, if any. */
  get(id: number): Order | undefined {
    return this.#byId.get(id);
  }

  /** Live orders of symbol s in submission order (a view: do not keep across changes). */
  ofSymbol(s: number): readonly Order[] {
    return this.#bySym[s]!;
  }

  /** Remove a live order (no-op for one that is not pending). */
  remove(o: Order): void {
    if (this.#byId.get(o.id) !== o) return;
    this.#byId.delete(o.id);
    const a = this.#bySym[o.symbol]!;
    a.splice(a.indexOf(o), 1);
    this.#removed.add(o);
  }

  /** Remove every live order of symbol s; returns them in submission order. */
  removeSymbol(s: number): Order[] {
    const a = this.#bySym[s]!;
    if (a.length === 0) return a;
    this.#bySym[s] = [];
    for (const o of a) {
      this.#byId.delete(o.id);
      this.#removed.add(o);
    }
    return a;
  }

  /**
   * Visit live orders in submission order; an order for which `done` returns true is removed.
   * `done` must not add or remove orders.
   */
  sweep(done: (o: Order) => boolean): void {
    const list = this.#list;
    const removed = this.#removed;
    const skip = removed.size > 0;
    let w = 0;
    for (let r = 0; r < list.length; r++) {
      const o = list[r]!;
      if (skip && removed.has(o)) continue;
      if (done(o)) {
        this.#byId.delete(o.id);
        const a = this.#bySym[o.symbol]!;
        a.splice(a.indexOf(o), 1);
      } else list[w++] = o;
    }
    list.length = w;
    removed.clear();
  }

  /** Live orders in submission order (the internal array, compacted: copy before changes). */
  list(): Order[] {
    if (this.#removed.size > 0) this.sweep(() => false);
    return this.#list;
  }
}
