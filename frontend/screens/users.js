// Admin: find accounts by phone or name, change a role (an organiser's with
// their organisation), and issue a one-time password reset code to read out by
// telephone (the server audits both).
import * as api from '../api.js';
import { h, mount, field, say, busy, notice } from '../dom.js';
import { t, errorText, fieldMessage, dateTime } from '../i18n.js';
import { staffOnly, adminNav } from './staff.js';
import { DEFAULT_ORG, byName } from './contests.js';

const ROLES = ['participant', 'organiser', 'admin'];

export default async function users(ctx) {
  if (!await staffOnly(ctx, true)) return;
  ctx.setTitle(t('users_title'));
  // The organisations an organiser may belong to, fetched alongside the first search.
  let orgs = [];
  const loadOrgs = () => api.adminOrganisations().then((r) => { orgs = r.organisations.sort(byName); });
  let orgsReady = loadOrgs();
  const msg = h('div');
  const list = h('div');
  const button = h('button', { type: 'submit' }, t('search_go'));
  const form = h('form', { role: 'search', novalidate: true },
    field({ label: t('search'), name: 'q', type: 'search', value: ctx.query.get('q') || '', maxlength: 100 }), button);

  // Each account's organisation, when the server says it (organisers only).
  const orgName = (id) => orgs.find((o) => o.id === id)?.name;
  const knowsOrg = (u) => Object.hasOwn(u, 'organisation_id');

  function row(u) {
    const select = h('select', { 'aria-label': t('role_of', { name: u.full_name }) },
      ROLES.map((r) => h('option', { value: r, selected: r === u.role }, t(`role_${r}`))));
    // Whose organisation the server does not tell may keep it: "keep" sends none.
    const orgSelect = h('select', { 'aria-label': t('organisation_of', { name: u.full_name }) });
    const orgLine = h('p', { class: 'muted' });
    function showOrg() {
      const unknown = u.role === 'organiser' && !u.organisation_id;
      mount(orgSelect,
        unknown ? h('option', { value: '' }, t('org_keep')) : null,
        orgs.map((o) => h('option', { value: o.id }, o.name)));
      orgSelect.value = u.organisation_id || (unknown ? '' : DEFAULT_ORG);
      orgSelect.hidden = select.value !== 'organiser';
      const name = u.role === 'organiser' && orgName(u.organisation_id);
      mount(orgLine, name ? t('user_org', { org: name }) : null);
      orgLine.hidden = !name;
    }
    select.addEventListener('change', () => { orgSelect.hidden = select.value !== 'organiser'; });
    const save = h('button', { type: 'button', class: 'small', onclick: () => busy(save, async () => {
      const role = select.value;
      const org = role === 'organiser' ? orgSelect.value || null : null;
      try {
        const { user } = await api.setRole(u.id, role, org);
        u.role = user.role;
        // The organisation the server now holds: as it says, else as it accepted.
        if (knowsOrg(user)) u.organisation_id = user.organisation_id;
        else if (u.role !== 'organiser') u.organisation_id = null;
        else if (org) u.organisation_id = org;
        showOrg();
        say(msg, 'ok', u.role === 'organiser' && orgName(u.organisation_id)
          ? t('role_org_ok', { name: u.full_name, org: orgName(u.organisation_id) })
          : t('role_ok', { name: u.full_name }));
      } catch (err) {
        select.value = u.role;
        showOrg();
        say(msg, 'error', err.fields
          ? Object.entries(err.fields).map(([name, fe]) => fieldMessage(name, fe)).join(' ')
          : errorText(err));
      }
    }) }, t('role_save'));
    showOrg();
    return h('li', { class: 'card' },
      h('h2', {}, u.full_name),
      h('p', { class: 'muted' }, u.phone, ' · ', [u.address?.commune, u.address?.province].filter((x) => x && x !== '-').join(', ')),
      orgLine,
      h('div', { class: 'actions' }, select, orgSelect, save),
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
      const [{ users: found }] = await Promise.all([api.users(q), orgsReady]);
      if (mine !== latest) return;
      mount(list, found.length ? h('ul', { class: 'cards' }, found.map(row)) : h('p', {}, t('no_users')));
    } catch (err) {
      if (mine === latest) say(msg, 'error', errorText(err));
      orgsReady = orgsReady.catch(loadOrgs); // the next search tries again if they failed
    }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); say(msg); busy(button, search); });

  mount(ctx.main, h('h1', { tabindex: -1 }, t('users_title')), adminNav('accounts'), form, msg, list);
  await search();
}
