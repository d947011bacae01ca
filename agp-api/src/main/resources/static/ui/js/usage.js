// Usage: what the caller's queries cost over a range of days (bytes read and ClickHouse server time
// per day, as a chart and a table with its totals) and how much of today's budgets they used. For
// admins also the top users and tiers over the same range and any user's budgets. Everything comes
// from GET /v1/usage and GET /v1/usage/budgets; the charts are SVG drawn here, no library.
import { claims, get, session } from './api.js';
import { bytes, count, duration, h, replace, svg, time } from './dom.js';
import { context, problemBox } from './main.js';

const DAY_MS = 86400000;
const DEFAULT_DAYS = 7;
const TOP = 10;

/** The figures of the day table, in order: field, heading, how it is written. */
const COLUMNS = [
  ['executions', 'Executions', count],
  ['executions_succeeded', 'Succeeded', count],
  ['executions_failed', 'Failed', count],
  ['executions_canceled', 'Canceled', count],
  ['sync_runs', 'Sync runs', count],
  ['proxy_queries', 'Proxy', count],
  ['read_rows', 'Rows read', count],
  ['read_bytes', 'Bytes read', bytes],
  ['result_bytes', 'Results', bytes],
  ['downloaded_bytes', 'Downloaded', bytes],
  ['server_seconds', 'Server time', seconds],
  ['queue_seconds', 'Queued', seconds],
];

/** Seconds as the console writes durations (ms, s, min, h). */
export function seconds(s) {
  return s == null ? '–' : duration(Math.round(s * 1000));
}

const day = (ms) => new Date(ms).toISOString().slice(0, 10);
const isDay = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || '');

/** The signed-in user (JWT mode), or null when the API asks for no token. */
function me() {
  const token = session.token;
  return token ? claims(token).sub || null : null;
}

export function renderUsage(main, { params }) {
  const today = Date.parse(day(Date.now()));
  const to = isDay(params.get('to')) ? params.get('to') : day(today);
  const from = isDay(params.get('from')) ? params.get('from') : day(today - (DEFAULT_DAYS - 1) * DAY_MS);
  const user = me();

  const form = h('form', { class: 'filters', id: 'usage-range', 'aria-label': 'Range of days' },
    h('div', { class: 'field' },
      h('label', { for: 'u-from' }, 'From'),
      h('input', { id: 'u-from', name: 'from', type: 'date', value: from, required: true })),
    h('div', { class: 'field' },
      h('label', { for: 'u-to' }, 'To (included)'),
      h('input', { id: 'u-to', name: 'to', type: 'date', value: to, required: true })),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const name of ['from', 'to']) query.set(name, form.elements[name].value);
    if (params.get('budget_user')) query.set('budget_user', params.get('budget_user'));
    location.hash = '#/usage?' + query;
  });

  const own = h('section', { id: 'own-usage', 'aria-labelledby': 'own-usage-title' },
    h('h2', { id: 'own-usage-title' }, user ? 'Your usage' : 'Usage of everyone'),
    h('p', { class: 'muted' }, 'Loading…'));
  const budgets = h('section', { id: 'own-budgets', 'aria-labelledby': 'own-budgets-title' },
    h('h2', { id: 'own-budgets-title' }, user ? 'Your budgets today' : 'Budgets today'),
    h('p', { class: 'muted' }, 'Loading…'));
  const admin = context.admin
    ? h('section', { id: 'all-usage', 'aria-labelledby': 'all-usage-title' },
        h('h2', { id: 'all-usage-title' }, 'Every user (admins)'),
        h('p', { class: 'muted' }, 'Loading…'))
    : null;

  replace(main,
    h('h1', null, 'Usage'),
    h('p', { class: 'muted' },
      'What queries cost on ClickHouse, per UTC day: bytes read and server time of executions, sync runs ' +
      'and proxy queries once they ended. Figures are folded in every few seconds.'),
    form, own, budgets, admin);

  const range = new URLSearchParams({ from, to, granularity: 'day' });
  let gone = false;

  (async () => {
    try {
      const query = new URLSearchParams(range);
      query.set('group_by', 'day');
      if (user) query.set('user', user);
      const usage = await get('/v1/usage?' + query);
      const days = byDay(usage.rows);
      if (!gone) {
        replace(own, own.firstChild, dayChart(days, from, to), days.length ? dayTable(days) : null,
          usage.truncated ? h('p', { class: 'muted' }, 'Only part of the range is shown: choose fewer days.') : null);
      }
    } catch (e) {
      if (!gone) replace(own, own.firstChild, problemBox(e));
    }
  })();
  showBudgets(budgets, user && context.admin ? user : null, () => gone);
  if (admin) renderAdmin(admin, range, params, () => gone);
  return () => {
    gone = true;
  };
}

/** The API's rows (one per day, tier and user) added up per day, oldest first. */
function byDay(rows) {
  const days = new Map();
  for (const r of rows) {
    const sum = days.get(r.day) || { day: r.day };
    for (const [field] of COLUMNS) sum[field] = (sum[field] || 0) + (r[field] || 0);
    days.set(r.day, sum);
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}

/** Bytes read and server time per day with data, one bar each, over every day of the range. */
function dayChart(rows, from, to) {
  if (!rows.length) return h('p', { class: 'muted', id: 'usage-empty' }, 'No usage in this range.');
  const first = Date.parse(from);
  const days = Math.max(1, Math.round((Date.parse(to) - first) / DAY_MS) + 1);
  return h('div', { class: 'usage-charts' },
    dailyBars('read_bytes', 'Bytes read per day', rows, first, days, bytes),
    dailyBars('server_seconds', 'Server time per day', rows, first, days, seconds));
}

function dailyBars(field, title, rows, first, days, format) {
  const width = 480;
  const height = 120;
  const slot = width / days;
  const peak = Math.max(...rows.map((r) => r[field] || 0));
  const bars = rows.map((r) => {
    const i = Math.round((Date.parse(r.day) - first) / DAY_MS);
    const value = r[field] || 0;
    // A day with data keeps a sliver of a bar even when this figure is zero.
    const barHeight = Math.max(1, peak ? (value / peak) * (height - 4) : 1);
    return svg('rect', { class: 'usage-bar', 'data-day': r.day,
      x: (i * slot + slot * 0.15).toFixed(2), y: (height - barHeight).toFixed(2),
      width: (slot * 0.7).toFixed(2), height: barHeight.toFixed(2) },
      svg('title', null, r.day + ': ' + format(value)));
  });
  const total = rows.reduce((sum, r) => sum + (r[field] || 0), 0);
  const summary = title + ' from ' + day(first) + ' over ' + days + ' days: ' + rows.length +
    ' days with usage, ' + format(total) + ' in all, at most ' + format(peak) + ' in a day. The table below has every figure.';
  return h('figure', { class: 'chart usage-chart', id: 'chart-' + field },
    svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary, preserveAspectRatio: 'none' },
      svg('line', { class: 'axis', x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5 }),
      bars),
    h('figcaption', null, title + ' (peak ' + format(peak) + '), ' + day(first) + ' to ' + day(first + (days - 1) * DAY_MS)));
}

function dayTable(rows) {
  const totals = {};
  for (const [field] of COLUMNS) totals[field] = rows.reduce((sum, r) => sum + (r[field] || 0), 0);
  return h('div', { class: 'table-wrap' },
    h('table', { id: 'usage-days', class: 'usage-table' },
      h('caption', { class: 'visually-hidden' }, 'Usage per day, oldest first, with the totals of the range'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Day'),
        COLUMNS.map(([, heading]) => h('th', { scope: 'col', class: 'num' }, heading)))),
      h('tbody', null, rows.map((r) =>
        h('tr', { 'data-day': r.day },
          h('th', { scope: 'row' }, r.day),
          COLUMNS.map(([field, , format]) => h('td', { class: 'num', 'data-field': field, 'data-value': r[field] ?? 0 }, format(r[field])))))),
      h('tfoot', null, h('tr', { id: 'usage-total' },
        h('th', { scope: 'row' }, 'Total'),
        COLUMNS.map(([field, , format]) => h('td', { class: 'num', 'data-field': field, 'data-value': totals[field] }, format(totals[field])))))));
}

/** Today's budgets (of a user an admin chose, or the caller's): a bar per budget, used of its limit. */
async function showBudgets(section, user, isGone) {
  const heading = section.firstChild;
  try {
    const b = await get('/v1/usage/budgets' + (user ? '?user=' + encodeURIComponent(user) : ''));
    if (isGone()) return;
    replace(section, heading,
      b.budgets.length
        ? [h('ul', { class: 'budgets' }, b.budgets.map(budgetBar)),
           h('p', { class: 'muted' }, 'Day ', b.day, ' (UTC); the counts start again at ', time(b.resets_at), '.')]
        : h('p', { class: 'muted' }, 'No budget applies: ', user ? user : 'you', ' may run as much as the tiers allow.'));
  } catch (e) {
    if (!isGone()) replace(section, heading, problemBox(e));
  }
}

const BUDGETS = {
  executions: ['Runs started', count],
  bytes_read: ['Bytes read', bytes],
  server_seconds: ['Server time', seconds],
};

function budgetBar(b) {
  const [what, format] = BUDGETS[b.budget] || [b.budget, count];
  const whose = b.scope === 'tier' ? 'whole tier ' + b.tier : 'tier ' + b.tier;
  const percent = b.limit > 0 ? Math.min(100, (b.used / b.limit) * 100) : 100;
  const label = what + ', ' + whose;
  const over = b.remaining <= 0;
  const figures = format(b.used) + ' of ' + format(b.limit) + ' (' + percent.toFixed(0) + ' %), ' +
    (over ? 'spent' : format(b.remaining) + ' left');
  return h('li', { class: 'budget' + (over ? ' budget-spent' : ''), 'data-budget': b.budget, 'data-scope': b.scope, 'data-tier': b.tier },
    h('span', { class: 'budget-name' }, label),
    h('progress', { max: 100, value: percent.toFixed(1), 'aria-label': label, 'aria-valuetext': figures }),
    h('span', { class: 'budget-figures' }, figures));
}

/** Admins: top users and tiers by bytes read and by server time, and any user's budgets. */
async function renderAdmin(section, range, params, isGone) {
  const heading = section.firstChild;
  const top = (groupBy, orderBy) => {
    const query = new URLSearchParams(range);
    query.set('group_by', groupBy);
    query.set('top', String(TOP));
    query.set('order_by', orderBy);
    return get('/v1/usage?' + query);
  };
  const budgetUser = params.get('budget_user') || '';
  const budgetForm = h('form', { class: 'filters', id: 'budget-user-form', 'aria-label': 'Budgets of a user' },
    h('div', { class: 'field' },
      h('label', { for: 'u-budget-user' }, 'User'),
      h('input', { id: 'u-budget-user', name: 'budget_user', value: budgetUser, required: true, list: 'u-users', autocomplete: 'off' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show budgets')));
  budgetForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams(location.hash.split('?')[1] || '');
    query.set('from', range.get('from'));
    query.set('to', range.get('to'));
    query.set('budget_user', budgetForm.elements.budget_user.value.trim());
    location.hash = '#/usage?' + query;
  });
  const userBudgets = h('div', { id: 'user-budgets' },
    h('h3', null, budgetUser ? 'Budgets of ' + budgetUser + ' today' : 'Budgets of a user today'),
    budgetUser ? h('p', { class: 'muted' }, 'Loading…') : h('p', { class: 'muted' }, 'Name a user to see their budgets.'));
  try {
    const [usersByBytes, usersByTime, tiersByBytes, tiersByTime] = await Promise.all([
      top('user', 'read_bytes'), top('user', 'server_seconds'), top('tier', 'read_bytes'), top('tier', 'server_seconds')]);
    if (isGone()) return;
    const names = new Set([...usersByBytes.rows, ...usersByTime.rows].map((r) => r.user));
    replace(section, heading,
      h('div', { class: 'top-grid' },
        topList('users-read_bytes', 'Top users by bytes read', 'user', 'read_bytes', usersByBytes.rows, bytes),
        topList('users-server_seconds', 'Top users by server time', 'user', 'server_seconds', usersByTime.rows, seconds),
        topList('tiers-read_bytes', 'Tiers by bytes read', 'tier', 'read_bytes', tiersByBytes.rows, bytes),
        topList('tiers-server_seconds', 'Tiers by server time', 'tier', 'server_seconds', tiersByTime.rows, seconds)),
      h('datalist', { id: 'u-users' }, [...names].map((n) => h('option', { value: n }))),
      h('h3', null, 'Budgets'),
      budgetForm,
      userBudgets);
  } catch (e) {
    if (!isGone()) replace(section, heading, problemBox(e), budgetForm, userBudgets);
  }
  if (budgetUser) showBudgets(userBudgets, budgetUser, isGone);
}

/** A ranked list as horizontal bars (SVG, with the names and figures in it) and as a table. */
function topList(id, title, key, field, rows, format) {
  const titleId = 'top-' + id + '-title';
  if (!rows.length) {
    return h('section', { class: 'card top-card', id: 'top-' + id, 'aria-labelledby': titleId },
      h('h3', { id: titleId }, title), h('p', { class: 'muted' }, 'No usage in this range.'));
  }
  // Figures may be fractions (seconds) or all zero: the longest bar is the largest figure's.
  const peak = Math.max(...rows.map((r) => r[field] || 0)) || 1;
  const line = 22;
  const width = 360;
  const labelWidth = 110;
  const height = rows.length * line;
  const bars = rows.map((r, i) => {
    const value = r[field] || 0;
    const barWidth = Math.max(1, (value / peak) * (width - labelWidth - 80));
    return svg('g', { class: 'top-bar' },
      svg('text', { x: labelWidth - 6, y: i * line + 15, 'text-anchor': 'end', class: 'top-name' },
        r[key].length > 14 ? r[key].slice(0, 13) + '…' : r[key]),
      svg('rect', { class: 'usage-bar', x: labelWidth, y: i * line + 4, width: barWidth.toFixed(2), height: line - 8 },
        svg('title', null, r[key] + ': ' + format(value))),
      svg('text', { x: labelWidth + barWidth + 6, y: i * line + 15, class: 'top-value' }, format(value)));
  });
  const summary = title + ': ' + rows.map((r) => r[key] + ' ' + format(r[field] || 0)).join(', ') + '.';
  return h('section', { class: 'card top-card', id: 'top-' + id, 'aria-labelledby': titleId },
    h('h3', { id: titleId }, title),
    h('figure', { class: 'chart top-chart' },
      svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary }, bars)),
    h('div', { class: 'top-table' }, h('table', { class: 'usage-table' },
      h('caption', { class: 'visually-hidden' }, title + ', largest first'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, key === 'user' ? 'User' : 'Tier'),
        h('th', { scope: 'col', class: 'num' }, 'Bytes read'),
        h('th', { scope: 'col', class: 'num' }, 'Server time'),
        h('th', { scope: 'col', class: 'num' }, 'Executions'))),
      h('tbody', null, rows.map((r) => h('tr', { 'data-name': r[key] },
        h('th', { scope: 'row', class: 'top-key' }, r[key]),
        h('td', { class: 'num' }, bytes(r.read_bytes)),
        h('td', { class: 'num' }, seconds(r.server_seconds)),
        h('td', { class: 'num' }, count(r.executions))))))));
}
