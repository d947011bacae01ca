// A small SQL highlighter for ClickHouse's dialect: comments, strings, quoted names, numbers and
// keywords get a class each; everything else stays plain text.
import { h } from './dom.js';

const KEYWORDS = new Set(
  ('select from where group by order having limit offset with as and or not in is null like ilike ' +
   'join left right inner outer full cross on using union all distinct case when then else end ' +
   'insert into values create table view drop alter settings format prewhere final sample array ' +
   'asc desc nulls first last between interval global any exists if over partition rows range ' +
   'preceding following current row set show describe explain true false').split(' '));

const TOKEN = new RegExp(
  [
    "(--[^\\n]*|#[^\\n]*|/\\*[\\s\\S]*?(?:\\*/|$))", // comment
    "('(?:[^'\\\\]|\\\\[\\s\\S]|'')*'?)", // string
    '(`(?:[^`\\\\]|\\\\[\\s\\S])*`?|"(?:[^"\\\\]|\\\\[\\s\\S])*"?)', // quoted name
    '(\\b\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?\\b|\\b0x[0-9a-f]+\\b)', // number
    '([a-z_][a-z0-9_]*)', // word
  ].join('|'),
  'gi');

/** The SQL as a fragment of text and highlighted spans. */
export function highlight(sql) {
  const out = document.createDocumentFragment();
  let at = 0;
  for (const m of sql.matchAll(TOKEN)) {
    if (m.index > at) out.append(sql.slice(at, m.index));
    const [text, comment, string, name, number, word] = m;
    let cls = null;
    if (comment) cls = 'sql-comment';
    else if (string) cls = 'sql-string';
    else if (name) cls = 'sql-name';
    else if (number) cls = 'sql-number';
    else if (word && KEYWORDS.has(word.toLowerCase())) cls = 'sql-keyword';
    else if (word && sql[m.index + text.length] === '(') cls = 'sql-function';
    out.append(cls ? h('span', { class: cls }, text) : text);
    at = m.index + text.length;
  }
  if (at < sql.length) out.append(sql.slice(at));
  return out;
}
