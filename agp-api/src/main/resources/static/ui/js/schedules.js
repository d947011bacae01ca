// Schedules: queries the bookkeeper runs again and again so that their results stay fresh. The
// caller's schedules (every one for admins) with their cadence, next run and last run, a form to
// make one, and pause, resume and delete. Read again every ten seconds.
import { ApiError, call, get, post } from './api.js';
import { badge, h, replace, time } from './dom.js';
import { context, problemBox } from './main.js';

const SCHEDULES = '/v1/schedules';
const FORMATS = ['JSON', 'JSONEachRow', 'CSV', 'CSVWithNames', 'TSV', 'TSVWithNames', 'TSVWithNamesAndTypes'];
const REFRESH_MS = 10000;

export function renderSchedules(main) {
  const rows = h('tbody', { id: 'schedules' });
  const status = h('p', { class: 'muted', id: 'schedules-status', 'aria-live': 'polite' });
  const errors = h('div', { id: 'schedule-errors' });
  const form = createForm(() => load());

  replace(main,
    h('h1', null, 'Schedules'),
    h('p', { class: 'muted' },
      'Queries run again and again, so that a query asking for a result of a given age finds one at once. ' +
      'Each run is an execution of yours, labelled schedule=<id>.'),
    errors,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'schedules' },
        h('thead', null, h('tr', null,
          ['Id', 'Name', 'Runs', 'Next run', 'Last run', context.admin ? 'Owner' : null, 'SQL', 'Actions']
            .filter((c) => c != null)
            .map((c) => h('th', { scope: 'col' }, c)))),
        rows)),
    status,
    h('h2', { id: 'new-schedule' }, 'New schedule'),
    form);

  async function act(method, path, what) {
    replace(errors);
    try {
      await call(method, path);
      await load();
      status.textContent = what;
    } catch (e) {
      replace(errors, problemBox(e));
    }
  }

  function row(s) {
    const id = String(s.id);
    return h('tr', { 'data-schedule': id },
      h('td', null, id),
      h('td', null, s.name || h('span', { class: 'muted' }, '–')),
      h('td', null, cadence(s)),
      h('td', { class: 'next-run' }, s.paused ? h('span', { class: 'badge status-canceled' }, 'PAUSED') : time(s.next_run_at)),
      h('td', { class: 'last-run' }, lastRun(s.last_run)),
      context.admin ? h('td', null, s.owner) : null,
      h('td', null, h('code', { class: 'sql-cell', title: s.sql }, s.sql.length > 80 ? s.sql.slice(0, 80) + '…' : s.sql)),
      h('td', { class: 'row-actions' },
        s.paused
          ? h('button', { type: 'button', class: 'secondary', 'data-action': 'resume',
              'aria-label': 'Resume schedule ' + id,
              onclick: () => act('POST', SCHEDULES + '/' + id + '/resume', 'Schedule ' + id + ' resumed.') }, 'Resume')
          : h('button', { type: 'button', class: 'secondary', 'data-action': 'pause',
              'aria-label': 'Pause schedule ' + id,
              onclick: () => act('POST', SCHEDULES + '/' + id + '/pause', 'Schedule ' + id + ' paused.') }, 'Pause'),
        ' ',
        h('button', { type: 'button', class: 'danger', 'data-action': 'delete',
          'aria-label': 'Delete schedule ' + id,
          onclick: () => {
            if (confirm('Delete schedule ' + id + '? Its executions stay.')) {
              act('DELETE', SCHEDULES + '/' + id, 'Schedule ' + id + ' deleted.');
            }
          } }, 'Delete')));
  }

  async function load() {
    if (document.hidden) return;
    try {
      const page = await get(SCHEDULES + '?limit=500');
      replace(rows, page.schedules.map(row));
      status.textContent = page.schedules.length
        ? page.schedules.length + (page.schedules.length === 1 ? ' schedule.' : ' schedules.')
        : 'No schedules yet: make one below.';
    } catch (e) {
      replace(errors, problemBox(e));
    }
  }

  load();
  const timer = setInterval(load, REFRESH_MS);
  return () => clearInterval(timer);
}

function cadence(s) {
  if (s.cron) return h('span', null, 'cron ', h('code', null, s.cron), ' (UTC)');
  const every = s.every_seconds;
  const text = every % 86400 === 0 ? every / 86400 + ' d'
    : every % 3600 === 0 ? every / 3600 + ' h'
      : every % 60 === 0 ? every / 60 + ' min' : every + ' s';
  return 'every ' + text;
}

function lastRun(run) {
  if (!run) return h('span', { class: 'muted' }, 'not yet');
  if (run.outcome === 'refused') {
    return h('span', { class: 'refused' }, h('span', { class: 'badge status-failed' }, 'REFUSED'), ' ', run.error || '', ' ', time(run.at));
  }
  return h('span', null,
    h('a', { href: '#/executions/' + run.execution_id }, '#' + run.execution_id), ' ',
    run.status ? badge(run.status) : h('span', { class: 'muted' }, 'gone'), ' ',
    run.outcome === 'in_flight' ? h('span', { class: 'muted' }, '(still running, not doubled) ') : null,
    time(run.at));
}

function createForm(onCreated) {
  const field = (name, label, control, help) =>
    h('div', { class: 'field' },
      h('label', { for: 's-' + name }, label),
      control,
      help ? h('small', { id: 's-' + name + '-help', class: 'muted' }, help) : null);
  const input = (name, attrs = {}) => h('input', { id: 's-' + name, name, 'aria-describedby': 's-' + name + '-help', ...attrs });
  const sql = h('textarea', { id: 's-sql', name: 'sql', rows: 5, required: true, spellcheck: 'false',
    autocapitalize: 'off', autocomplete: 'off', wrap: 'off' });
  const kind = h('select', { id: 's-kind', name: 'kind' },
    h('option', { value: 'every', selected: true }, 'Every so many minutes'),
    h('option', { value: 'cron' }, 'On a cron expression'));
  const every = input('every', { type: 'number', min: 1, value: 10, inputmode: 'numeric' });
  const cron = input('cron', { placeholder: '0 0 6 * * MON-FRI' });
  const everyField = field('every', 'Every (minutes)', every, 'The first run is at once.');
  const cronField = field('cron', 'Cron expression', cron,
    'Six fields, in UTC: second minute hour day month weekday.');
  cronField.hidden = true;
  kind.addEventListener('change', () => {
    everyField.hidden = kind.value !== 'every';
    cronField.hidden = kind.value !== 'cron';
  });
  const format = h('select', { id: 's-format', name: 'format' },
    FORMATS.map((f) => h('option', { value: f, selected: f === 'JSON' }, f)));
  const errors = h('div', { id: 'create-schedule-errors' });
  const submit = h('button', { type: 'submit', id: 'create-schedule' }, 'Create schedule');
  const form = h('form', { id: 'schedule-form', class: 'create', novalidate: true, 'aria-labelledby': 'new-schedule' },
    h('div', { class: 'field wide' }, h('label', { for: 's-sql' }, 'SQL'), sql),
    field('name', 'Name', input('name', { maxlength: 200, placeholder: 'e.g. revenue by day' }), 'Optional.'),
    field('kind', 'Runs', kind),
    everyField,
    cronField,
    field('tier', 'Tier', input('tier', { placeholder: 'the default tier' }), 'Empty for your default tier.'),
    field('format', 'Result format', format),
    errors,
    h('div', { class: 'actions wide' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(errors);
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const data = new FormData(form);
    const request = { sql: sql.value, format: data.get('format') };
    if (data.get('name').trim()) request.name = data.get('name').trim();
    if (data.get('tier').trim()) request.tier = data.get('tier').trim();
    if (kind.value === 'every') request.every_seconds = Math.round(Number(data.get('every')) * 60);
    else request.cron = data.get('cron').trim();
    submit.disabled = true;
    try {
      const created = await post(SCHEDULES, request);
      form.reset();
      kind.dispatchEvent(new Event('change'));
      await onCreated();
      const note = document.getElementById('schedules-status');
      if (note) note.textContent = 'Created schedule ' + created.id + '.';
    } catch (e) {
      replace(errors, problemBox(e));
      const fieldName = e instanceof ApiError && e.field === 'every_seconds' ? 'every' : e?.field;
      const invalid = fieldName ? form.querySelector('#s-' + CSS.escape(fieldName)) : null;
      if (invalid) {
        invalid.setAttribute('aria-invalid', 'true');
        invalid.focus();
      }
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
