// A new query: the SQL editor (line numbers, Ctrl-Enter runs), tier, format, parameters, max_age,
// labels. The execution opens once created, saying plainly when the create joined a running
// execution of the same query or reused a fresh result instead.
import { ApiError, get, post } from './api.js';
import { h, replace } from './dom.js';
import { context, problemBox } from './main.js';
import { DRAFT } from './execution.js';

const FORMATS = ['JSON', 'JSONEachRow', 'CSV', 'CSVWithNames', 'TSV', 'TSVWithNames', 'TSVWithNamesAndTypes'];

export function renderCreate(main) {
  const draft = JSON.parse(sessionStorage.getItem(DRAFT) || 'null') || {};
  sessionStorage.removeItem(DRAFT);

  const sql = h('textarea', { id: 'sql', name: 'sql', rows: 12, required: true, spellcheck: 'false',
    autocapitalize: 'off', autocomplete: 'off', wrap: 'off', 'aria-describedby': 'sql-help' });
  sql.value = draft.sql || '';
  const gutter = h('pre', { class: 'gutter', 'aria-hidden': 'true' });
  const numberLines = () => {
    const lines = sql.value.split('\n').length;
    gutter.textContent = Array.from({ length: lines }, (_, i) => i + 1).join('\n');
    gutter.scrollTop = sql.scrollTop;
  };
  sql.addEventListener('input', numberLines);
  sql.addEventListener('scroll', () => (gutter.scrollTop = sql.scrollTop));
  numberLines();

  const tiers = h('datalist', { id: 'tiers' });
  const field = (name, label, control, help) =>
    h('div', { class: 'field' },
      h('label', { for: name }, label),
      control,
      help ? h('small', { id: name + '-help', class: 'muted' }, help) : null);
  const input = (name, attrs = {}) => h('input', { id: name, name, 'aria-describedby': name + '-help', ...attrs });
  const format = h('select', { id: 'format', name: 'format' },
    FORMATS.map((f) => h('option', { value: f, selected: f === (draft.format || 'JSON') }, f)));
  const labels = h('textarea', { id: 'labels', name: 'labels', rows: 3, 'aria-describedby': 'labels-help' });
  labels.value = Object.entries(draft.labels || {}).map(([k, v]) => k + '=' + v).join('\n');
  const errors = h('div', { id: 'create-errors' });
  const run = h('button', { type: 'submit', id: 'run' }, 'Run');

  const form = h('form', { id: 'create', class: 'create', novalidate: true },
    h('div', { class: 'field wide' },
      h('label', { for: 'sql' }, 'SQL'),
      h('div', { class: 'editor' }, gutter, sql),
      h('small', { id: 'sql-help', class: 'muted' }, 'Ctrl-Enter (⌘-Enter) runs the query.')),
    field('name', 'Name', input('name', { value: draft.name || '', maxlength: 200, placeholder: 'e.g. daily revenue' }),
      'Optional: shown in the list, which can be filtered on it.'),
    field('tier', 'Tier', input('tier', { value: draft.tier || '', list: 'tiers', placeholder: 'the default tier' }),
      'Empty for your default tier.'),
    field('format', 'Result format', format),
    field('max_age', 'Reuse a result up to (seconds old)', input('max_age', { type: 'number', min: 0, max: 2592000, inputmode: 'numeric' }),
      'A result of the same query this fresh is returned instead of a new run; empty for none.'),
    field('query_id', 'Query id', input('query_id', { placeholder: 'a hash of the query' }),
      'Optional: names the query, e.g. daily-report.'),
    field('parameters', 'Parameters', h('textarea', { id: 'parameters', name: 'parameters', rows: 3, 'aria-describedby': 'parameters-help' }),
      'name=value, one a line; passed to ClickHouse as {name:Type}, never shown back.'),
    field('labels', 'Labels', labels, 'key=value, one a line; lists can be filtered on them.'),
    tiers,
    errors,
    h('div', { class: 'actions wide' }, run));

  async function submit() {
    replace(errors);
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const request = { sql: sql.value };
    const data = new FormData(form);
    if (data.get('name').trim()) request.name = data.get('name').trim();
    if (data.get('tier').trim()) request.tier = data.get('tier').trim();
    request.format = data.get('format');
    if (data.get('max_age').trim()) request.max_age = Number(data.get('max_age'));
    if (data.get('query_id').trim()) request.query_id = data.get('query_id').trim();
    try {
      const parameters = pairs(data.get('parameters'), 'parameters');
      if (Object.keys(parameters).length) request.parameters = parameters;
      const labelMap = pairs(data.get('labels'), 'labels');
      if (Object.keys(labelMap).length) request.labels = labelMap;
    } catch (e) {
      replace(errors, problemBox(e));
      form.querySelector('#' + e.field)?.setAttribute('aria-invalid', 'true');
      return;
    }
    run.disabled = true;
    try {
      const e = await post('/executions', request);
      context.flash = e.collapsed
        ? 'The same query was already running: this is that execution (collapsed onto execution ' + e.id + ').'
        : e.reused
          ? 'A result of the same query from ' + Math.round(e.result_age_ms / 1000) + ' s ago was reused: no new run.'
          : e.replaced_execution_id
            ? 'Created; it replaced execution ' + e.replaced_execution_id + ', which was canceled.'
            : 'Created execution ' + e.id + '.';
      location.hash = '#/executions/' + e.id;
    } catch (e) {
      replace(errors, problemBox(e));
      const invalid = e instanceof ApiError && e.field ? form.querySelector('#' + CSS.escape(e.field)) : null;
      if (invalid) {
        invalid.setAttribute('aria-invalid', 'true');
        invalid.focus();
      }
    } finally {
      run.disabled = false;
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  sql.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
    // Tab is left to the browser: it moves on to the next control, as keyboard users expect.
  });

  replace(main, h('h1', null, 'New query'),
    draft.sql ? h('p', { class: 'notice', role: 'status' },
      'The query of the execution you ran again; its parameters are never shown back, so give them again if it had some.') : null,
    form);
  sql.focus();

  if (context.admin) {
    get('/queues').then((q) => replace(tiers, q.tiers.map((t) => h('option', { value: t.tier })))).catch(() => {});
  }
}

function pairs(text, field) {
  const map = {};
  for (const line of (text || '').split('\n')) {
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      throw new ApiError(400, 'Bad Request', field + ': "' + line.trim() + '" is not name=value', field);
    }
    map[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return map;
}
