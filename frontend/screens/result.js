// The result of one attempt: score, time taken, and what comes next.
import * as api from '../api.js';
import { h, mount, notice } from '../dom.js';
import { t, num, vnd, duration, dateTime } from '../i18n.js';

export default async function result({ main, params: [id], state, session, navigate, setTitle }) {
  // Right after the submit, the quiz hands over the result and the contest;
  // otherwise (a link, a reload) both are fetched.
  let r = state?.result?.id === id ? state.result : null;
  let c = r ? state.contest : null;
  if (!r) {
    let a;
    try {
      a = (await api.attempt(id)).attempt;
    } catch (err) {
      if (err.status === 401) return navigate(`/login?next=${encodeURIComponent(location.pathname)}`, { replace: true });
      throw err;
    }
    if (a.status === 'open') return navigate(`/attempts/${id}`, { replace: true });
    r = a.result;
    c = (await api.contest(a.contest_id)).contest;
  }
  const signedIn = session.ready;
  const [mine, final, review] = await Promise.all([
    signedIn.then(() => api.myAttempts(c.id)).catch(() => null),
    // The official rank once the results are final; nothing is lost if it fails.
    signedIn.then(() => api.myResult(c.id)).catch(() => null),
    // The answers, when the contest shows them (409 otherwise: no link).
    c.status === 'finalized' ? signedIn.then(() => api.review(id)).then(() => true, () => false) : false,
  ]);
  setTitle(t('result_title'));
  const left = mine ? mine.max_attempts - mine.attempts.length : 0;
  mount(main,
    h('h1', { tabindex: -1 }, t('result_title')),
    r.status === 'expired' ? notice('info', t('auto_closed')) : notice('ok', t('submitted_ok')),
    h('p', { class: 'muted' }, c.title),
    h('p', { class: 'score' }, `${num(r.score ?? 0)}/${num(r.question_count)}`),
    h('p', {}, t('score_line', { score: num(r.score ?? 0), count: num(r.question_count) })),
    h('dl', { class: 'facts' },
      h('dt', {}, t('time_taken')), h('dd', {}, duration(r.duration_ms)),
      h('dt', {}, t('submitted_at')), h('dd', {}, dateTime(r.submitted_at, c.timezone)),
      r.prediction != null ? [h('dt', {}, t('your_prediction')), h('dd', {}, num(r.prediction))] : null),
    finalBox(final),
    review ? h('p', {}, h('a', { class: 'button block', href: `/attempts/${id}/review` }, t('see_review'))) : null,
    c.status === 'finalized'
      ? h('a', { class: 'button block', href: `/contests/${c.id}/winners` }, t('see_winners'))
      : final?.status === 'pending' ? null : h('p', { class: 'muted' }, t('result_note')),
    mine && c.status === 'open' ? h('p', {}, left > 0 ? t('attempts_left', { n: left }) : t('no_attempts_left')) : null,
    h('div', { class: 'actions' }, h('a', { class: 'button secondary block', href: `/contests/${c.id}` }, t('back_contest'))));
}

/** The official outcome from my-result: rank, prize and next step, or why not ranked. */
function finalBox(m) {
  if (!m || m.status === 'absent') return null;
  if (m.status === 'pending') return notice('info', t('mr_pending'));
  if (m.status === 'ineligible') {
    const key = m.reason ? `mr_ineligible_${m.reason}` : 'mr_ineligible';
    return notice('info', t(key));
  }
  return h('div', { class: 'final-result' },
    h('p', { class: 'rank' }, t('mr_rank', { rank: num(m.rank), of: num(m.of) })),
    m.won && m.prize ? h('div', { class: 'notice ok' },
      h('p', {}, h('b', {}, t('mr_won', { prize: m.prize.name, amount: vnd(m.prize.amount) }))),
      h('p', {}, t('mr_next'))) : null);
}
