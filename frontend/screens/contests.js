// The citizen's front door: how to take part (for a first visit), then the
// published contests, grouped under the organisation running each (logo, name,
// hotline) unless only the default one has any.
import * as api from '../api.js';
import { h, mount } from '../dom.js';
import { t, dateTime, num } from '../i18n.js';

export const DEFAULT_ORG = '00000000-0000-4000-8000-000000000001';

export function statusBadge(status) {
  return h('span', { class: `badge ${status}` }, t(`st_${status}`));
}

// Open first, then upcoming, then the rest; newest first within each.
const ORDER = { open: 0, upcoming: 1, closed: 2, finalized: 3, draft: 4 };
export const sortContests = (list) => list.sort((a, b) => ORDER[a.status] - ORDER[b.status] || b.starts_at.localeCompare(a.starts_at));
/** Vietnamese order: Đ after D, not after Z. */
export const byName = (a, b) => a.name.localeCompare(b.name, 'vi');

/**
 * "1.234 người đã tham gia" while a contest is open: the server counts who
 * started an attempt (refreshed about every 30 s); nothing when none has yet,
 * or when the server does not say.
 */
export function joined(c) {
  return c.status === 'open' && c.participants > 0 ? h('p', { class: 'joined' }, t('participants', { n: num(c.participants) })) : null;
}

/** `level`: of each title's heading (3 under an organisation's). */
export function contestCards(list, level = 2) {
  return h('ul', { class: 'cards' }, list.map((c) => h('li', { class: 'card' },
    h(`h${level}`, {}, h('a', { class: 'title', href: `/contests/${c.id}` }, c.title)),
    statusBadge(c.status),
    h('p', { class: 'muted' }, t('from_to', { a: dateTime(c.starts_at, c.timezone), b: dateTime(c.ends_at, c.timezone) })),
    joined(c))));
}

const HOWTO = 'crane.howto';
/**
 * Three steps for someone new, folded away on a phone: open on the first visit
 * only, then as the person last left it (remembered on this phone).
 */
function howTo() {
  let kept = null;
  try { kept = localStorage.getItem(HOWTO); } catch { /* storage off: open every time */ }
  const keep = (v) => { try { localStorage.setItem(HOWTO, v); } catch { /* lasts this page */ } };
  if (kept === null) keep('seen');
  const box = h('details', { class: 'howto', open: kept === null || kept === 'open' },
    // Clicked before it opens or closes (Enter and Space click a summary too).
    h('summary', { onclick: () => keep(box.open ? 'closed' : 'open') }, t('howto_title')),
    h('ol', {},
      h('li', {}, h('a', { href: '/register' }, t('howto_1'))),
      h('li', {}, t('howto_2')),
      h('li', {}, t('howto_3'))));
  return box;
}

/** The hotline is free text: its first phone-like run is what tel: dials. */
export function hotline(o) {
  const text = (o.hotline || '').trim();
  const number = text.match(/\+?\d[\d .()-]{4,}\d/);
  return text ? h('p', { class: 'hotline' }, t('hotline'), ' ',
    number ? h('a', { href: `tel:${number[0].replace(/[^\d+]/g, '')}` }, text) : text) : null;
}

/** Sized before it arrives, so nothing moves; lazy, so only what is shown is fetched. */
export function logo(o, size) {
  return o.logo_url && h('img', { class: 'logo', src: o.logo_url, alt: o.name, width: size, height: size, loading: 'lazy', decoding: 'async' });
}

export default async function contests({ main, setTitle, session }) {
  setTitle(t('contests_title'));
  // All at once: the organisations only group the contests, and who is signed
  // in only decides the how-to (someone with an account knows it).
  const [{ contests: list }, orgs] = await Promise.all([api.contests(), api.organisations().catch(() => null), session.ready]);
  sortContests(list);
  const heading = [h('h1', { tabindex: -1 }, t('contests_title')), session.user ? null : howTo()];
  if (!list.length) return mount(main, heading, h('p', {}, t('no_contests')));
  const byOrg = new Map();
  for (const c of list) byOrg.set(c.organisation_id, [...(byOrg.get(c.organisation_id) || []), c]);
  const groups = (orgs?.organisations || []).filter((o) => byOrg.has(o.id)).sort(byName);
  // Plain when only the default organisation has contests, or the organisations could not be read.
  if (!groups.length || (groups.length === 1 && groups[0].id === DEFAULT_ORG) || groups.length < byOrg.size) {
    return mount(main, heading, contestCards(list));
  }
  mount(main, heading, groups.map((o) => h('section', { class: 'org', 'aria-labelledby': `org-${o.slug}` },
    h('div', { class: 'orghead' }, logo(o, 48),
      h('div', {}, h('h2', { id: `org-${o.slug}` }, h('a', { href: `/o/${o.slug}` }, o.name)), hotline(o))),
    contestCards(byOrg.get(o.id), 3))));
}
