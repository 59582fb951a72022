// Admin: find accounts by phone or name, change a role, and issue a one-time
// password reset code to read out by telephone (the server audits both).
import * as api from '../api.js';
import { h, mount, field, say, busy, notice } from '../dom.js';
import { t, errorText, dateTime } from '../i18n.js';
import { staffOnly } from './staff.js';

const ROLES = ['participant', 'organiser', 'admin'];

export default async function users(ctx) {
  if (!await staffOnly(ctx, true)) return;
  ctx.setTitle(t('users_title'));
  const msg = h('div');
  const list = h('div');
  const button = h('button', { type: 'submit' }, t('search_go'));
  const form = h('form', { role: 'search', novalidate: true },
    field({ label: t('search'), name: 'q', type: 'search', value: ctx.query.get('q') || '', maxlength: 100 }), button);

  function row(u) {
    const select = h('select', { 'aria-label': t('role_of', { name: u.full_name }) },
      ROLES.map((r) => h('option', { value: r, selected: r === u.role }, t(`role_${r}`))));
    const save = h('button', { type: 'button', class: 'small', onclick: () => busy(save, async () => {
      try {
        const { user } = await api.setRole(u.id, select.value);
        u.role = user.role;
        say(msg, 'ok', t('role_ok', { name: u.full_name }));
      } catch (err) {
        select.value = u.role;
        say(msg, 'error', errorText(err));
      }
    }) }, t('role_save'));
    return h('li', { class: 'card' },
      h('h2', {}, u.full_name),
      h('p', { class: 'muted' }, u.phone, ' · ', [u.address?.commune, u.address?.province].filter((x) => x && x !== '-').join(', ')),
      h('div', { class: 'actions' }, select, save),
      resetCode(u));
  }

  // For a citizen who gets no SMS: a code the official reads out by telephone.
  // A second, explicit tap issues it (it replaces any live code of the phone).
  function resetCode(u) {
    const box = h('div');
    const ask = h('button', { type: 'button', class: 'small secondary', onclick: () => {
      const yes = h('button', { type: 'button', class: 'small', onclick: () => busy(yes, async () => {
        try {
          show(await api.resetCode(u.id));
        } catch (err) {
          mount(box, notice('error', errorText(err)));
        }
      }) }, t('reset_code_confirm'));
      mount(box, h('p', {}, t('reset_code_ask', { name: u.full_name, phone: u.phone })),
        h('div', { class: 'actions' }, yes, h('button', { type: 'button', class: 'small secondary', onclick: () => { mount(box); ask.focus(); } }, t('cancel'))));
      yes.focus();
    } }, t('reset_code'));
    function show({ code, expires_at: until }) {
      mount(box, notice('ok',
        h('p', {}, t('reset_code_for', { name: u.full_name, phone: u.phone })),
        // Grouped in threes, as it is read out: "một hai ba, bốn năm sáu".
        h('p', { class: 'bigcode' }, `${code.slice(0, 3)} ${code.slice(3)}`),
        h('p', {}, t('reset_code_until', { time: dateTime(new Date(until).toISOString(), 'Asia/Ho_Chi_Minh') })),
        h('p', {}, t('reset_code_howto'))));
    }
    return h('div', {}, h('div', { class: 'actions' }, ask), box);
  }

  // Only the latest search may fill the list: the first one (all accounts)
  // can answer after a search the admin typed, and must not overwrite it.
  let latest = 0;
  async function search() {
    const q = form.elements.q.value.trim();
    const mine = ++latest;
    history.replaceState(null, '', q ? `/admin/users?q=${encodeURIComponent(q)}` : '/admin/users');
    try {
      const { users: found } = await api.users(q);
      if (mine !== latest) return;
      mount(list, found.length ? h('ul', { class: 'cards' }, found.map(row)) : h('p', {}, t('no_users')));
    } catch (err) {
      if (mine === latest) say(msg, 'error', errorText(err));
    }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); say(msg); busy(button, search); });

  mount(ctx.main, h('h1', { tabindex: -1 }, t('users_title')), form, msg, list);
  await search();
}
