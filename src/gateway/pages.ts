/**
 * Paging of the lists a session serves (`limits.listPageSize`): the first page is cut from the list the
 * router just built, and every later page from the same snapshot, so pages never overlap or skip even
 * when the upstream lists change meanwhile. A cursor names the snapshot (its generation) and an offset;
 * one from another session, another list, or a snapshot since invalidated is refused.
 */
import type { ListKind } from '../pipeline/types.js';
import type { Json } from './upstream.js';
import { decodeListCursor, encodeListCursor, LIST_METHOD } from './names.js';

export class ListPager {
  /** The list a client is paging through, per kind (kept only while it has more pages). */
  private readonly snaps = new Map<ListKind, { gen: number; items: Json[] }>();
  private gen = 0;

  /** Where a cursor continues: the snapshot's items and the offset; undefined when this pager did not issue it (or no longer can). */
  resume(kind: ListKind, cursor: unknown): { items: Json[]; offset: number } | undefined {
    const c = decodeListCursor(cursor);
    const snap = this.snaps.get(kind);
    if (!c || c.kind !== kind || !snap || snap.gen !== c.gen || c.offset >= snap.items.length) return undefined;
    return { items: snap.items, offset: c.offset };
  }

  /** The list changed (or is listed afresh): its cursors are void. */
  forget(kind: ListKind): void {
    this.snaps.delete(kind);
  }

  /**
   * The page of `items` from `offset` (`size` ≤ 0: all of it), as the list result (`tools`, `prompts`, … and
   * `nextCursor` when more follow); `end` is where it stops.
   */
  page(kind: ListKind, items: Json[], offset: number, size: number): { result: Json; end: number } {
    const end = size > 0 ? Math.min(items.length, offset + size) : items.length;
    const result: Json = { [LIST_METHOD[kind].key]: offset === 0 && end === items.length ? items : items.slice(offset, end) };
    if (end < items.length) {
      let snap = this.snaps.get(kind);
      if (!snap) this.snaps.set(kind, (snap = { gen: ++this.gen, items }));
      result.nextCursor = encodeListCursor({ kind, gen: snap.gen, offset: end });
    }
    return { result, end };
  }
}
