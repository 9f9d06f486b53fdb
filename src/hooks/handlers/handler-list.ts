/**
 * Handlers of one kind in call order: ascending `order`, ties in
 * registration order (a stable sort, as LiveStreamingServerNet's OrderBy),
 * re-sorted on every change rather than frozen at the first dispatch. The
 * array is replaced, never mutated, so a dispatch that iterates it is not
 * disturbed by a handler that (un)registers from inside a call.
 */
export class HandlerList<T> {
  private entries: readonly { readonly handler: T; readonly order: number; readonly serial: number }[] = [];
  private serial = 0;
  /** The handlers in call order (a snapshot: iterate freely). */
  items: readonly T[] = [];

  constructor(private readonly changed: () => void = () => undefined) {}

  get size(): number {
    return this.items.length;
  }

  /** Adds `handler` at `order`; the returned function removes it (once; later calls do nothing). */
  add(handler: T, order: number): () => void {
    const entry = { handler, order: Number.isFinite(order) ? order : 0, serial: this.serial++ };
    this.replace([...this.entries, entry]);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.replace(this.entries.filter((e) => e !== entry));
    };
  }

  private replace(next: { readonly handler: T; readonly order: number; readonly serial: number }[]): void {
    next.sort((a, b) => a.order - b.order || a.serial - b.serial);
    this.entries = next;
    this.items = next.map((e) => e.handler);
    this.changed();
  }
}
