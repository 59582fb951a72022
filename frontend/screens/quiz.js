// Taking a quiz: one question per screen, a countdown that follows the server's
// clock, every answer saved at once (and queued while offline), then the
// prediction and the submit.
import * as api from '../api.js';
import { h, mount, say, showFieldErrors, clearErrors, field } from '../dom.js';
import { t, num, clock, errorText } from '../i18n.js';
import { answerStore, note } from '../answers.js';

// Spoken warnings, not every second: 5 min, 1 min, 30 s, 10 s.
const THRESHOLDS = [[300, 'left_5m'], [60, 'left_1m'], [30, 'left_30s'], [10, 'left_10s']];

function cachedContest(id) {
  try { return JSON.parse(sessionStorage.getItem(`crane.contest.${id}`)); } catch { return null; }
}

export default async function quiz(ctx) {
  const { main, params: [id], navigate, setTitle, onLeave } = ctx;
  // Just started: the contest page hands over the attempt it received.
  let a = ctx.state?.attempt?.id === id ? ctx.state.attempt : null;
  try {
    a ||= (await api.attempt(id)).attempt;
  } catch (err) {
    if (err.status === 401) return navigate(`/login?next=${encodeURIComponent(location.pathname)}`, { replace: true });
    throw err;
  }
  if (a.status !== 'open') return navigate(`/attempts/${id}/result`, { replace: true });
  const c = cachedContest(a.contest_id) || (await api.contest(a.contest_id)).contest;
  setTitle(c.title);
  note.set(a.contest_id, 'attempt', id);
  // While the clock runs, "Đăng xuất" asks first (app.js): signing out does not stop it.
  ctx.session.quizRunning = true;
  onLeave(() => { ctx.session.quizRunning = false; });

  // The phone's clock may be wrong: measure its offset from the server once,
  // then recompute what is left from Date.now() on every tick, so the countdown
  // stays right after the tab sleeps.
  const offset = Date.parse(a.server_now) - Date.now();
  const deadline = Date.parse(a.deadline);
  const graceEnd = deadline + a.grace_seconds * 1000;
  const left = () => deadline - (Date.now() + offset);
  const pastGrace = () => Date.now() + offset > graceEnd;

  const qs = a.questions;
  const n = qs.length;
  const store = answerStore(id);
  // The server's saved answers, overridden by any this phone has not sent yet.
  const answers = new Map(a.answers.map((x) => [x.question_id, x.option_id]));
  for (const [q, o] of Object.entries(store.pending)) answers.set(q, o);
  // The prediction the server saved, shown when this phone has no draft (another
  // phone, cleared storage); a draft not yet sent wins.
  if (c.prediction.enabled && a.prediction != null && note.get(id, 'pred', '') === '') note.set(id, 'pred', String(a.prediction));
  let index = Math.min(Math.max(0, note.get(id, 'pos', 0)), n); // n = the submit screen
  let timeUp = false; // set by the first tick, which also submits if time is already up
  let submitting = false;
  let closed = false;

  const heading = h('h1', { class: 'qn', tabindex: -1 });
  // The clock's label is visible, and says why the clock turned red in the last minute.
  const clockLabel = h('span', { class: 'clock-label', id: 'clock-label' }, t('time_left'));
  const timer = h('span', { class: 'timer', role: 'timer', 'aria-labelledby': 'clock-label' });
  const clockBox = h('div', { class: 'clock' }, clockLabel, timer);
  const bar = h('div', { class: 'quizbar' }, heading, clockBox);
  const progress = h('progress', { max: n });
  const announcer = h('p', { class: 'sr-only', 'aria-live': 'assertive' });
  const saveLine = h('p', { class: 'save', role: 'status' });
  const body = h('div');
  mount(main, bar, progress, announcer, body, saveLine);

  /**
   * Brings the top of what was just drawn into view, just under the sticky bar:
   * with large text on a small phone the bar is tall, and "Câu tiếp" pressed at
   * the foot of a long question would otherwise open the next one half hidden.
   */
  function showTop() {
    const el = body.firstElementChild;
    if (!el || !el.isConnected) return;
    const below = bar.getBoundingClientRect().bottom + 8;
    document.documentElement.style.setProperty('--bar', `${Math.ceil(below)}px`);
    const top = el.getBoundingClientRect().top;
    if (top < below || top > innerHeight * 0.4) window.scrollBy(0, top - below);
  }

  const announce = (text) => { announcer.textContent = ''; setTimeout(() => { announcer.textContent = text; }, 50); };

  function showSave(state) {
    const text = { saved: t('saved'), saving: t('saving'), offline: t('offline'), retrying: t('retrying'), session: t('session_lost') }[state];
    saveLine.className = `save ${state === 'offline' || state === 'session' ? 'offline' : ''}`;
    mount(saveLine, text || '');
    if (state === 'session') saveLine.append(' ', h('a', { href: `/login?next=${encodeURIComponent(location.pathname)}` }, t('login')));
  }
  const onStore = (state, err) => {
    if (state === 'closed') return closedByServer(err);
    showSave(state);
  };
  store.listeners.add(onStore);
  onLeave(() => store.listeners.delete(onStore));
  if (store.size) { showSave(store.state); store.flush(); }

  function updateProgress() {
    progress.value = answers.size;
    progress.setAttribute('aria-label', t('answered_n', { a: answers.size, n }));
  }

  function go(i) {
    index = i;
    note.set(id, 'pos', i);
    draw();
    heading.focus({ preventScroll: true });
    showTop();
  }

  function grid() {
    return h('div', { class: 'grid' }, qs.map((q, i) => {
      const done = answers.has(q.id);
      return h('button', {
        type: 'button', class: `small secondary ${done ? 'done' : ''}`, 'aria-current': i === index ? 'step' : null,
        'aria-label': t(done ? 'go_answered' : 'go_question', { i: i + 1 }), onclick: () => go(i),
      }, String(i + 1));
    }));
  }

  function drawQuestion() {
    const q = qs[index];
    heading.textContent = t('question_n', { i: index + 1, n });
    const name = `q-${q.id}`;
    mount(body,
      h('fieldset', { class: 'quiz-q' },
        h('legend', { class: 'qtext' }, q.text),
        h('div', { class: 'options' }, q.options.map((o) => h('label', { class: 'option' },
          h('input', {
            type: 'radio', name, value: o.id, checked: answers.get(q.id) === o.id, disabled: timeUp,
            onchange: () => { answers.set(q.id, o.id); store.choose(q.id, o.id); updateProgress(); },
          }),
          h('span', {}, o.text))))),
      h('div', { class: 'qnav' },
        h('button', { type: 'button', class: 'secondary', disabled: index === 0, onclick: () => go(index - 1) }, t('prev')),
        index < n - 1
          ? h('button', { type: 'button', onclick: () => go(index + 1) }, t('next'))
          : h('button', { type: 'button', onclick: () => go(n) }, t('review'))),
      h('details', {}, h('summary', {}, t('all_questions')), grid(),
        h('button', { type: 'button', class: 'secondary block', onclick: () => go(n) }, t('review'))));
  }

  const msg = h('div');
  let form = null;
  function drawReview() {
    heading.textContent = t('review_title');
    const missing = n - answers.size;
    const button = h('button', { type: 'submit', class: 'block', disabled: submitting }, submitting ? t('submitting') : t('submit'));
    form = h('form', { novalidate: true },
      c.prediction.enabled ? field({
        label: t('prediction_label'), name: 'prediction', inputmode: 'numeric', autocomplete: 'off',
        hint: `${c.prediction.question} ${t('prediction_hint')}`, value: note.get(id, 'pred', ''), maxlength: 13,
        oninput: (e) => {
          note.set(id, 'pred', e.target.value);
          // Autosaved once it is a whole number, so it counts even if time runs out.
          const p = prediction();
          if (p !== undefined) store.predict(p);
        },
      }) : null,
      button);
    form.addEventListener('submit', (e) => { e.preventDefault(); submit(false); });
    mount(body,
      h('div', { class: 'quiz-q' },
        h('p', {}, missing ? t('unanswered', { n: num(missing) }) : t('all_answered', { n: num(n) })),
        h('p', { class: 'hint' }, t('answers_list'))),
      answerList(),
      form,
      msg,
      h('div', { class: 'qnav' }, h('button', { type: 'button', class: 'secondary full', onclick: () => go(n - 1) }, t('prev'))));
  }

  /** Every question with the answer chosen (or "Chưa trả lời"); a tap goes back to it. */
  function answerList() {
    return h('ol', { class: 'answered' }, qs.map((q, i) => {
      const o = q.options.find((x) => x.id === answers.get(q.id));
      return h('li', {}, h('button', { type: 'button', class: o ? null : 'missing', onclick: () => go(i) },
        h('b', {}, t('go_question', { i: i + 1 })), h('span', {}, o ? o.text : t('not_answered'))));
    }));
  }

  /**
   * Time is up: nothing to edit or press any more. The screen says what happens
   * now (the submit under way, or the server closing the attempt with what it saved).
   */
  function drawEnded() {
    heading.textContent = t('time_up_title');
    const pred = c.prediction.enabled ? prediction() : null;
    const sending = pred !== undefined;
    mount(body,
      h('div', { class: 'quiz-q notice warn' },
        h('p', {}, h('b', {}, t('time_up'))),
        h('p', {}, t(sending ? 'ended_sending' : 'ended_wait'))),
      c.prediction.enabled ? h('p', {}, `${t('your_prediction')}: `, pred === undefined ? t('no_prediction') : num(pred)) : null,
      msg);
  }

  function draw() {
    updateProgress();
    if (timeUp) drawEnded(); else if (index >= n) drawReview(); else drawQuestion();
  }

  /** The prediction as a number, or undefined when it is missing or not a whole number 0..1e9. */
  function prediction() {
    const raw = String(note.get(id, 'pred', '')).replace(/[\s.,]/g, '');
    if (!/^\d{1,10}$/.test(raw)) return undefined;
    const v = Number(raw);
    return v <= 1e9 ? v : undefined;
  }

  async function submit(auto) {
    if (submitting || closed) return;
    const pred = c.prediction.enabled ? prediction() : null;
    if (pred === undefined) {
      if (auto) return; // no prediction to send: the server closes the attempt with what it saved
      if (index !== n) go(n);
      if (form) showFieldErrors(form, { prediction: { code: 'bad', message: t('prediction_bad') } });
      return;
    }
    submitting = true;
    if (index === n && !timeUp) { clearErrors(form); drawReview(); }
    say(msg, 'info', t('submitting'));
    try {
      const list = [...answers].map(([q, o]) => ({ question_id: q, option_id: o }));
      const done = (await api.submit(id, list, pred)).attempt;
      finish();
      store.finish(); // the submit carried every answer: nothing is left to send
      navigate(`/attempts/${id}/result`, { replace: true, state: { result: done, contest: c } });
    } catch (err) {
      submitting = false;
      if (err.code === 'attempt_expired' || err.code === 'attempt_submitted') return closedByServer(err);
      if (index === n && !timeUp) drawReview();
      if (err.fields && !timeUp) {
        const orphans = showFieldErrors(form, err.fields);
        if (orphans.length) say(msg, 'error', orphans.join(' '));
      } else if (err.transient && !pastGrace()) {
        // Keep trying until the grace period ends; the answers are also autosaved.
        say(msg, 'warn', t('submit_offline'));
        retrySubmit = setTimeout(() => { retrySubmit = null; submit(true); }, err.retryAfter ? err.retryAfter * 1000 : 3000);
      } else {
        say(msg, 'error', errorText(err));
      }
    }
  }
  let retrySubmit = null;
  const onOnline = () => { if (retrySubmit) { clearTimeout(retrySubmit); retrySubmit = null; submit(true); } };
  window.addEventListener('online', onOnline);

  function finish() {
    closed = true;
    ctx.session.quizRunning = false;
    clearInterval(ticker);
    clearTimeout(retrySubmit);
    for (const what of ['pos', 'pred']) note.set(id, what, null);
    note.set(a.contest_id, 'attempt', null);
  }

  function closedByServer(err) {
    if (closed) return;
    finish();
    store.finish();
    heading.textContent = t('time_up_title');
    timer.textContent = clock(0);
    clockLabel.textContent = t('time_up_title');
    mount(body,
      h('div', { class: 'notice error', role: 'alert' }, err.code === 'attempt_submitted' ? t('e.attempt_submitted') : t('expired_msg')),
      h('a', { class: 'button block', href: `/attempts/${id}/result` }, t('see_result')));
    saveLine.textContent = '';
    heading.focus();
  }

  // Warnings already passed when the screen opens are not spoken again.
  const spoken = new Set(THRESHOLDS.filter(([s]) => left() <= s * 1000).map(([s]) => s));
  function tick() {
    const ms = left();
    timer.textContent = clock(ms);
    const low = ms <= 60000;
    timer.classList.toggle('low', low);
    clockBox.classList.toggle('low', low);
    clockLabel.textContent = t(ms <= 0 ? 'time_up_title' : low ? 'under_1m' : 'time_left');
    let say10 = null;
    for (const [s, key] of THRESHOLDS) if (!spoken.has(s) && ms <= s * 1000) { spoken.add(s); say10 = key; }
    if (say10) announce(t(say10));
    if (ms <= 0 && !timeUp && !closed) {
      timeUp = true;
      announce(t('time_up'));
      // Time is up: send what there is, within the grace period. Without a prediction
      // there is nothing to submit: the server closes the attempt with the saved answers.
      draw();
      showTop();
      store.flush();
      submit(true);
    }
    if (pastGrace() && !submitting && !retrySubmit) closedByServer({ code: 'attempt_expired' });
  }
  const ticker = setInterval(tick, 500);
  onLeave(() => { clearInterval(ticker); clearTimeout(retrySubmit); window.removeEventListener('online', onOnline); });
  draw();
  tick();
  setTimeout(showTop, 0); // once the screen is on the page (app.js mounts it after this returns)
}
