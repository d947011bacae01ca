// The public API, as the browser calls it: same origin, the pasted token (JWT mode) in an
// Authorization header, errors turned into the problem's title and detail.

const TOKEN = 'agp.token';

export const session = {
  /** The bearer token, kept for this browser session only (sessionStorage). */
  get token() {
    return sessionStorage.getItem(TOKEN);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN, value);
    else sessionStorage.removeItem(TOKEN);
  },
  /** Called with the error when the API answers 401. */
  onUnauthorized: () => {},
};

/** An error the API answered, as its problem's title and detail. */
export class ApiError extends Error {
  constructor(status, title, detail, field) {
    super(detail ? title + ': ' + detail : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.field = field;
  }
}

function headers(extra) {
  const all = { Accept: 'application/json', ...extra };
  const token = session.token;
  if (token) all.Authorization = 'Bearer ' + token;
  return all;
}

async function problem(response) {
  let title = response.statusText || 'HTTP ' + response.status;
  let detail = '';
  let field;
  try {
    const body = await response.json();
    title = body.title || title;
    detail = body.detail || '';
    field = body.field;
  } catch {
    // Not problem+json (a proxy's page): the status says enough.
  }
  const error = new ApiError(response.status, title, detail, field);
  if (response.status === 401) session.onUnauthorized(error);
  return error;
}

/**
 * Calls /v1/async + path (or a path of its own under /v1/, e.g. /v1/schedules); the parsed JSON
 * answer (null for 204), or an ApiError.
 */
export async function call(method, path, { json, signal } = {}) {
  let response;
  try {
    response = await fetch(path.startsWith('/v1/') ? path : '/v1/async' + path, {
      method,
      headers: headers(json === undefined ? {} : { 'Content-Type': 'application/json' }),
      body: json === undefined ? undefined : JSON.stringify(json),
      signal,
      credentials: 'same-origin',
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'AGP cannot be reached', 'the request did not get an answer: ' + e.message);
  }
  if (!response.ok) throw await problem(response);
  return response.status === 204 ? null : response.json();
}

export const get = (path, options) => call('GET', path, options);
export const post = (path, json, options) => call('POST', path, { ...options, json });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows an execution's live events (GET /executions/{id}/events, text/event-stream). Read with
 * fetch rather than EventSource, which cannot send an Authorization header; a dropped stream is
 * opened again with Last-Event-ID. Calls onState with each state, onError with an error that
 * retrying cannot cure; ends with the execution. Returns a function that stops following.
 */
export function follow(id, onState, onError) {
  const abort = new AbortController();
  let stopped = false;
  let lastEventId = null;
  (async () => {
    let failures = 0;
    while (!stopped) {
      let ended = false;
      try {
        const extra = { Accept: 'text/event-stream' };
        if (lastEventId) extra['Last-Event-ID'] = lastEventId;
        const response = await fetch('/v1/async/executions/' + id + '/events', {
          headers: headers(extra),
          signal: abort.signal,
          credentials: 'same-origin',
        });
        if (!response.ok) throw await problem(response);
        failures = 0;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = parseEvent(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            if (event.data == null) continue;
            if (event.id) lastEventId = event.id;
            const state = JSON.parse(event.data);
            onState(state);
            if (!['PENDING', 'RUNNING'].includes(state.status)) ended = true;
          }
        }
        // The server ends the stream after the final state; without it, the connection broke.
        if (ended) return;
      } catch (e) {
        if (stopped || e.name === 'AbortError') return;
        if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 429) {
          onError(e);
          return;
        }
        failures++;
      }
      if (ended) return;
      await sleep(Math.min(500 * 2 ** failures, 10000));
    }
  })();
  return () => {
    stopped = true;
    abort.abort();
  };
}

function parseEvent(block) {
  const event = {};
  const data = [];
  for (const line of block.replace(/\r/g, '').split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'id') event.id = value;
    else if (field === 'event') event.event = value;
  }
  if (data.length) event.data = data.join('\n');
  return event;
}

/** The claims of a token, read without checking it (the API checks it), for display only. */
export function claims(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(
      [...atob(payload)].map((c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
    return JSON.parse(json);
  } catch {
    return {};
  }
}
