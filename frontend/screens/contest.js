// A contest's page: what it is, when, the prizes and rules, a countdown to the
// start, and the way in (register, sign in, start or resume an attempt).
import * as api from '../api.js';
import { h, mount, notice, busy, copyText } from '../dom.js';
import { t, dateTime, duration, vnd, num, errorText } from '../i18n.js';
import { statusBadge } from './contests.js';

/** Days/hours/minutes/seconds boxes counting down to `targetMs` on the server's clock. */
export function countdown(targetMs, offsetMs, onZero, onLeave) {
  const box = h('div', { class: 'countdown', role: 'timer' });
  const tick = () => {
    const left = Math.max(0, targetMs - (Date.now() + offsetMs));
    const secs = Math.ceil(left / 1000);
    const parts = [[Math.floor(secs / 86400), 'd'], [Math.floor(secs / 3600) % 24, 'h'], [Math.floor(secs / 60) % 60, 'm'], [secs % 60, 's']];
    mount(box, ...parts.map(([v, u]) => h('div', {}, h('b', {}, String(v).padStart(2, '0')), h('span', {}, t(u)))));
    if (left <= 0) { clearInterval(timer); onZero?.(); }
  };
  const timer = setInterval(tick, 1000);
  onLeave(() => clearInterval(timer));
  tick();
  return box;
}

/**
 * "Sẵn sàng?": what the attempt will be, before its clock starts. Only
 * "Bắt đầu tính giờ" creates the attempt; the way back leaves nothing started.
 */
function readyScreen(ctx, c, left, start) {
  const msg = h('div');
  const go = h('button', { type: 'button', class: 'block ready-go', onclick: () => start(go, msg) }, t('start_clock'));
  ctx.setTitle(`${t('ready_title')} — ${c.title}`);
  mount(ctx.main,
    h('h1', { tabindex: -1 }, t('ready_title')),
    h('p', {}, h('b', {}, c.title)),
    h('ul', { class: 'ready' },
      h('li', {}, t('ready_questions', { n: num(c.questions_per_attempt) })),
      c.prediction.enabled ? h('li', {}, t('ready_prediction')) : null,
      h('li', {}, t('ready_time', { t: duration(c.time_limit_seconds * 1000) })),
      h('li', {}, left > 1 ? t('ready_left', { n: num(left) }) : t('ready_last')),
      h('li', {}, t('ready_clock')),
      h('li', {}, t('ready_saved'))),
    msg,
    go,
    h('a', { class: 'button secondary block', href: `/contests/${ctx.params[0]}` }, t('back_contest')));
}

/** "Chia sẻ": the phone's own share sheet when it has one, else the link copied. */
function shareButton(c, id) {
  const slot = h('p', { role: 'status' });
  const button = h('button', { type: 'button', class: 'secondary small', onclick: async () => {
    const url = `${location.origin}/contests/${id}`;
    if (navigator.share) {
      try { await navigator.share({ title: c.title, url }); } catch { /* closed without sharing */ }
      return;
    }
    mount(slot, (await copyText(url)) ? t('link_copied') : t('copy_failed', { text: url }));
  } }, t('share'));
  return [button, slot];
}

export default async function contest(ctx) {
  const { main, params: [id], session, navigate, setTitle, onLeave } = ctx;
  // "Bắt đầu làm bài" hands this page's data to "Sẵn sàng?" (no second download on a slow phone).
  const handed = ctx.query.get('start') === '1' && ctx.state?.contest ? ctx.state : null;
  const [{ contest: c }] = handed ? [handed, await session.ready] : await Promise.all([api.contest(id), session.ready]);
  // The quiz needs the prediction settings, which cannot change once published:
  // left here so the quiz screen does not download the contest again.
  try { sessionStorage.setItem(`crane.contest.${id}`, JSON.stringify(c)); } catch { /* storage disabled */ }
  // The server's clock decides when the contest opens, not the phone's.
  const offset = handed ? handed.offset : Date.parse(c.server_now) - Date.now();
  const tz = c.timezone;
  setTitle(c.title);
  const user = session.user;
  const participant = user && user.role === 'participant';
  const mine = handed ? handed.mine : participant ? await api.myAttempts(id).catch(() => null) : null;
  const msg = h('div');
  // Reloaded a moment after zero, so the server's own clock has opened it too.
  const reload = () => setTimeout(() => { if (location.pathname === `/contests/${id}`) navigate(location.pathname, { replace: true }); }, 1500);

  async function start(button, slot = msg) {
    await busy(button, async () => {
      const tell = (kind, text) => mount(slot, notice(kind, text));
      tell('info', t('starting'));
      try {
        const { attempt } = await api.startAttempt(id);
        navigate(`/attempts/${attempt.id}`, { state: { attempt }, replace: ctx.query.has('start') });
      } catch (err) {
        if (err.status === 401) return navigate(`/login?next=${encodeURIComponent(location.pathname)}`);
        tell('error', errorText(err));
      }
    });
  }

  const actions = [];
  const open = c.status === 'open';
  if (c.status === 'upcoming') {
    actions.push(h('h2', {}, t('starts_in')), countdown(Date.parse(c.starts_at), offset, reload, onLeave),
      h('p', { class: 'muted' }, t('contest_not_open_yet')));
  }
  if (!user && (open || c.status === 'upcoming')) {
    const next = encodeURIComponent(location.pathname);
    actions.push(h('div', { class: 'actions' },
      h('a', { class: 'button block', href: `/register?next=${next}` }, t('sign_up_to_play')),
      h('p', {}, t('have_account'), ' ', h('a', { href: `/login?next=${next}` }, t('login')))));
  } else if (user && !participant) {
    actions.push(notice('info', t('staff_no_play'), ' ', h('a', { href: `/manage/${id}` }, t('manage'))));
  } else if (participant && !mine && open) {
    // My attempts could not be loaded (a dropped network): the attempt this phone
    // started is remembered, so it can still be resumed.
    let started = null;
    try { started = JSON.parse(localStorage.getItem(`crane.attempt.${id}`)); } catch { /* none */ }
    if (started) actions.push(h('a', { class: 'button block', href: `/attempts/${started}` }, t('resume')));
  } else if (participant && mine) {
    const openOne = mine.attempts.find((a) => a.status === 'open' && Date.parse(a.deadline) > Date.now() + offset);
    const left = mine.max_attempts - mine.attempts.length;
    if (open && openOne) {
      // An attempt already running skips "Sẵn sàng?": its clock is running.
      actions.push(h('a', { class: 'button block', href: `/attempts/${openOne.id}` }, t('resume')));
    } else if (open && left > 0) {
      if (ctx.query.get('start') === '1') return readyScreen(ctx, c, left, start);
      actions.push(h('button', { type: 'button', class: 'block', onclick: () => navigate(`/contests/${id}?start=1`, { state: { contest: c, mine, offset } }) },
        mine.attempts.length ? t('again') : t('start')));
    }
    if (mine.attempts.length) {
      actions.push(h('h2', {}, t('my_attempts')), h('ul', {}, mine.attempts.map((a, i) => h('li', {},
        h('a', { href: a.status === 'open' ? `/attempts/${a.id}` : `/attempts/${a.id}/result` }, t('attempt_n', { n: i + 1 })), ': ',
        a.status === 'open' ? t('attempt_open')
          : t('attempt_line', { score: a.score ?? 0, count: a.question_count, time: duration(a.duration_ms) })))),
      h('p', {}, left > 0 ? t('attempts_left', { n: left }) : t('no_attempts_left')));
    }
  }
  if (c.status === 'closed') actions.push(notice('info', t('contest_over')));
  if (c.status === 'finalized') actions.push(h('a', { class: 'button block', href: `/contests/${id}/winners` }, t('see_winners')));

  const limit = duration(c.time_limit_seconds * 1000);
  const [shareBtn, shareSlot] = shareButton(c, id);
  mount(main,
    h('h1', { tabindex: -1 }, c.title),
    h('div', { class: 'sharebar' }, statusBadge(c.status), shareBtn),
    shareSlot,
    c.description ? h('p', { class: 'prose' }, c.description) : null,
    h('dl', { class: 'facts' },
      h('dt', {}, t('window')), h('dd', {}, t('from_to', { a: dateTime(c.starts_at, tz), b: dateTime(c.ends_at, tz) })),
      h('dt', {}, t('format')), h('dd', {},
        t('n_questions', { n: num(c.questions_per_attempt) }), '. ', t('time_limit', { t: limit }), '. ',
        t('attempts_allowed', { n: c.max_attempts, which: t(`counted_${c.counted_attempt}`) }))),
    msg,
    actions,
    c.prizes.length ? [h('h2', {}, t('prizes')), h('ul', {}, c.prizes.map((p) =>
      h('li', {}, h('b', {}, p.name), ': ', t('prize_row', { count: num(p.count), amount: vnd(p.amount) }))))] : null,
    c.prediction.enabled ? [h('h2', {}, t('prediction_intro')), h('p', {}, c.prediction.question)] : null,
    c.rules ? [h('h2', {}, t('rules')), h('div', { class: 'prose' }, c.rules)] : null);
}
