// Results: compute the ranking after the end, read it with what decided each
// place, disqualify (admin), finalize with its digest (admin), and export.
import * as api from '../api.js';
import { h, mount, field, say, busy, notice, clearErrors, showFieldErrors } from '../dom.js';
import { t, num, vnd, duration, errorText } from '../i18n.js';
import { staffOnly, tabs } from './staff.js';
import { codeBlock } from './winners.js';

const LIMIT = 50;

export default async function results(ctx) {
  const user = await staffOnly(ctx);
  if (!user) return;
  const admin = user.role === 'admin';
  const id = ctx.params[0];
  let { contest: c } = await api.adminContest(id);
  ctx.setTitle(`${t('results_title')} — ${c.title}`);
  let offset = 0;
  const msg = h('div');
  const summary = h('div');
  const dqBox = h('div');
  const table = h('div');
  const finalBox = h('div');

  const address = (a) => (a ? [a.hamlet, a.commune, a.district, a.province].filter((x) => x && x !== '-').join(', ') : '');

  function disqualifyForm(u) {
    const button = h('button', { type: 'submit', class: 'danger' }, t('dq_go'));
    const form = h('form', { class: 'group', novalidate: true },
      h('h3', {}, t('disqualify_who', { name: u.full_name })),
      field({ label: t('dq_reason'), name: 'reason', tag: 'textarea', rows: 2, required: true }),
      h('div', { class: 'actions' }, button, h('button', { type: 'button', class: 'secondary', onclick: () => mount(dqBox) }, t('cancel'))));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearErrors(form);
      busy(button, async () => {
        try {
          await api.disqualify(id, u.id, form.elements.reason.value.trim());
          mount(dqBox);
          say(msg, 'ok', t('dq_ok', { name: u.full_name }));
        } catch (err) {
          if (err.fields) showFieldErrors(form, err.fields); else say(msg, 'error', errorText(err));
        }
      });
    });
    mount(dqBox, form);
    form.elements.reason.focus();
  }

  async function load() {
    let r;
    try {
      r = (await api.results(id, LIMIT, offset)).results;
    } catch (err) {
      if (err.status !== 404) throw err;
      mount(summary, notice('info', t('no_results')));
      mount(table);
      return null;
    }
    // The two codes under their own headings: in the list's narrow column a phone
    // would wrap even their short form a few characters wide.
    mount(summary, h('dl', { class: 'facts' },
      r.actual_figure != null ? [h('dt', {}, t('actual_figure')), h('dd', {}, num(r.actual_figure))] : null,
      h('dt', {}, t('total_ranked')), h('dd', {}, num(r.total ?? r.rows.length))),
      codeBlock('draw_seed', r.draw_seed, 'h3'),
      r.digest ? codeBlock('digest', r.digest, 'h3') : null);
    const head = ['rank', 'r_name', 'r_address', 'r_score', 'r_prediction', 'r_duration', 'r_decided', 'r_prize'];
    if (admin && !r.digest) head.push('r_actions');
    const total = r.total ?? r.rows.length;
    // Each cell carries its column's name: on a phone a row is a card of "name: value" lines.
    let col = 0;
    const td = (cls, ...v) => h('td', { class: cls, 'data-label': t(head[col++ % head.length]) }, h('span', {}, ...v));
    mount(table,
      h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': t('ranking_table') },
        h('table', { class: 'stack' },
          h('thead', {}, h('tr', {}, head.map((k) => h('th', { scope: 'col' }, t(k))))),
          h('tbody', {}, r.rows.map((row) => h('tr', {},
            td('num', row.rank),
            td(null, h('span', {}, row.user.full_name, h('br'), h('span', { class: 'muted' }, row.user.phone))),
            td(null, address(row.user.address)),
            td('num', `${row.score}/${row.question_count}`),
            td('num', row.prediction != null ? `${num(row.prediction)} (${num(row.prediction_error)})` : '—'),
            td('num', duration(row.duration_ms, true)),
            td(null, row.decided_by ? t(`k_${row.decided_by}`) : t('d_none')),
            td(null, row.prize ? h('span', {}, row.prize.name, h('br'), vnd(row.prize.amount)) : '—'),
            admin && !r.digest ? td(null, h('button', { type: 'button', class: 'small secondary', 'aria-label': t('disqualify_who', { name: row.user.full_name }), onclick: () => disqualifyForm(row.user) }, t('disqualify'))) : null))))),
      total > LIMIT ? h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary small', disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - LIMIT); load(); } }, t('prev_page')),
        h('span', {}, t('page_of', { a: num(offset + 1), b: num(Math.min(offset + LIMIT, total)), n: num(total) })),
        h('button', { type: 'button', class: 'secondary small', disabled: offset + LIMIT >= total, onclick: () => { offset += LIMIT; load(); } }, t('next_page'))) : null,
      r.ineligible?.length ? [h('h2', {}, t('ineligible')), h('ul', {}, r.ineligible.map((x) =>
        h('li', {}, `${x.user.full_name} (${x.user.phone}): ${t(`i_${x.reason}`)}`)))] : null);
    return r;
  }

  function drawFinal(r) {
    if (!admin) return mount(finalBox);
    if (c.status === 'finalized') {
      const reason = field({ label: t('unfinalize_reason'), name: 'reason', tag: 'textarea', rows: 2 });
      const undo = h('button', { type: 'button', class: 'secondary', onclick: () => busy(undo, async () => {
        try {
          await api.unfinalize(id, reason.querySelector('textarea').value.trim());
          c = (await api.adminContest(id)).contest;
          say(msg, 'ok', t('unfinalized_ok'));
          drawFinal(await load());
        } catch (err) {
          if (err.fields) showFieldErrors(finalBox, err.fields); else say(msg, 'error', errorText(err));
        }
      }) }, t('unfinalize'));
      return mount(finalBox,
        h('h2', {}, t('exports')),
        h('ul', { class: 'actions' },
          h('li', {}, h('a', { class: 'button', href: api.exportUrl(id, 'winners.xlsx'), download: '' }, t('x_winners_xlsx'))),
          h('li', {}, h('a', { class: 'button secondary', href: api.exportUrl(id, 'winners.csv'), download: '' }, t('x_winners_csv'))),
          h('li', {}, h('a', { class: 'button secondary', href: api.exportUrl(id, 'leaderboard.csv'), download: '' }, t('x_leaderboard')))),
        h('h2', {}, t('unfinalize')), reason, undo);
    }
    if (!r) return mount(finalBox);
    // Finalizing publishes the winners: a second, explicit tap.
    const confirm = h('button', { type: 'button', onclick: () => busy(confirm, async () => {
      try {
        const out = await api.finalize(id);
        c = out.contest || (await api.adminContest(id)).contest;
        say(msg, 'ok', t('finalized_ok'), ' ', h('span', { class: 'mono' }, out.digest));
        drawFinal(await load());
        refreshActions();
      } catch (err) {
        say(msg, 'error', errorText(err));
      }
    }) }, t('finalize_confirm'));
    const go = h('button', { type: 'button', onclick: () => mount(finalBox, h('h2', {}, t('finalize_title')),
      h('p', { class: 'notice warn' }, t('finalize_hint')),
      h('div', { class: 'actions' }, confirm, h('button', { type: 'button', class: 'secondary', onclick: () => drawFinal(r) }, t('cancel')))) }, t('finalize'));
    mount(finalBox, h('h2', {}, t('finalize_title')), h('p', {}, t('finalize_hint')), go);
  }

  const actions = h('div', { class: 'actions' });
  function refreshActions(hasResults) {
    if (c.status === 'finalized') return mount(actions);
    const compute = h('button', { type: 'button', onclick: () => busy(compute, async () => {
      try {
        await api.computeResults(id);
        say(msg, 'ok', t('computed_ok'));
        offset = 0;
        const r = await load();
        drawFinal(r);
        refreshActions(true);
      } catch (err) {
        say(msg, 'error', errorText(err));
      }
    }) }, hasResults ? t('recompute') : t('compute'));
    mount(actions, compute);
  }

  mount(ctx.main,
    h('h1', { tabindex: -1 }, `${t('results_title')} — ${c.title}`),
    tabs(id, 'results'),
    msg, actions, summary, dqBox, table, finalBox);
  const r = await load();
  refreshActions(!!r);
  drawFinal(r);
}
