/// <reference lib="dom" />
// A table of search results that pages ("Show more"), says how many it
// shows, and is marked busy while a search is on its way (aria-busy), so a
// screen reader, and a test, knows when the rows answer the last search.
import { announce, fill, h } from './dom';
import { errorBox } from './view';

export interface Page<Item, Cursor> {
  items: Item[];
  /** Where the next page starts; null at the end. */
  next: Cursor | null;
}

export interface PagedTable {
  /** The summary, the table and the "more" button, in that order. */
  elements: HTMLElement[];
  /** A new search (`append` false), or the next page of the last one. */
  load(append: boolean): Promise<void>;
}

export function pagedTable<Item, Cursor>(o: {
  caption: string;
  columns: Array<string | HTMLElement>;
  /** Singular and plural, for the summary ("1 request", "12 requests"). */
  noun: [string, string];
  moreLabel: string;
  fetch(after: Cursor | null): Promise<Page<Item, Cursor>>;
  row(item: Item): HTMLElement;
}): PagedTable {
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'grid', 'aria-busy': 'false' },
    h('caption', { class: 'visually-hidden' }, o.caption),
    h('thead', {}, h('tr', {}, o.columns.map((c) => h('th', { scope: 'col' }, c)))),
    body,
  );
  const more = h('button', { type: 'button' }, o.moreLabel);
  more.hidden = true;
  let next: Cursor | null = null;
  let shown = 0;

  async function load(append: boolean): Promise<void> {
    table.setAttribute('aria-busy', 'true');
    try {
      const page = await o.fetch(append ? next : null);
      if (!append) {
        fill(body);
        shown = 0;
      }
      body.append(...page.items.map(o.row));
      shown += page.items.length;
      next = page.next;
      more.hidden = next === null;
      summary.textContent = shown === 0 ? `No ${o.noun[0]} matches.` : `${shown} ${shown === 1 ? o.noun[0] : o.noun[1]}${next !== null ? ' so far' : ''}.`;
      announce(summary.textContent);
    } catch (err) {
      fill(summary, errorBox(err));
    } finally {
      table.setAttribute('aria-busy', 'false');
    }
  }
  more.addEventListener('click', () => void load(true));
  return { elements: [summary, h('div', { class: 'scroll' }, table), more], load };
}
