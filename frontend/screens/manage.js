// The organiser's start: every contest of their organisation (an admin's: all),
// drafts included, with links to its screens; admins also reach accounts and organisations.
import * as api from '../api.js';
import { h, mount } from '../dom.js';
import { t, dateTime } from '../i18n.js';
import { staffOnly, adminNav } from './staff.js';
import { statusBadge } from './contests.js';

export default async function manage(ctx) {
  const user = await staffOnly(ctx);
  if (!user) return;
  ctx.setTitle(t('manage_title'));
  const admin = user.role === 'admin';
  // An admin sees every organisation's contests, each named by its organisation.
  const [{ contests }, orgs] = await Promise.all([api.adminContests(), admin ? api.adminOrganisations().catch(() => null) : null]);
  const orgName = new Map((orgs?.organisations || []).map((o) => [o.id, o.name]));
  contests.sort((a, b) => b.starts_at.localeCompare(a.starts_at));
  mount(ctx.main,
    h('h1', { tabindex: -1 }, t('manage_title')),
    admin ? adminNav('manage_title') : null,
    h('div', { class: 'actions' }, h('a', { class: 'button', href: '/manage/new' }, t('new_contest'))),
    contests.length ? h('ul', { class: 'cards' }, contests.map((c) => h('li', { class: 'card' },
      h('h2', {}, h('a', { class: 'title', href: `/manage/${c.id}` }, c.title)),
      statusBadge(c.status),
      orgName.has(c.organisation_id) ? h('p', { class: 'muted' }, t('user_org', { org: orgName.get(c.organisation_id) })) : null,
      h('p', { class: 'muted' }, t('from_to', { a: dateTime(c.starts_at, c.timezone), b: dateTime(c.ends_at, c.timezone) })),
      h('p', { class: 'actions' },
        h('a', { class: 'button small secondary', href: `/manage/${c.id}/questions` }, t('tab_questions')),
        h('a', { class: 'button small secondary', href: `/manage/${c.id}/stats` }, t('tab_stats')),
        h('a', { class: 'button small secondary', href: `/manage/${c.id}/results` }, t('tab_results')))))) : h('p', {}, t('no_contests')));
}
