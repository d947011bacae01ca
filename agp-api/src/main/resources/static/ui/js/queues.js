// The queues of every tier, for admins: waiting and running counts, the oldest wait, a chart of
// what ended each minute of the last hour, and who runs what. Read again every five seconds.
import { get } from './api.js';
import { count, duration, h, replace, svg, time } from './dom.js';
import { problemBox } from './main.js';

const REFRESH_MS = 5000;
const MINUTES = 60;

export function renderQueues(main) {
  const body = h('div', { id: 'queues' }, h('p', { class: 'muted' }, 'Loading…'));
  replace(main, h('h1', null, 'Queues'), body);

  async function load() {
    if (document.hidden) return;
    try {
      const q = await get('/queues');
      replace(body,
        h('p', { class: 'muted' }, 'As of ', time(q.as_of), '; read again every five seconds.'),
        h('div', { class: 'tiers' }, q.tiers.map((t) => tierCard(t, q.as_of))),
        h('h2', null, 'Running'),
        q.running.length
          ? h('div', { class: 'table-wrap' }, h('table', { id: 'running' },
              h('thead', null, h('tr', null, ['Id', 'Tier', 'User', 'Query id', 'Attempt', 'Running for', 'Rows read']
                .map((c) => h('th', { scope: 'col' }, c)))),
              h('tbody', null, q.running.map((r) => h('tr', null,
                h('td', null, h('a', { href: '#/executions/' + r.id }, String(r.id))),
                h('td', null, r.tier),
                h('td', null, r.created_by),
                h('td', null, h('code', null, r.query_id.length > 24 ? r.query_id.slice(0, 24) + '…' : r.query_id)),
                h('td', null, String(r.attempt)),
                h('td', null, duration(r.running_ms)),
                h('td', null, r.rows == null ? '–' : count(r.rows) + (r.total_rows ? ' of ' + count(r.total_rows) : '')))))))
          : h('p', { class: 'muted' }, 'Nothing runs.'),
        q.running_truncated ? h('p', { class: 'muted' }, 'Only the 100 that have run longest are shown.') : null);
    } catch (e) {
      replace(body, problemBox(e));
    }
  }

  load();
  const timer = setInterval(load, REFRESH_MS);
  return () => clearInterval(timer);
}

function tierCard(t, asOf) {
  const totals = t.ended_per_minute.reduce(
    (sum, m) => ({ succeeded: sum.succeeded + m.succeeded, failed: sum.failed + m.failed, canceled: sum.canceled + m.canceled }),
    { succeeded: 0, failed: 0, canceled: 0 });
  return h('section', { class: 'card tier', 'aria-labelledby': 'tier-' + t.tier },
    h('h2', { id: 'tier-' + t.tier }, 'Tier ', t.tier),
    h('dl', { class: 'facts' },
      h('dt', null, 'Pending'), h('dd', { 'data-tier-pending': t.tier }, count(t.pending)),
      h('dt', null, 'Running'), h('dd', { 'data-tier-running': t.tier }, count(t.running)),
      h('dt', null, 'Oldest pending'), h('dd', null, t.oldest_pending_ms == null ? 'none waits' : duration(t.oldest_pending_ms)),
      h('dt', null, 'Last hour'), h('dd', null,
        count(totals.succeeded) + ' succeeded, ' + count(totals.failed) + ' failed, ' + count(totals.canceled) + ' canceled')),
    chart(t, asOf, totals));
}

/** Executions ended per minute over the last hour, stacked by outcome, oldest minute on the left. */
function chart(t, asOf, totals) {
  const end = Math.floor(Date.parse(asOf) / 60000);
  const byMinute = new Map(t.ended_per_minute.map((m) => [Math.floor(Date.parse(m.minute) / 60000), m]));
  const peak = Math.max(1, ...t.ended_per_minute.map((m) => m.succeeded + m.failed + m.canceled));
  const width = 240;
  const height = 60;
  const bar = width / MINUTES;
  const bars = [];
  for (let i = 0; i < MINUTES; i++) {
    const m = byMinute.get(end - MINUTES + 1 + i);
    if (!m) continue;
    let y = height;
    for (const outcome of ['succeeded', 'failed', 'canceled']) {
      const n = m[outcome];
      if (!n) continue;
      const barHeight = (n / peak) * height;
      y -= barHeight;
      bars.push(svg('rect', { class: 'bar-' + outcome, x: (i * bar).toFixed(2), y: y.toFixed(2),
        width: (bar - 0.5).toFixed(2), height: barHeight.toFixed(2) },
        svg('title', null, n + ' ' + outcome + ', ' + new Date(Date.parse(m.minute)).toLocaleTimeString())));
    }
  }
  const summary = 'Executions ended per minute over the last hour in tier ' + t.tier + ': ' +
    totals.succeeded + ' succeeded, ' + totals.failed + ' failed, ' + totals.canceled + ' canceled; at most ' + peak + ' in a minute.';
  return h('figure', { class: 'chart' },
    svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary, preserveAspectRatio: 'none' },
      svg('line', { class: 'axis', x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5 }),
      bars),
    h('figcaption', null,
      h('span', { class: 'key key-succeeded' }, 'succeeded'), ' ',
      h('span', { class: 'key key-failed' }, 'failed'), ' ',
      h('span', { class: 'key key-canceled' }, 'canceled'),
      ' per minute, last 60 minutes (peak ' + peak + ')'));
}
