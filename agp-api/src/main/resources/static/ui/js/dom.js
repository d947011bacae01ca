// Building the page from data without ever parsing data as HTML: every text goes in as text.

/** An element with attributes (on* are listeners) and children (nodes, strings, arrays, null). */
export function h(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

const SVG = 'http://www.w3.org/2000/svg';

/** The same for SVG elements. */
export function svg(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG, tag), attrs, children);
}

function fill(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.setAttribute('class', value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces the children of an element. */
export function replace(el, ...children) {
  el.replaceChildren();
  return fill(el, null, children);
}

const numbers = new Intl.NumberFormat();

export function count(n) {
  return n == null ? '–' : numbers.format(n);
}

export function bytes(n) {
  if (n == null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return (unit === 0 ? value : value.toFixed(1)) + ' ' + units[unit];
}

export function duration(ms) {
  if (ms == null) return '–';
  if (ms < 1000) return ms + ' ms';
  const s = ms / 1000;
  if (s < 60) return s.toFixed(1) + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' min ' + Math.floor(s % 60) + ' s';
  return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
}

export function time(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return h('time', { datetime: iso, title: iso }, d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }));
}

/** A status badge: text and color, never color alone. */
export function badge(status) {
  return h('span', { class: 'badge status-' + status.toLowerCase() }, status);
}

export const IN_FLIGHT = ['PENDING', 'RUNNING'];

/** A progress bar with its figure in text, for an execution in flight. */
export function progressBar(e) {
  if (e.status === 'PENDING') {
    return h('span', { class: 'muted' }, e.queue_position ? 'queued, #' + e.queue_position : 'queued');
  }
  if (e.status !== 'RUNNING') return null;
  const p = e.progress;
  const percent = p && p.percent != null ? Math.min(100, p.percent) : null;
  const label = percent != null ? percent.toFixed(0) + ' %' : p ? count(p.rows) + ' rows' : 'starting';
  return h('span', { class: 'progress' },
    h('progress', percent != null
      ? { max: 100, value: percent.toFixed(1), 'aria-label': 'Progress of execution ' + e.id }
      : { 'aria-label': 'Progress of execution ' + e.id }),
    h('span', { class: 'progress-label' }, label));
}
