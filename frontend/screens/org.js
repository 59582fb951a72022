// An organisation's own page, /o/{slug}: its logo, name, introduction and
// hotline, then its published contests.
import * as api from '../api.js';
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { contestCards, hotline, logo, sortContests } from './contests.js';

export default async function org({ main, params: [slug], setTitle }) {
  let page;
  try {
    page = await api.organisation(slug);
  } catch (err) {
    if (err.status !== 404) throw err; // offline, busy: the shell offers to try again
    setTitle(t('org_not_found'));
    return mount(main, h('h1', { tabindex: -1 }, t('org_not_found')),
      h('p', {}, t('org_not_found_hint')),
      h('p', {}, h('a', { href: '/' }, t('back_home'))));
  }
  const { organisation: o, contests } = page;
  setTitle(o.name);
  mount(main,
    h('div', { class: 'orghead big' },
      logo(o, 80),
      h('div', {}, h('h1', { tabindex: -1 }, o.name), hotline(o))),
    o.intro ? h('p', { class: 'prose' }, o.intro) : null,
    h('h2', {}, t('org_contests')),
    contests.length ? contestCards(sortContests(contests), 3) : h('p', {}, t('org_no_contests')),
    h('p', {}, h('a', { href: '/' }, t('back_home'))));
}
