// The organiser's start: every contest, drafts included, with links to its screens.
import * as api from '../api.js';
import { h, mount } from '../dom.js';
import { t, dateTime } from '../i18n.js';
import { staffOnly } from './staff.js';
import { statusBadge } from './contests.js';

export default async function manage(ctx) {
  const user = await staffOnly(ctx);
  if (!user) return;
  ctx.setTitle(t('manage_title'));
  const { contests } = await api.adminContests();
  contests.sort((a, b) => b.starts_at.localeCompare(a.starts_at));
  mount(ctx.main,
    h('h1', { tabindex: -1 }, t('manage_title')),
    h('div', { class: 'actions' },
      h('a', { class: 'button', href: '/manage/new' }, t('new_contest')),
      user.role === 'admin' ? h('a', { class: 'button secondary', href: '/admin/users' }, t('accounts')) : null),
    h('ul', { class: 'cards' }, contests.map((c) => h('li', { class: 'card' },
      h('h2', {}, h('a', { class: 'title', href: `/manage/${c.id}` }, c.title)),
      statusBadge(c.status),
      h('p', { class: 'muted' }, t('from_to', { a: dateTime(c.starts_at, c.timezone), b: dateTime(c.ends_at, c.timezone) })),
      h('p', { class: 'actions' },
        h('a', { class: 'button small secondary', href: `/manage/${c.id}/questions` }, t('tab_questions')),
        h('a', { class: 'button small secondary', href: `/manage/${c.id}/stats` }, t('tab_stats')),
        h('a', { class: 'button small secondary', href: `/manage/${c.id}/results` }, t('tab_results')))))));
}
