// The review of one closed attempt once the results are final (when the
// contest allows it): every question, the right answer and the reader's choice,
// marked in words as well as colour.
import * as api from '../api.js';
import { h, mount, notice } from '../dom.js';
import { t, num } from '../i18n.js';

export default async function review({ main, params: [id], navigate, setTitle }) {
  setTitle(t('answers_title'));
  const back = h('p', {}, h('a', { class: 'button secondary block', href: `/attempts/${id}/result` }, t('back_result')));
  let r;
  try {
    r = await api.review(id);
  } catch (err) {
    if (err.status === 401) return navigate(`/login?next=${encodeURIComponent(location.pathname)}`, { replace: true });
    if (err.status === 409) return mount(main, h('h1', { tabindex: -1 }, t('answers_title')), notice('info', t('review_not_available')), back);
    throw err;
  }
  const right = r.score ?? r.questions.filter((q) => q.answered_right).length;
  mount(main,
    h('h1', { tabindex: -1 }, t('answers_title')),
    h('p', { class: 'score' }, t('review_summary', { x: num(right), y: num(r.question_count) })),
    h('ol', { class: 'review' }, r.questions.map((q, i) => h('li', { class: `card ${q.answered_right ? 'right' : 'wrong'}` },
      h('h2', {}, t('review_q', { n: i + 1 }), ' — ', h('span', { class: q.answered_right ? 'ok-text' : 'bad-text' },
        q.answered_right ? t('review_q_right') : t('review_q_wrong'))),
      h('p', { class: 'q' }, q.text),
      h('ul', { class: 'opts' }, q.options.map((o) => h('li', { class: [o.correct ? 'correct' : '', o.chosen ? 'chosen' : ''].join(' ').trim() || null },
        h('span', { class: 'opt-text' }, o.text),
        o.correct ? h('span', { class: 'tag correct' }, `✓ ${t('review_right')}`) : null,
        o.chosen ? h('span', { class: 'tag chosen' }, t('review_chosen')) : null))),
      q.options.some((o) => o.chosen) ? null : h('p', { class: 'muted' }, t('review_unanswered'))))),
    back);
}
