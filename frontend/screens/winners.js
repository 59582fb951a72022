// The public winners list, once the results are finalized (phones are masked by the server).
import * as api from '../api.js';
import { h, mount, notice, copyText } from '../dom.js';
import { t, vnd, addStrings } from '../i18n.js';

// Texts of this page only (the results screen uses them too), kept out of the first download.
addStrings({
  vi: {
    copy: 'Sao chép',
    copy_what: 'Sao chép {what}',
    copied: 'Đã sao chép.',
    digest_hint: 'Dùng để kiểm chứng danh sách không bị sửa sau khi công bố.',
    draw_seed_hint: 'Con số ngẫu nhiên dùng để xếp thứ tự khi hoàn toàn bằng nhau, được công bố trước.',
    w_name: 'Họ và tên', w_place: 'Nơi ở', w_phone: 'Điện thoại', w_prize: 'Giải', w_amount: 'Trị giá',
  },
  en: {
    copy: 'Copy',
    copy_what: 'Copy the {what}',
    copied: 'Copied.',
    digest_hint: 'Lets anyone check that the list was not changed after it was published.',
    draw_seed_hint: 'A random number, published beforehand, that orders people who are tied on everything.',
    w_name: 'Name', w_place: 'Lives in', w_phone: 'Phone', w_prize: 'Prize', w_amount: 'Amount',
  },
});

/**
 * A 64-character code, shortened to its first and last 8 characters (enough to
 * compare by eye; on a phone the whole would wrap three characters wide), with a
 * button that copies all of it for checking.
 */
export function hashChip(value, what) {
  if (!value) return h('p', {}, '—');
  const done = h('p', { role: 'status' });
  return h('div', { class: 'hash' },
    h('code', { title: value }, `${value.slice(0, 8)}…${value.slice(-8)}`),
    h('button', {
      type: 'button', class: 'secondary small', 'aria-label': t('copy_what', { what: what.toLowerCase() }),
      onclick: async () => mount(done, (await copyText(value)) ? t('copied') : t('copy_failed', { text: value })),
    }, t('copy')),
    done);
}

/** A code's heading, what it is for in one sentence, and the chip. */
export function codeBlock(key, value, level = 'h2') {
  return [h(level, {}, t(key)), h('p', { class: 'hint' }, t(`${key}_hint`)), hashChip(value, t(key))];
}

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
  // A table on a laptop; one card per winner on a phone (app.css, table.stack).
  const cols = ['rank', 'w_name', 'w_place', 'w_prize', 'w_amount', 'w_phone'];
  const cell = (k, ...v) => h('td', { 'data-label': t(k) }, h('span', {}, ...v)); // the span: one box beside the label
  mount(main, ...head,
    data.winners.length
      ? h('table', { class: 'stack winners' },
          h('thead', {}, h('tr', {}, cols.map((k) => h('th', { scope: 'col' }, t(k))))),
          h('tbody', {}, data.winners.map((w) => h('tr', {},
            cell('rank', w.rank), cell('w_name', h('b', {}, w.full_name)), cell('w_place', place(w.address)),
            cell('w_prize', w.prize.name), cell('w_amount', vnd(w.prize.amount)), cell('w_phone', w.phone || '—')))))
      : h('p', {}, t('no_winners')),
    codeBlock('digest', data.digest),
    codeBlock('draw_seed', data.draw_seed));
}
