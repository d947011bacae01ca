// The executions: filters, newest first, a page at a time (the API's cursor), and the statuses and
// progress of the rows in flight kept current without reloading.
//
// Live updates: one list request every two seconds for the executions in flight that match the
// filters (status=PENDING,RUNNING), not one stream per row: it updates the rows shown, adds new
// ones on top, and a row that left the in-flight set is read once more to show how it ended.
import { get } from './api.js';
import { IN_FLIGHT, badge, duration, h, progressBar, replace, time } from './dom.js';
import { context, problemBox } from './main.js';

const STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED', 'EXPIRED'];
const REFRESH_MS = 2000;

export function renderList(main, { params }) {
  const statuses = params.getAll('status');
  const field = (name, label, attrs = {}) =>
    h('div', { class: 'field' },
      h('label', { for: 'f-' + name }, label),
      h('input', { id: 'f-' + name, name, value: params.get(name) || '', ...attrs }));
  const form = h('form', { class: 'filters', id: 'filters', 'aria-label': 'Filters' },
    h('fieldset', { class: 'statuses' },
      h('legend', null, 'Status'),
      STATUSES.map((s) =>
        h('label', { class: 'check' },
          h('input', { type: 'checkbox', name: 'status', value: s, checked: statuses.includes(s) }),
          ' ' + s.toLowerCase()))),
    field('name', 'Name'),
    field('tier', 'Tier'),
    context.admin ? field('created_by', 'User') : null,
    field('label', 'Label', { placeholder: 'key=value' }),
    field('query_id', 'Query id'),
    field('created_after', 'Created after', { type: 'datetime-local', value: local(params.get('created_after')) }),
    field('created_before', 'Created before', { type: 'datetime-local', value: local(params.get('created_before')) }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit' }, 'Apply'),
      h('button', { type: 'button', class: 'secondary', onclick: () => (location.hash = '#/') }, 'Clear')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (!value) continue;
      query.append(name, name.startsWith('created_') ? new Date(value).toISOString() : value.trim());
    }
    const next = '#/' + (query.size ? '?' + query : '');
    if (location.hash === next) load();
    else location.hash = next;
  });

  const rows = h('tbody', { id: 'executions' });
  const status = h('p', { class: 'muted', id: 'list-status', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const errors = h('div');
  replace(main,
    h('div', { class: 'title-row' },
      h('h1', null, 'Executions'),
      h('a', { class: 'button', href: '#/new' }, 'New query')),
    form,
    errors,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'executions' },
        h('caption', { class: 'visually-hidden' }, 'Executions, newest first'),
        h('thead', null, h('tr', null,
          ['Id', 'Status', 'Progress', 'Tier', 'User', 'Query', 'Created', 'Took'].map((c) => h('th', { scope: 'col' }, c)))),
        rows)),
    status,
    more);

  const filter = new URLSearchParams(params);
  let cursor = null;
  const shown = new Map();

  function put(e, where) {
    const row = rowOf(e);
    const old = shown.get(e.id);
    if (old) old.replaceWith(row);
    else if (where === 'top') rows.prepend(row);
    else rows.append(row);
    shown.set(e.id, row);
    row.execution = e;
  }

  function tell() {
    status.textContent = shown.size
      ? shown.size + (shown.size === 1 ? ' execution shown' : ' executions shown') + (cursor ? ', more below' : '')
      : 'No execution matches.';
  }

  async function load(after) {
    replace(errors);
    const query = new URLSearchParams(filter);
    query.set('limit', '50');
    if (after) query.set('cursor', after);
    try {
      const page = await get('/executions?' + query);
      if (!after) {
        rows.replaceChildren();
        shown.clear();
      }
      page.executions.forEach((e) => put(e, 'bottom'));
      cursor = page.cursor;
      more.hidden = !cursor;
      tell();
    } catch (e) {
      replace(errors, problemBox(e));
    }
  }
  more.addEventListener('click', () => load(cursor));

  const followsInFlight = !statuses.length || statuses.some((s) => IN_FLIGHT.includes(s));
  let busy = false;
  async function refresh() {
    if (busy || document.hidden || !followsInFlight) return;
    busy = true;
    try {
      const query = new URLSearchParams(filter);
      query.delete('status');
      query.set('status', 'PENDING,RUNNING');
      query.set('limit', '100');
      const page = await get('/executions?' + query);
      const live = new Map(page.executions.map((e) => [e.id, e]));
      const newest = Math.max(0, ...shown.keys());
      for (const e of [...page.executions].reverse()) {
        if (shown.has(e.id)) put(e);
        else if (e.id > newest && (!statuses.length || statuses.includes(e.status))) {
          put(e, 'top');
          tell();
        }
      }
      for (const [id, row] of shown) {
        if (IN_FLIGHT.includes(row.execution.status) && !live.has(id)) {
          put(await get('/executions/' + id));
        }
      }
    } catch {
      // The next round tries again; a 401 has already asked for a token.
    } finally {
      busy = false;
    }
  }

  load();
  const timer = setInterval(refresh, REFRESH_MS);
  return () => clearInterval(timer);
}

function rowOf(e) {
  const took = e.completed_at && e.picked_at ? Date.parse(e.completed_at) - Date.parse(e.picked_at) : null;
  const firstLine = e.sql.split('\n').find((line) => line.trim()) || '';
  return h('tr', { 'data-id': e.id, 'data-status': e.status },
    h('td', null, h('a', { href: '#/executions/' + e.id }, String(e.id))),
    h('td', null, badge(e.status)),
    h('td', { class: 'progress-cell' }, progressBar(e)),
    h('td', null, e.tier),
    h('td', null, e.created_by || '–'),
    h('td', { class: 'sql-cell' },
      e.name ? h('strong', { class: 'execution-name' }, e.name) : null,
      e.name ? ' ' : null,
      h('code', { title: e.sql }, firstLine.length > 80 ? firstLine.slice(0, 80) + '…' : firstLine)),
    h('td', null, time(e.created_at)),
    h('td', null, took == null ? '–' : duration(took)));
}

/** An instant as a datetime-local input shows it, in the browser's time zone. */
function local(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

