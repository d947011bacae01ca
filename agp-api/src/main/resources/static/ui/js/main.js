// The console's shell: who the caller is (the API tells: a 401 asks for a token, a 403 on the
// queues means a user who is not an admin), the navigation, messages, and one view at a time.
import { ApiError, claims, get, session } from './api.js';
import { h, replace } from './dom.js';
import { renderList } from './list.js';
import { renderExecution } from './execution.js';
import { renderCreate } from './create.js';
import { renderQueues } from './queues.js';
import { renderSchedules } from './schedules.js';
import { renderUsage } from './usage.js';
import { finishSignIn, signIn } from './oidc.js';

export const context = {
  /** Whether the API asks for a token (JWT mode). */
  tokens: false,
  /** Whether the caller sees every execution and the queues. */
  admin: false,
  /** Something to say on the next view (e.g. that a create joined a running execution). */
  flash: null,
  /** The identity provider users sign in with (agp.api.ui.oidc.*), or null: they paste a token. */
  oidc: null,
};

const main = document.getElementById('main');
const messages = document.getElementById('messages');
const who = document.getElementById('who');
let leave = () => {};

/** Shows an error of the API as its title and detail, never as raw JSON. */
export function showError(error) {
  const title = error instanceof ApiError ? error.title : 'Something went wrong';
  const detail = error instanceof ApiError ? error.detail : error.message;
  replace(messages, h('div', { class: 'problem' },
    h('strong', { class: 'problem-title' }, title),
    detail ? h('span', { class: 'problem-detail' }, ' ' + detail) : null,
    h('button', { type: 'button', class: 'link', onclick: () => messages.replaceChildren() }, 'Dismiss')));
}

export function clearMessages() {
  messages.replaceChildren();
}

/** A problem shown inside a view (e.g. next to a form). */
export function problemBox(error) {
  const title = error instanceof ApiError ? error.title : 'Something went wrong';
  const detail = error instanceof ApiError ? error.detail : error.message;
  return h('div', { class: 'problem', role: 'alert' },
    h('strong', { class: 'problem-title' }, title),
    detail ? h('span', { class: 'problem-detail' }, ' ' + detail) : null);
}

async function probe() {
  try {
    await get('/queues');
    context.admin = true;
    context.tokens = !!session.token;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.status === 401) {
      context.tokens = true;
      context.admin = false;
      return false;
    }
    // 403: a user with a token who is not an admin (without tokens everyone is an admin).
    context.tokens = e.status === 403 || !!session.token;
    context.admin = false;
  }
  return true;
}

function showWho() {
  for (const el of document.querySelectorAll('.admin-only')) el.hidden = !context.admin;
  if (!context.tokens) {
    replace(who, h('span', { class: 'muted' }, 'No sign-in needed here'));
    return;
  }
  const token = session.token;
  if (!token) {
    replace(who);
    return;
  }
  const user = claims(token).sub || 'unknown user';
  replace(who,
    h('span', null, 'Signed in as ', h('strong', { id: 'who-user' }, user), context.admin ? ' (admin)' : ''),
    h('button', { type: 'button', class: 'link', onclick: () => forget() }, 'Forget token'));
}

function forget() {
  session.token = null;
  askForToken(null);
}

/** The token form of JWT mode: the token is kept in this browser session only. */
function askForToken(error) {
  leave();
  leave = () => {};
  showWho();
  const input = h('textarea', { id: 'token', name: 'token', rows: 4, required: true,
    autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'token-help' });
  const login = context.oidc
    ? h('div', { class: 'card token-form', id: 'oidc-login' },
        h('h1', null, 'Sign in'),
        error ? problemBox(error) : null,
        h('p', null, 'Sign in with your organization\'s account; the console keeps the token it gets ' +
          'for this browser tab only.'),
        h('div', { class: 'actions' },
          h('button', { type: 'button', id: 'oidc-sign-in', onclick: () => signIn(context.oidc).catch(showError) },
            'Sign in with ' + new URL(context.oidc.issuer).host)))
    : null;
  const form = h('form', { class: 'card token-form', id: 'token-form' },
    h('h1', null, context.oidc ? 'Or paste a token' : 'Sign in with a token'),
    context.oidc ? null : error ? problemBox(error) : null,
    h('p', { id: 'token-help' },
      'This AGP asks for a bearer token (a JWT from your identity provider). Paste it here: ' +
      'the console keeps it for this browser tab only and sends it with each call of the API.'),
    h('label', { for: 'token' }, 'Bearer token'),
    input,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Use this token')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    session.token = input.value.trim().replace(/^Bearer\s+/i, '');
    clearMessages();
    if (await probe()) {
      showWho();
      route();
    } else {
      askForToken(new ApiError(401, 'Unauthorized', 'the API refused this token'));
    }
  });
  replace(main, login, form);
  (login ? login.querySelector('button') : input).focus();
}

session.onUnauthorized = (error) => askForToken(error);

const ROUTES = [
  [/^#?\/?$/, 'list', renderList],
  [/^#\/executions\/(\d+)$/, 'list', renderExecution],
  [/^#\/new$/, 'new', renderCreate],
  [/^#\/queues$/, 'queues', renderQueues],
  [/^#\/schedules$/, 'schedules', renderSchedules],
  [/^#\/usage$/, 'usage', renderUsage],
];

function route() {
  leave();
  leave = () => {};
  const [path, query] = location.hash.split('?');
  const params = new URLSearchParams(query || '');
  for (const [pattern, nav, render] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    for (const link of document.querySelectorAll('[data-nav]')) {
      if (link.dataset.nav === nav) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    main.replaceChildren();
    leave = render(main, { id: match[1], params }) || (() => {});
    return;
  }
  replace(main, h('h1', null, 'Not found'), h('p', null, h('a', { href: '#/' }, 'Back to the executions')));
}

window.addEventListener('hashchange', () => {
  clearMessages();
  route();
  main.focus({ preventScroll: true });
});

(async () => {
  try {
    const config = await fetch('/ui/config.json').then((r) => r.json());
    context.oidc = config.oidc;
  } catch {
    // An older AGP, or a proxy in the way: the token can still be pasted.
  }
  try {
    await finishSignIn(context.oidc);
  } catch (e) {
    showError(e);
  }
  try {
    if (!(await probe())) {
      askForToken(null);
      return;
    }
  } catch (e) {
    showError(e);
  }
  showWho();
  route();
})();
