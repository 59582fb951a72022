// The list of published contests: the citizen's front door.
import * as api from '../api.js';
import { h, mount } from '../dom.js';
import { t, dateTime } from '../i18n.js';

export function statusBadge(status) {
  return h('span', { class: `badge ${status}` }, t(`st_${status}`));
}

export default async function contests({ main, setTitle }) {
  setTitle(t('contests_title'));
  const { contests: list } = await api.contests();
  // Open contests first, then upcoming, then the rest, newest first within each.
  const order = { open: 0, upcoming: 1, closed: 2, finalized: 3, draft: 4 };
  list.sort((a, b) => order[a.status] - order[b.status] || b.starts_at.localeCompare(a.starts_at));
  mount(main,
    h('h1', { tabindex: -1 }, t('contests_title')),
    list.length
      ? h('ul', { class: 'cards' }, list.map((c) => h('li', { class: 'card' },
          h('h2', {}, h('a', { class: 'title', href: `/contests/${c.id}` }, c.title)),
          statusBadge(c.status),
          h('p', { class: 'muted' }, t('from_to', { a: dateTime(c.starts_at, c.timezone), b: dateTime(c.ends_at, c.timezone) })))))
      : h('p', {}, t('no_contests')));
}
