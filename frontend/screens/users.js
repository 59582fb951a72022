// Admin: find accounts by phone or name, and change a role (the server audits it).
import * as api from '../api.js';
import { h, mount, field, say, busy } from '../dom.js';
import { t, errorText } from '../i18n.js';
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
      h('div', { class: 'actions' }, select, save));
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
