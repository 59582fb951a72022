// Live statistics with small SVG charts drawn here (no chart library to download):
// participation per day and per place, the score histogram, the hardest questions.
import * as api from '../api.js';
import { h, mount, append, busy } from '../dom.js';
import { t, num, percent } from '../i18n.js';
import { staffOnly, tabs } from './staff.js';

const W = 360;
const SVG = 'http://www.w3.org/2000/svg';

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, String(v));
  return append(el, children);
}
const cut = (text, n) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

// The chart's words for screen readers: its title and every value (the first 30).
function described(svg, title, items, show) {
  const list = items.slice(0, 30).map((i) => `${i.label}: ${show(i.value)}`).join('; ');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('s_chart', { title, items: list }));
  svg.prepend(s('title', {}, title));
  return svg;
}

/** Vertical bars, one per item, value above, label below. */
function columns(title, items, show = num) {
  const H = 170, top = 18, bottom = 22, area = H - top - bottom;
  const max = Math.max(1, ...items.map((i) => i.value));
  const bw = (W - 8) / Math.max(items.length, 1);
  const every = Math.ceil(items.length / 12); // keep labels from overlapping
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}` },
    s('line', { class: 'axis', x1: 0, x2: W, y1: H - bottom, y2: H - bottom }),
    items.map((it, i) => {
      const bh = Math.max(it.value ? 2 : 0, (area * it.value) / max);
      const x = 4 + i * bw;
      return [
        s('rect', { class: 'bar', x: x + bw * 0.12, width: bw * 0.76, y: H - bottom - bh, height: bh }),
        items.length <= 16 ? s('text', { x: x + bw / 2, y: H - bottom - bh - 4, 'text-anchor': 'middle' }, show(it.value)) : null,
        i % every === 0 ? s('text', { x: x + bw / 2, y: H - 6, 'text-anchor': 'middle' }, it.label) : null,
      ];
    }));
  return described(svg, title, items, show);
}

/** Horizontal bars, one row per item: label above its bar, value at the bar's end. */
function bars(title, items, show = num, max = Math.max(1, ...items.map((i) => i.value))) {
  const rowH = 36, H = items.length * rowH + 4, room = W - 70;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}` },
    items.map((it, i) => {
      const y = i * rowH;
      const bw = Math.max(it.value ? 2 : 0, (room * it.value) / max);
      return [
        s('text', { x: 0, y: y + 13 }, cut(it.label, 52)),
        s('rect', { class: 'bar', x: 0, y: y + 18, width: bw, height: 12, rx: 2 }),
        s('text', { x: bw + 6, y: y + 29 }, show(it.value)),
      ];
    }));
  return described(svg, title, items, show);
}

function section(title, items, chart) {
  return [h('h2', {}, title), items.length ? chart() : h('p', { class: 'muted' }, t('s_none'))];
}

export default async function stats(ctx) {
  if (!await staffOnly(ctx)) return;
  const id = ctx.params[0];
  const [{ contest: c }, { stats: st }] = await Promise.all([api.adminContest(id), api.stats(id)]);
  ctx.setTitle(`${t('stats_title')} — ${c.title}`);
  const day = (d) => `${d.slice(8, 10)}/${d.slice(5, 7)}`;
  const place = (p) => [p.commune, p.district, p.province].filter(Boolean).join(', ');
  const days = st.by_day.map((d) => ({ label: day(d.day), value: d.participants }));
  const places = st.by_place.slice(0, 10).map((p) => ({ label: place(p), value: p.participants }));
  const hist = st.score_histogram.map((b) => ({ label: String(b.score), value: b.attempts }));
  const hard = st.questions.slice(0, 10).map((q) => ({ label: q.text || q.question_id, value: q.correct_rate }));
  const refresh = h('button', { type: 'button', class: 'secondary', onclick: () => busy(refresh, () => stats(ctx)) }, t('refresh'));
  mount(ctx.main,
    h('h1', { tabindex: -1 }, `${t('stats_title')} — ${c.title}`),
    tabs(id, 'stats'),
    h('div', { class: 'stats-totals' },
      h('div', {}, h('b', {}, num(st.participants)), t('s_participants')),
      h('div', {}, h('b', {}, num(st.attempts)), t('s_attempts')),
      h('div', {}, h('b', {}, num(st.submitted)), t('s_submitted'))),
    section(t('s_by_day'), days, () => columns(t('s_by_day'), days)),
    section(t('s_by_place'), places, () => bars(t('s_by_place'), places)),
    h('h2', {}, t('s_by_province')),
    (st.by_province || []).length
      ? h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': t('s_by_province') },
          h('table', { class: 'provinces' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('s_province')), h('th', { scope: 'col', class: 'num' }, t('s_participants')), h('th', { scope: 'col', class: 'num' }, t('s_attempts')))),
            h('tbody', {}, st.by_province.map((p) => h('tr', {},
              h('th', { scope: 'row' }, p.province || p.province_code || '—'), h('td', { class: 'num' }, num(p.participants)), h('td', { class: 'num' }, num(p.attempts)))))))
      : h('p', { class: 'muted' }, t('s_none')),
    section(t('s_hist'), hist, () => columns(t('s_hist'), hist)),
    section(t('s_hard'), hard, () => bars(t('s_hard'), hard, percent, 1)),
    h('div', { class: 'actions' }, refresh,
      h('a', { class: 'button secondary', href: api.exportUrl(id, 'stats.xlsx'), download: '' }, t('s_xlsx'))));
}
