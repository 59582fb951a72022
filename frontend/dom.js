// Small DOM helpers. Elements are built node by node, never from HTML strings,
// so text that comes from the server can never turn into markup.
import { t, fieldMessage } from './i18n.js';

const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'required', 'multiple']);

/** h('p', {class: 'x', onclick: fn}, 'text', child, [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (PROPS.has(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** Replaces an element's content; children may be nested arrays, null or false. */
export function mount(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let uid = 0;
const nextId = (p) => `${p}-${++uid}`;

/**
 * A labelled form control with an optional hint and a slot for its error.
 * `name` is the API's field name (e.g. `address.province`), so a 422 can be shown
 * right under the control it concerns.
 */
export function field({ label, name, tag = 'input', hint, options, optional, ...attrs }) {
  const id = nextId('f');
  const hintId = hint ? `${id}-hint` : null;
  const errId = `${id}-err`;
  const control = tag === 'select'
    ? h('select', { id, name, 'aria-describedby': hintId, ...attrs },
        options.map(([v, text]) => h('option', { value: v, selected: String(attrs.value) === String(v) }, text)))
    : h(tag, { id, name, 'aria-describedby': hintId, ...attrs });
  if (tag === 'textarea' && attrs.value != null) control.value = attrs.value;
  return h('div', { class: 'field', 'data-field': name },
    h('label', { for: id }, label, optional ? h('span', { class: 'opt' }, ` (${t('optional')})`) : null),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    control,
    h('p', { class: 'err', id: errId, hidden: true }));
}

// The control box for a field name, trying `a[1].b`, then `a[1]`, then `a`.
function boxFor(root, name) {
  for (let n = name; n;) {
    const box = root.querySelector(`[data-field="${CSS.escape(n)}"]`);
    if (box) return box;
    const shorter = n.replace(/(\[\d+\]|\.[^.[\]]+)$/, '');
    if (shorter === n) return null;
    n = shorter;
  }
  return null;
}

/** Removes every error shown by showFieldErrors. */
export function clearErrors(root) {
  for (const el of root.querySelectorAll('.err')) { el.hidden = true; el.textContent = ''; }
  for (const el of root.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && !x.endsWith('-err'));
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' ')); else el.removeAttribute('aria-describedby');
  }
}

/**
 * Shows a 422's `fields` next to their controls; returns the messages that have
 * no control (shown by the caller) and focuses the first control at fault.
 * `prizes[2].amount` finds its own control; `excluded[3]` falls back to `excluded`.
 */
export function showFieldErrors(root, fields) {
  clearErrors(root);
  const orphans = [];
  for (const [name, fe] of Object.entries(fields || {})) {
    const box = boxFor(root, name);
    const msg = fieldMessage(name, fe);
    if (!box) { orphans.push(msg); continue; }
    const err = box.querySelector(':scope > .err');
    err.textContent = err.textContent ? `${err.textContent} ${msg}` : msg;
    err.hidden = false;
    const control = box.querySelector(':scope > input, :scope > select, :scope > textarea');
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      const ids = new Set((control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
      ids.add(err.id);
      control.setAttribute('aria-describedby', [...ids].join(' '));
    }
  }
  // Focus the first control at fault in reading order, not in the server's order.
  root.querySelector('[aria-invalid]')?.focus();
  return orphans;
}

/** A message box: role=alert for problems (read out at once), status otherwise. */
export function notice(kind, ...children) {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);
}

/** Puts a message in a slot element, replacing what was there. */
export function say(slot, kind, ...children) {
  mount(slot, children.length ? notice(kind, ...children) : null);
}

/** Disables a button while `work` runs, so a double tap sends one request. */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try { return await work(); } finally { button.disabled = false; button.removeAttribute('aria-busy'); }
}

/**
 * Copies text to the clipboard; false when the browser refuses. The older way
 * (a selected box and execCommand) covers browsers without the Clipboard API.
 */
export async function copyText(text) {
  try { await navigator.clipboard.writeText(text); return true; } catch { /* not allowed here: the older way */ }
  const box = h('textarea', { class: 'sr-only', readonly: true, 'aria-hidden': 'true' });
  box.value = text;
  document.body.append(box);
  box.select();
  let done = false;
  try { done = document.execCommand('copy'); } catch { /* refused */ }
  box.remove();
  return done;
}
