// Usage: what the caller's queries cost over a range of days, or over the last 48 hours (bytes read
// and ClickHouse server time per day or hour, as a chart and a table with its totals) and how much
// of today's budgets they used. For admins also the top users and tiers over the same range and
// any user's budgets. Everything comes from GET /v1/usage and GET /v1/usage/budgets; the charts are
// SVG drawn here, no library.
import { claims, get, session } from './api.js';
import { bytes, count, duration, h, replace, svg, time } from './dom.js';
import { context, problemBox } from './main.js';

const DAY_MS = 86400000;
const HOUR_MS = 3600000;
const DEFAULT_DAYS = 7;
/** As many hours as the hourly rollup keeps (agp.bookkeeper.usage.hour-retention, 48h by default). */
const HOURS = 48;
/** The most labels under a chart: five fit a chart 300 px wide without touching. */
const MAX_LABELS = 5;
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
const hour = (ms) => new Date(ms).toISOString().slice(0, 13).replace('T', ' ') + ':00';
const isDay = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || '');

/**
 * What a bar of a chart and a line of its table stand for: a UTC day or an hour. `name` writes a
 * slot in full, `label` as the lines of its label under the chart.
 */
const PER_DAY = {
  key: 'day', ms: DAY_MS, unit: 'day', units: 'days', inOne: 'in a day', heading: 'Day',
  name: day,
  label: (ms) => [day(ms).slice(5)],
  caption: 'Usage per day, oldest first, with the totals of the range',
};
const PER_HOUR = {
  key: 'hour', ms: HOUR_MS, unit: 'hour', units: 'hours', inOne: 'in an hour', heading: 'Hour (UTC)',
  name: hour,
  label: (ms) => [hour(ms).slice(11), day(ms).slice(5)],
  caption: 'Usage per hour, oldest first, with the totals of the last 48 hours',
};

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
  const hourly = params.get('view') === 'hours';

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
    if (hourly) query.set('view', 'hours');
    if (params.get('budget_user')) query.set('budget_user', params.get('budget_user'));
    location.hash = '#/usage?' + query;
  });

  const own = h('section', { id: 'own-usage', 'aria-labelledby': 'own-usage-title' },
    h('h2', { id: 'own-usage-title' }, user ? 'Your usage' : 'Usage of everyone'),
    viewSwitch(params, hourly),
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
    const [heading, views] = own.children;
    try {
      // The hourly view: the 48 hours up to the current one, asked for as the days they fall in.
      const lastHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
      const firstHour = lastHour - (HOURS - 1) * HOUR_MS;
      const query = hourly
        ? new URLSearchParams({ from: day(firstHour), to: day(lastHour), granularity: 'hour' })
        : new URLSearchParams(range);
      query.set('group_by', 'day');
      if (user) query.set('user', user);
      const usage = await get('/v1/usage?' + query);
      const grain = hourly ? PER_HOUR : PER_DAY;
      const slots = hourly
        ? { first: firstHour, count: HOURS }
        : { first: Date.parse(from), count: Math.max(1, Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS) + 1) };
      const rows = bySlot(usage.rows, grain).filter((r) => r.at >= slots.first);
      if (!gone) {
        replace(own, heading, views, usageCharts(rows, grain, slots), rows.length ? usageTable(rows, grain) : null,
          usage.truncated ? h('p', { class: 'muted' }, 'Only part of the range is shown: choose fewer days.') : null);
      }
    } catch (e) {
      if (!gone) replace(own, heading, views, problemBox(e));
    }
  })();
  showBudgets(budgets, user && context.admin ? user : null, () => gone);
  if (admin) renderAdmin(admin, range, params, () => gone);
  return () => {
    gone = true;
  };
}

/** Days or the last 48 hours, as links that keep the rest of the page's parameters. */
function viewSwitch(params, hourly) {
  const link = (hours, text) => {
    const query = new URLSearchParams(params);
    if (hours) query.set('view', 'hours');
    else query.delete('view');
    const rest = query.toString();
    const href = '#/usage' + (rest ? '?' + rest : '');
    return h('a', { href, class: 'view-choice', 'data-view': hours ? 'hours' : 'days', 'aria-current': hours === hourly ? 'true' : null }, text);
  };
  return h('nav', { class: 'view-switch', 'aria-label': 'Usage per' },
    link(false, 'Days'), link(true, 'Last 48 hours'));
}

/** The API's rows (one per day or hour, tier and user) added up per day or hour, oldest first. */
function bySlot(rows, grain) {
  const slots = new Map();
  for (const r of rows) {
    const at = Date.parse(r[grain.key]);
    const sum = slots.get(at) || { at, [grain.key]: r[grain.key] };
    for (const [field] of COLUMNS) sum[field] = (sum[field] || 0) + (r[field] || 0);
    slots.set(at, sum);
  }
  return [...slots.values()].sort((a, b) => a.at - b.at);
}

/** Bytes read and server time per day (or hour) with data, one bar each, over every slot shown. */
function usageCharts(rows, grain, slots) {
  if (!rows.length) {
    return h('p', { class: 'muted', id: 'usage-empty' },
      grain === PER_HOUR ? 'No usage in the last 48 hours.' : 'No usage in this range.');
  }
  return h('div', { class: 'usage-charts' },
    usageBars('read_bytes', 'Bytes read per ' + grain.unit, rows, grain, slots, bytes),
    usageBars('server_seconds', 'Server time per ' + grain.unit, rows, grain, slots, seconds));
}

function usageBars(field, title, rows, grain, { first, count: slotCount }, format) {
  const width = 480;
  const height = 120;
  const slot = width / slotCount;
  const peak = Math.max(...rows.map((r) => r[field] || 0));
  const bars = rows.map((r) => {
    const i = Math.round((r.at - first) / grain.ms);
    const value = r[field] || 0;
    // A slot with data keeps a sliver of a bar even when this figure is zero.
    const barHeight = Math.max(1, peak ? (value / peak) * (height - 4) : 1);
    return svg('rect', { class: 'usage-bar', ['data-' + grain.key]: r[grain.key],
      x: (i * slot + slot * 0.15).toFixed(2), y: (height - barHeight).toFixed(2),
      width: (slot * 0.7).toFixed(2), height: barHeight.toFixed(2) },
      svg('title', null, grain.name(r.at) + ': ' + format(value)));
  });
  const total = rows.reduce((sum, r) => sum + (r[field] || 0), 0);
  const last = first + (slotCount - 1) * grain.ms;
  const zone = grain === PER_HOUR ? ' UTC' : '';
  const summary = title + ' from ' + grain.name(first) + zone + ' over ' + slotCount + ' ' + grain.units + ': ' +
    rows.length + ' ' + grain.units + ' with usage, ' + format(total) + ' in all, at most ' + format(peak) + ' ' +
    grain.inOne + '. The table below has every figure.';
  return h('figure', { class: 'chart usage-chart', id: 'chart-' + field },
    svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary, preserveAspectRatio: 'none' },
      svg('line', { class: 'axis', x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5 }),
      bars),
    slotLabels(grain, first, slotCount),
    h('figcaption', null, title + ' (peak ' + format(peak) + '), ' + grain.name(first) + ' to ' + grain.name(last) + zone));
}

/**
 * The slots a chart labels: the first, the last and evenly spaced ones between, at most
 * MAX_LABELS; one between that would crowd the last is left out.
 */
function labelledSlots(slotCount) {
  if (slotCount <= 1) return [0];
  const step = Math.ceil((slotCount - 1) / (MAX_LABELS - 1));
  const slots = [];
  for (let i = 0; i < slotCount - 1; i += step) slots.push(i);
  if (slots.length > 1 && slotCount - 1 - slots.at(-1) < step * 0.75) slots.pop();
  slots.push(slotCount - 1);
  return slots;
}

/**
 * The labels under a chart, in an SVG of their own: the chart's is stretched to its box, which
 * would stretch text too. Placed in percent of the width, under the middle of their bar; the first
 * starts at its slot and the last ends at its own, so that neither is cut at the edges. The chart's
 * text alternative already names the range: the labels are for the eye.
 */
function slotLabels(grain, first, slotCount) {
  const lines = grain.label(first).length;
  const percent = (x) => ((x / slotCount) * 100).toFixed(3) + '%';
  const indices = labelledSlots(slotCount);
  return svg('svg', { class: 'slot-labels', 'aria-hidden': 'true', 'data-lines': lines },
    indices.map((i) => {
      const edge = indices.length === 1 ? null : i === 0 ? 'start' : i === slotCount - 1 ? 'end' : null;
      const x = percent(edge === 'start' ? i : edge === 'end' ? i + 1 : i + 0.5);
      const at = first + i * grain.ms;
      return svg('text', { class: 'slot-label', x, y: 12, 'text-anchor': edge || 'middle', 'data-slot': grain.name(at) },
        grain.label(at).map((line, n) => svg('tspan', { x, dy: n ? 13 : null }, line)));
    }));
}

function usageTable(rows, grain) {
  const totals = {};
  for (const [field] of COLUMNS) totals[field] = rows.reduce((sum, r) => sum + (r[field] || 0), 0);
  return h('div', { class: 'table-wrap' },
    h('table', { id: 'usage-' + grain.units, class: 'usage-table' },
      h('caption', { class: 'visually-hidden' }, grain.caption),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, grain.heading),
        COLUMNS.map(([, heading]) => h('th', { scope: 'col', class: 'num' }, heading)))),
      h('tbody', null, rows.map((r) =>
        h('tr', { ['data-' + grain.key]: r[grain.key] },
          h('th', { scope: 'row' }, grain.name(r.at)),
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
