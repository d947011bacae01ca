// One execution: its SQL, status timeline, live progress (the event stream), result, preview, and
// what can be done with it (download, signed link, cancel, run again).
import { follow, get, post } from './api.js';
import { IN_FLIGHT, badge, bytes, count, duration, h, replace, time } from './dom.js';
import { highlight } from './sql.js';
import { context, problemBox, showError } from './main.js';

export const DRAFT = 'agp.draft';

/** Rows a page of the result table shows. */
const PAGE = 100;

export function renderExecution(main, { id }) {
  const header = h('div', { class: 'title-row' });
  const notice = h('div', { id: 'notice' });
  const actions = h('div', { class: 'actions', id: 'actions' });
  const linkBox = h('div', { id: 'link-box' });
  const statusSection = h('section', { id: 'status', 'aria-labelledby': 'status-title' });
  // Not a live region: redrawn with each progress event, it would be read out every second.
  const progressSection = h('section', { id: 'live' });
  const resultSection = h('section', { id: 'result' });
  const querySection = h('section', { id: 'query', 'aria-labelledby': 'query-title' });
  // What a person waits for first: how far it is, then the result; the story and the SQL below.
  replace(main, header, notice, actions, linkBox, progressSection, resultSection, statusSection, querySection);

  if (context.flash) {
    replace(notice, h('p', { class: 'notice', role: 'status' }, context.flash));
    context.flash = null;
  }

  let current = null;
  let previewed = false;
  let stop = () => {};

  function show(e) {
    const first = current == null;
    const changed = first || current.status !== e.status;
    current = e;
    if (changed) {
      // Only on a change of status: a button redrawn at each progress event would lose its focus.
      replace(header, h('h1', null, 'Execution ' + e.id + ' ', badge(e.status)));
      showActions(e);
    }
    replace(statusSection, h('h2', { id: 'status-title' }, 'Status'), timeline(e));
    replace(progressSection, live(e));
    if (first || querySection.dataset.sqlOf !== String(e.id)) {
      querySection.dataset.sqlOf = String(e.id);
      replace(querySection, h('h2', { id: 'query-title' }, 'Query'), about(e),
        h('pre', { class: 'sql', tabindex: 0, 'aria-label': 'SQL of execution ' + e.id }, h('code', null, highlight(e.sql))));
    }
    if (e.status === 'SUCCEEDED' && !previewed) {
      previewed = true;
      showResult(e);
    } else if (e.status !== 'SUCCEEDED') {
      replace(resultSection);
    }
  }

  function showActions(e) {
    const buttons = [];
    if (IN_FLIGHT.includes(e.status)) {
      buttons.push(h('button', { type: 'button', class: 'danger', id: 'cancel', onclick: () => confirmCancel(e) }, 'Cancel…'));
    }
    if (e.status === 'SUCCEEDED') {
      buttons.push(h('button', { type: 'button', id: 'download', onclick: () => download(e) }, 'Download'));
      buttons.push(h('button', { type: 'button', class: 'secondary', id: 'copy-link', onclick: () => copyLink(e) }, 'Copy signed link'));
    }
    buttons.push(h('button', { type: 'button', class: 'secondary', id: 'run-again', onclick: () => runAgain(e) }, 'Run again'));
    replace(actions, buttons);
  }

  async function showResult(e) {
    const r = e.result;
    const preview = h('div', { id: 'preview' }, h('p', { class: 'muted' }, 'Loading the first rows…'));
    replace(resultSection,
      h('h2', null, 'Result'),
      h('dl', { class: 'facts' },
        fact('Rows', r.rows >= 0 ? count(r.rows) : 'not told by the format'),
        fact('Stored', bytes(r.bytes) + (r.compression ? ' (' + r.compression + ')' : '')),
        fact('Format', r.format),
        fact('Took', duration(r.duration_ms)),
        fact('Expires', time(r.expires_at)),
        fact('Columns', r.columns.length
          ? h('ul', { class: 'columns', id: 'columns' }, r.columns.map((c) =>
              h('li', null, c.name, ' ', h('code', null, c.type))))
          : 'not told by the result')),
      h('h3', null, 'Rows'),
      preview);
    showRows(e, preview, 0);
  }

  /**
   * A page of the result's rows, read from the server's row index: any page of a large result
   * costs about what the first does.
   */
  async function showRows(e, preview, offset) {
    try {
      const p = await get('/executions/' + e.id + '/rows?offset=' + offset + '&limit=' + PAGE);
      const total = p.total_rows;
      const of = total >= 0 ? ' of ' + count(total) : '';
      const range = p.rows.length
        ? 'Rows ' + count(offset + 1) + '–' + count(offset + p.rows.length) + of
        : 'No rows from row ' + count(offset + 1) + of;
      const lastOffset = total > 0 ? Math.floor((total - 1) / PAGE) * PAGE : null;
      const go = (to) => showRows(e, preview, Math.max(0, to));
      const jump = h('input', { id: 'rows-offset', type: 'number', min: 1, value: offset + 1,
        'aria-label': 'Row to go to', class: 'row-input' });
      const pager = h('form', { class: 'actions pager', 'aria-label': 'Pages of rows',
        onsubmit: (event) => { event.preventDefault(); go(Number(jump.value || 1) - 1); } },
        h('button', { type: 'button', class: 'secondary', id: 'rows-first', disabled: offset === 0,
          onclick: () => go(0) }, '« First'),
        h('button', { type: 'button', class: 'secondary', id: 'rows-prev', disabled: offset === 0,
          onclick: () => go(offset - PAGE) }, '‹ Previous'),
        h('button', { type: 'button', class: 'secondary', id: 'rows-next', disabled: p.next_offset == null,
          onclick: () => go(p.next_offset) }, 'Next ›'),
        h('button', { type: 'button', class: 'secondary', id: 'rows-last',
          disabled: lastOffset == null || offset >= lastOffset, onclick: () => go(lastOffset) }, 'Last »'),
        h('label', { for: 'rows-offset' }, 'Row'), jump,
        h('button', { type: 'submit', class: 'secondary', id: 'rows-go' }, 'Go'));
      replace(preview,
        h('p', { class: 'muted', id: 'rows-range', role: 'status' }, range,
          p.cut ? ' (values or rows cut to the size bounds; download the result for all of it)' : ''),
        pager,
        h('div', { class: 'table-wrap preview-wrap', tabindex: 0, role: 'region', 'aria-label': 'Rows of the result' },
          h('table', { class: 'preview', id: 'preview-table' },
            h('thead', null, h('tr', null, p.columns.map((c) =>
              h('th', { scope: 'col', title: c.type }, c.name, c.type ? h('span', { class: 'type' }, c.type) : null)))),
            h('tbody', null, p.rows.map((row) => h('tr', null, row.map(cell)))))));
    } catch (error) {
      replace(preview, problemBox(error));
    }
  }

  async function signedLink(e) {
    return post('/executions/' + e.id + '/result-link');
  }

  async function download(e) {
    try {
      // A signed link downloads without a token, streamed by the browser itself.
      const link = await signedLink(e);
      location.assign(link.url);
    } catch (error) {
      showError(error);
    }
  }

  async function copyLink(e) {
    try {
      const link = await signedLink(e);
      const field = h('input', { id: 'signed-link', readonly: true, value: link.url, 'aria-describedby': 'signed-link-note' });
      let copied = false;
      try {
        await navigator.clipboard.writeText(link.url);
        copied = true;
      } catch {
        // No clipboard outside secure contexts: the link stays selected in the field.
      }
      replace(linkBox, h('div', { class: 'card link-card' },
        h('label', { for: 'signed-link' }, 'Signed link'),
        field,
        h('p', { id: 'signed-link-note', class: 'muted', role: 'status' },
          (copied ? 'Copied. ' : 'Select and copy it. ') + 'Anyone with it can download the result until ',
          time(link.expires_at), '.')));
      field.select();
    } catch (error) {
      showError(error);
    }
  }

  function confirmCancel(e) {
    const dialog = h('dialog', { id: 'cancel-dialog', 'aria-labelledby': 'cancel-title' },
      h('h2', { id: 'cancel-title' }, 'Cancel execution ' + e.id + '?'),
      h('p', null, 'Its ClickHouse query is stopped and it will not produce a result.'),
      h('form', { method: 'dialog', class: 'actions' },
        h('button', { value: 'keep', class: 'secondary', autofocus: true }, 'Keep it running'),
        h('button', { value: 'cancel', class: 'danger', id: 'confirm-cancel' }, 'Cancel execution')));
    dialog.addEventListener('close', async () => {
      dialog.remove();
      if (dialog.returnValue !== 'cancel') return;
      try {
        show(await post('/executions/' + e.id + '/cancel'));
      } catch (error) {
        showError(error);
      }
    });
    document.body.append(dialog);
    dialog.showModal();
  }

  function runAgain(e) {
    sessionStorage.setItem(DRAFT, JSON.stringify({
      sql: e.sql, name: e.name, tier: e.tier, format: e.format, labels: e.labels || {}, query_id: null,
    }));
    location.hash = '#/new';
  }

  (async () => {
    try {
      show(await get('/executions/' + id));
    } catch (error) {
      replace(header, h('h1', null, 'Execution ' + id));
      replace(statusSection, problemBox(error));
      return;
    }
    if (IN_FLIGHT.includes(current.status)) {
      stop = follow(id, (state) => {
        // Events carry the SQL whole, like a get; the query section is drawn once.
        show(state);
      }, (error) => showError(error));
    }
  })();
  return () => stop();
}

function fact(name, value) {
  return [h('dt', null, name), h('dd', null, value)];
}

function cell(value) {
  if (value === null) return h('td', { class: 'null' }, 'NULL');
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return h('td', { class: typeof value === 'number' ? 'num' : null }, text.length > 200 ? text.slice(0, 200) + '…' : text);
}

function about(e) {
  const labels = Object.entries(e.labels || {});
  return h('dl', { class: 'facts' },
    e.name ? fact('Name', e.name) : null,
    fact('Query id', h('code', null, e.query_id)),
    fact('Tier', e.tier),
    fact('Format', e.format),
    e.created_by ? fact('Created by', e.created_by) : null,
    labels.length ? fact('Labels', labels.map(([k, v]) => h('span', { class: 'label' }, k + '=' + v))) : null,
    e.collapsed_count ? fact('Joined', e.collapsed_count + (e.collapsed_count === 1 ? ' time' : ' times')) : null);
}

/**
 * Created, each attempt (with the reason it ended without a result), claimed, completed. The reasons
 * of earlier attempts come in the error of a FAILED execution ("attempt 1: …; attempt 2: …") and,
 * while an execution waits for another attempt, as its error.
 */
function timeline(e) {
  const steps = [h('li', null, h('span', { class: 'step' }, 'Created'), ' ', time(e.created_at))];
  const reasons = attemptErrors(e);
  for (let attempt = 1; attempt <= e.attempt; attempt++) {
    const last = attempt === e.attempt;
    // The reason the last attempt failed is the execution's error, shown below the timeline.
    const reason = last && e.status === 'FAILED' ? null : reasons.get(attempt);
    steps.push(h('li', { class: reason ? 'failed-attempt' : null },
      h('span', { class: 'step' }, 'Attempt ' + attempt + ' of ' + e.max_attempts),
      last && e.picked_at ? [' claimed ', time(e.picked_at)] : null,
      reason ? h('div', { class: 'attempt-error' }, reason) : null,
      last && e.status === 'FAILED' ? h('div', { class: 'attempt-error' }, 'failed: see below') : null));
  }
  if (e.status === 'PENDING') {
    steps.push(h('li', null, h('span', { class: 'step' }, e.attempt ? 'Waiting for another attempt' : 'Waiting for a worker'),
      e.queue_position ? ' — place ' + e.queue_position + ' in the queue of tier ' + e.tier : null));
  }
  if (e.completed_at) {
    steps.push(h('li', null, h('span', { class: 'step' }, ended(e.status)), ' ', time(e.completed_at)));
  }
  const list = h('ol', { class: 'timeline' }, steps);
  if (e.status === 'FAILED' && e.error) {
    return [list, h('div', { class: 'problem', id: 'execution-error' },
      h('strong', { class: 'problem-title' }, 'The query failed'),
      h('pre', { class: 'problem-detail error-text' }, e.error))];
  }
  return list;
}

function ended(status) {
  return { SUCCEEDED: 'Succeeded', FAILED: 'Failed', CANCELED: 'Canceled', EXPIRED: 'Ended; the result has expired' }[status] || status;
}

function attemptErrors(e) {
  const reasons = new Map();
  if (!e.error) return reasons;
  for (const part of e.error.split(/; (?=attempt \d+: )/)) {
    const m = /^attempt (\d+): ([\s\S]*)$/.exec(part);
    if (m) reasons.set(Number(m[1]), m[2]);
  }
  if (!reasons.size && e.status === 'PENDING' && e.attempt) reasons.set(e.attempt, e.error);
  if (!reasons.size && e.status === 'FAILED') reasons.set(e.attempt, e.error);
  return reasons;
}

function live(e) {
  if (e.status === 'PENDING') {
    return [h('h2', null, 'Waiting'),
      h('p', { id: 'queue-position' }, e.queue_position
        ? 'Place ' + e.queue_position + ' in the queue of tier ' + e.tier + '.'
        : 'Waiting for a worker.')];
  }
  if (e.status !== 'RUNNING') {
    const stats = e.query_stats;
    if (!stats) return [];
    return [h('h2', null, 'ClickHouse'),
      h('dl', { class: 'facts' },
        fact('Rows read', count(stats.read_rows)),
        fact('Bytes read', bytes(stats.read_bytes)),
        stats.peak_memory_bytes != null ? fact('Peak memory', bytes(stats.peak_memory_bytes)) : null,
        stats.elapsed_ms != null ? fact('Run time on the server', duration(stats.elapsed_ms)) : null)];
  }
  const p = e.progress;
  const percent = p && p.percent != null ? Math.min(100, p.percent) : null;
  const elapsed = p ? p.elapsed_ms : e.picked_at ? Date.now() - Date.parse(e.picked_at) : null;
  return [h('h2', null, 'Progress'),
    h('div', { class: 'big-progress' },
      h('progress', percent != null
        ? { id: 'progress', max: 100, value: percent.toFixed(1), 'aria-label': 'Progress' }
        : { id: 'progress', 'aria-label': 'Progress' }),
      h('span', { id: 'percent' }, percent != null ? percent.toFixed(1) + ' %' : 'total not known yet')),
    h('dl', { class: 'facts' },
      fact('Rows read', h('span', { id: 'progress-rows' }, p ? count(p.rows) + (p.total_rows ? ' of ' + count(p.total_rows) : '') : '–')),
      fact('Bytes read', p ? bytes(p.bytes) : '–'),
      fact('Elapsed', duration(elapsed)),
      p ? fact('Memory', bytes(p.memory_bytes)) : null,
      e.estimate ? fact('Estimate', 'about ' + duration(e.estimate.remaining_ms) + ' left (usually ' +
        duration(e.estimate.typical_duration_ms) + ', over ' + e.estimate.runs + ' runs)') : null)];
}

