// The public winners list, once the results are finalized (phones are masked by the server).
import * as api from '../api.js';
import { h, mount, notice } from '../dom.js';
import { t, vnd } from '../i18n.js';

export default async function winners({ main, params: [id], setTitle }) {
  const { contest: c } = await api.contest(id);
  setTitle(`${t('winners_title')} — ${c.title}`);
  const head = [h('h1', { tabindex: -1 }, t('winners_title')), h('p', {}, h('a', { href: `/contests/${id}` }, c.title))];
  let data;
  try {
    data = await api.winners(id);
  } catch (err) {
    if (err.status === 409) return mount(main, ...head, notice('info', t('not_finalized')));
    throw err;
  }
  const place = (ad) => [ad.commune, ad.district, ad.province].filter(Boolean).join(', ');
  mount(main, ...head,
    data.winners.length
      ? h('ol', { class: 'cards' }, data.winners.map((w) => h('li', { class: 'card' },
          h('h2', {}, `${t('rank')} ${w.rank}: ${w.full_name}`),
          h('p', {}, h('b', {}, w.prize.name), ' — ', vnd(w.prize.amount)),
          h('p', { class: 'muted' }, place(w.address), w.phone ? ` · ${w.phone}` : ''))))
      : h('p', {}, t('no_winners')),
    h('h2', {}, t('digest')), h('p', { class: 'mono' }, data.digest || '—'),
    h('h2', {}, t('draw_seed')), h('p', { class: 'mono' }, data.draw_seed || '—'));
}
