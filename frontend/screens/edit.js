// Create or edit a contest: window, timing, attempts, prediction, tie-break
// order, prize tiers and the exclusion list. Field names are the API's, so a
// 422 lands under the control it concerns.
import * as api from '../api.js';
import { h, mount, field, showFieldErrors, clearErrors, say, busy } from '../dom.js';
import { t, vnd, duration, errorText, addStrings } from '../i18n.js';
import { staffOnly, tabs } from './staff.js';

addStrings({
  vi: {
    c_review: 'Cho thí sinh xem đáp án sau khi công bố kết quả chính thức',
    c_when_hint: 'Giờ theo múi giờ ở trên.',
    c_tz_hint: 'Giờ dùng cho thời điểm bắt đầu và kết thúc.',
    tz_vn: 'Giờ Việt Nam (GMT+7)', tz_bangkok: 'Giờ Bangkok, Thái Lan (GMT+7)', tz_singapore: 'Giờ Singapore (GMT+8)', tz_utc: 'Giờ quốc tế UTC (GMT+0)',
    c_locked: 'Đã khóa sau khi công bố.',
    c_group_locked: 'Đã khóa sau khi công bố: các mục dưới đây không đổi được nữa.',
    c_pred_locked: 'Đã khóa sau khi công bố: bật/tắt câu hỏi dự đoán và con số đúng. Vẫn sửa được câu chữ của câu hỏi.',
    c_prizes_locked: 'Đã khóa sau khi công bố: số hạng giải, số giải và trị giá. Vẫn sửa được tên giải.',
    c_ends_later: 'Chỉ được lùi giờ kết thúc (kéo dài cuộc thi), không được sớm hơn giờ đã công bố.',
    c_limit_odd: 'Hiện đặt {t}. Để trống để giữ nguyên, hoặc nhập số phút mới.',
    'f.minutes': 'Nhập số phút nguyên từ 1 đến 180.',
    'f.ends_at.earlier': 'Chỉ được lùi giờ kết thúc, không được sớm hơn giờ đã công bố.',
    // The server explains settings in English; organisers read them in Vietnamese.
    'f.not_integer': 'Nhập một số nguyên.',
    'f.title.invalid_text': 'Tên cuộc thi cần từ 1 đến 200 ký tự.',
    'f.description.invalid_text': 'Phần giới thiệu tối đa 5.000 ký tự.',
    'f.rules.invalid_text': 'Thể lệ tối đa 20.000 ký tự.',
    'f.timezone.invalid_timezone': 'Múi giờ không hợp lệ (ví dụ Asia/Ho_Chi_Minh).',
    'f.required': 'Vui lòng nhập mục này.',
    'f.invalid_datetime': 'Ngày giờ không hợp lệ.',
    'f.ends_at.ends_before_start': 'Thời điểm kết thúc phải sau thời điểm bắt đầu.',
    'f.questions_per_attempt.out_of_range': 'Từ 1 đến 200 câu.',
    'f.time_limit_seconds.out_of_range': 'Từ 1 đến 180 phút.',
    'f.max_attempts.out_of_range': 'Từ 1 đến 100 lượt.',
    'f.grace_seconds.out_of_range': 'Từ 0 đến 300 giây.',
    'f.prediction.question.invalid_text': 'Câu hỏi dự đoán cần từ 1 đến 500 ký tự.',
    'f.tie_break.required': 'Chọn ít nhất một tiêu chí.',
    'f.tie_break.prediction_disabled': 'Câu hỏi dự đoán đang tắt nên không dùng được tiêu chí dự đoán.',
    'f.tie_break.duplicate_key': 'Tiêu chí bị lặp.',
    'f.prizes.too_many': 'Tối đa 20 hạng giải.',
    'f.prizes.name.invalid_text': 'Tên giải cần từ 1 đến 100 ký tự.',
    'f.prizes.count.out_of_range': 'Từ 1 đến 10.000 giải.',
    'f.prizes.amount.out_of_range': 'Trị giá từ 1 đồng đến 1.000 tỷ đồng.',
    'f.excluded.invalid_identity': 'Dòng {n} không phải số điện thoại di động hay số CCCD 12 chữ số.',
    'f.excluded.too_many': 'Tối đa 10.000 dòng.',
  },
  en: {
    c_when_hint: 'In the time zone above.',
    c_tz_hint: 'The time zone of the start and the end.',
    tz_vn: 'Vietnam time (GMT+7)', tz_bangkok: 'Bangkok, Thailand (GMT+7)', tz_singapore: 'Singapore (GMT+8)', tz_utc: 'Universal time UTC (GMT+0)',
    c_locked: 'Locked after publishing.',
    c_group_locked: 'Locked after publishing: these settings can no longer change.',
    c_pred_locked: 'Locked after publishing: whether there is a prediction, and the right figure. The question’s wording can still change.',
    c_prizes_locked: 'Locked after publishing: the number of prizes, their counts and amounts. The names can still change.',
    c_ends_later: 'The end can only move later (a longer contest), never earlier than published.',
    c_limit_odd: 'Now {t}. Leave empty to keep it, or enter new minutes.',
    'f.minutes': 'Enter whole minutes from 1 to 180.',
    'f.ends_at.earlier': 'The end can only move later than published.',
    'f.time_limit_seconds.out_of_range': '1 to 180 minutes.',
    'f.not_integer': 'Enter a whole number.',
    'f.excluded.invalid_identity': 'Line {n} is neither a mobile number nor a 12-digit national ID.',
    'f.ends_at.ends_before_start': 'The end must be after the start.',
    c_review: 'Let participants see the answers after the official results are published',
  },
});

const KEYS = ['score', 'prediction', 'duration', 'submitted_at'];
const DEFAULTS = {
  title: '', description: '', rules: '', timezone: 'Asia/Ho_Chi_Minh', starts_at: '', ends_at: '',
  questions_per_attempt: 20, time_limit_seconds: 600, max_attempts: 1, counted_attempt: 'best', grace_seconds: 15,
  prediction: { enabled: true, question: 'Dự đoán có bao nhiêu người tham gia trả lời đúng tất cả các câu hỏi?', actual: 'all_correct_participants' },
  tie_break: KEYS, prizes: [], excluded: [], status: 'draft', review_after_final: false,
};

// datetime-local inputs hold a wall-clock time; the API wants an instant with
// its offset in the contest's zone (which need not be the organiser's laptop's).
function wallClock(ms, timeZone) {
  const p = {};
  for (const x of new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(ms)) p[x.type] = x.value;
  return p;
}
function offsetMinutes(ms, tz) {
  const p = wallClock(ms, tz);
  return Math.round((Date.UTC(+p.year, p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - Math.floor(ms / 1000) * 1000) / 60000);
}
const two = (x) => String(Math.trunc(x)).padStart(2, '0');
function toInput(iso, tz) {
  if (!iso) return '';
  const p = wallClock(Date.parse(iso), tz);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}${p.second !== '00' ? `:${p.second}` : ''}`;
}
function fromInput(value, tz) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value || '');
  if (!m) return undefined;
  const [, y, mo, d, hh, mi, ss = '00'] = m;
  const guess = Date.UTC(+y, mo - 1, +d, +hh, +mi, +ss);
  let off = offsetMinutes(guess, tz);
  off = offsetMinutes(guess - off * 60000, tz); // right across a daylight-saving change
  const a = Math.abs(off);
  return `${y}-${mo}-${d}T${hh}:${mi}:${ss}${off < 0 ? '-' : '+'}${two(a / 60)}:${two(a % 60)}`;
}
// Readable choices; a zone set another way (the API) is kept as it is.
const ZONES = [['Asia/Ho_Chi_Minh', 'tz_vn'], ['Asia/Bangkok', 'tz_bangkok'], ['Asia/Singapore', 'tz_singapore'], ['UTC', 'tz_utc']];
function zoneOptions(current) {
  const list = ZONES.map(([z, k]) => [z, t(k)]);
  return ZONES.some(([z]) => z === current) ? list : [...list, [current, current]];
}
function validZone(tz) {
  try { new Intl.DateTimeFormat('en', { timeZone: tz }); return true; } catch { return false; }
}

/** The API body for a contest as stored, shaped as the form builds it (to find what changed). */
function bodyOf(c) {
  const tz = validZone(c.timezone) ? c.timezone : 'Asia/Ho_Chi_Minh';
  return {
    title: c.title, description: c.description, rules: c.rules, timezone: c.timezone,
    starts_at: fromInput(toInput(c.starts_at, tz), tz), ends_at: fromInput(toInput(c.ends_at, tz), tz),
    questions_per_attempt: c.questions_per_attempt, time_limit_seconds: c.time_limit_seconds, max_attempts: c.max_attempts,
    counted_attempt: c.counted_attempt, grace_seconds: c.grace_seconds,
    prediction: { enabled: c.prediction.enabled, question: c.prediction.question, actual: c.prediction.actual },
    tie_break: c.tie_break, prizes: c.prizes.map((p) => ({ name: p.name, count: p.count, amount: p.amount })),
    excluded: c.excluded || [],
    review_after_final: !!c.review_after_final,
  };
}

export default async function edit(ctx) {
  if (!await staffOnly(ctx)) return;
  const id = ctx.params[0];
  let c = id ? (await api.adminContest(id)).contest : structuredClone(DEFAULTS);
  ctx.setTitle(id ? c.title : t('create_title'));
  const msg = h('div');
  const tiers = c.prizes.map((p) => ({ ...p }));
  let order = [...c.tie_break, ...KEYS.filter((k) => !c.tie_break.includes(k))];
  const used = new Set(c.tie_break);
  const num = (name, label, value, extra = {}) => field({ label, name, value, inputmode: 'numeric', ...extra });
  // After publishing the fairness settings are locked: shown disabled, not refused on save.
  const published = !!id && c.status !== 'draft';
  // The time limit is typed in whole minutes; a limit set in odd seconds (the API) is
  // shown as a note and kept while the box stays empty.
  const oddLimit = c.time_limit_seconds % 60 !== 0;

  // Prize tiers: name, count, amount, with the amount read back in VND so a missing zero shows.
  const prizeBox = h('div');
  function drawPrizes() {
    mount(prizeBox, tiers.map((p, i) => {
      // "5.000.000" and "5000000" are both read as five million.
      const shown = () => { const n = Number(String(p.amount ?? '').replace(/[.,\s]/g, '')); return n > 0 ? vnd(n) : ' '; };
      const amount = num(`prizes[${i}].amount`, t('p_amount'), p.amount ?? '', { hint: shown(), disabled: published });
      const preview = amount.querySelector('.hint');
      amount.querySelector('input').addEventListener('input', (e) => { p.amount = e.target.value; preview.textContent = shown(); });
      return h('fieldset', { class: 'tier' }, h('legend', {}, t('p_tier', { n: i + 1 })),
        h('div', { class: 'row' },
          field({ label: t('p_name'), name: `prizes[${i}].name`, value: p.name ?? '', oninput: (e) => { p.name = e.target.value; } }),
          num(`prizes[${i}].count`, t('p_count'), p.count ?? '', { disabled: published, oninput: (e) => { p.count = e.target.value; } }),
          amount),
        published ? null : h('button', { type: 'button', class: 'secondary small', onclick: () => { tiers.splice(i, 1); drawPrizes(); } }, t('p_remove', { n: i + 1 })));
    }));
  }

  // Tie-break keys: tick to use, arrows to order.
  const keyList = h('ul', { class: 'keys' });
  function drawKeys(focusKey) {
    mount(keyList, order.map((k, i) => {
      const label = t(`k_${k}`);
      const move = (d) => { [order[i], order[i + d]] = [order[i + d], order[i]]; drawKeys(`${k}${d}`); };
      return h('li', {},
        h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: used.has(k), disabled: published, onchange: (e) => { if (e.target.checked) used.add(k); else used.delete(k); } }), `${i + 1}. ${label}`),
        h('button', { type: 'button', class: 'small secondary', 'data-move': `${k}-1`, 'aria-label': t('up', { k: label }), disabled: published || i === 0, onclick: () => move(-1) }, '↑'),
        h('button', { type: 'button', class: 'small secondary', 'data-move': `${k}1`, 'aria-label': t('down', { k: label }), disabled: published || i === order.length - 1, onclick: () => move(1) }, '↓'));
    }), h('li', { class: 'muted' }, `${order.length + 1}. ${t('k_draw')}`));
    if (focusKey) keyList.querySelector(`[data-move="${focusKey}"]`)?.focus();
  }

  const tz0 = validZone(c.timezone) ? c.timezone : 'Asia/Ho_Chi_Minh';
  const predOn = h('input', { type: 'checkbox', name: 'prediction.enabled', checked: c.prediction.enabled, disabled: published,
    onchange: (e) => { if (!e.target.checked) { used.delete('prediction'); drawKeys(); } } });
  const reviewOn = h('input', { type: 'checkbox', name: 'review_after_final', checked: !!c.review_after_final });
  const button = h('button', { type: 'submit' }, id ? t('save') : t('create'));
  const form = h('form', { novalidate: true },
    field({ label: t('c_title'), name: 'title', value: c.title, maxlength: 200 }),
    field({ label: t('c_description'), name: 'description', tag: 'textarea', value: c.description, rows: 3 }),
    field({ label: t('c_rules'), name: 'rules', tag: 'textarea', value: c.rules, rows: 6 }),
    h('fieldset', { class: 'group' }, h('legend', {}, t('c_window')),
      field({ label: t('c_timezone'), name: 'timezone', tag: 'select', value: c.timezone, options: zoneOptions(c.timezone), hint: t('c_tz_hint') }),
      h('div', { class: 'row' },
        field({ label: t('c_starts'), name: 'starts_at', type: 'datetime-local', step: 1, value: toInput(c.starts_at, tz0), hint: t('c_when_hint') }),
        field({ label: t('c_ends'), name: 'ends_at', type: 'datetime-local', step: 1, value: toInput(c.ends_at, tz0),
          min: published ? toInput(c.ends_at, tz0) : null, hint: published ? `${t('c_when_hint')} ${t('c_ends_later')}` : t('c_when_hint') }))),
    h('fieldset', { class: 'group' }, h('legend', {}, t('c_timing')),
      h('div', { class: 'row' },
        num('questions_per_attempt', t('c_qpa'), c.questions_per_attempt),
        num('time_limit_seconds', t('c_limit'), oddLimit ? '' : c.time_limit_seconds / 60,
          { hint: oddLimit ? t('c_limit_odd', { t: duration(c.time_limit_seconds * 1000) }) : t('c_limit_hint') }),
        num('max_attempts', t('c_max'), c.max_attempts)),
      h('div', { class: 'row' },
        field({ label: t('c_counted'), name: 'counted_attempt', tag: 'select', value: c.counted_attempt, options: [['best', t('c_best')], ['first', t('c_first')]] }),
        num('grace_seconds', t('c_grace'), c.grace_seconds, { hint: t('c_grace_hint') }))),
    h('fieldset', { class: 'group', 'data-field': 'prediction' }, h('legend', {}, t('c_prediction')),
      h('p', { class: 'err', id: 'err-prediction', hidden: true }),
      published ? h('p', { class: 'lock' }, t('c_pred_locked')) : null,
      h('label', { class: 'check' }, predOn, t('c_pred_on')),
      field({ label: t('c_pred_q'), name: 'prediction.question', value: c.prediction.question, maxlength: 500 }),
      field({ label: t('c_pred_actual'), name: 'prediction.actual', tag: 'select', value: c.prediction.actual,
        options: [['all_correct_participants', t('c_actual_all')], ['participants', t('c_actual_participants')]] })),
    h('fieldset', { class: 'group', 'data-field': 'tie_break' }, h('legend', {}, t('c_tie')),
      h('p', { class: 'hint' }, t('c_tie_hint')), published ? h('p', { class: 'lock' }, t('c_group_locked')) : null,
      h('p', { class: 'err', hidden: true }), keyList),
    h('fieldset', { class: 'group', 'data-field': 'prizes' }, h('legend', {}, t('c_prizes')),
      published ? h('p', { class: 'lock' }, t('c_prizes_locked')) : null,
      h('p', { class: 'err', hidden: true }), prizeBox,
      h('button', { type: 'button', class: 'secondary', disabled: published, onclick: () => { tiers.push({ name: '', count: 1, amount: '' }); drawPrizes(); prizeBox.querySelector('.tier:last-child input')?.focus(); } }, t('p_add'))),
    field({ label: t('c_excluded'), name: 'excluded', tag: 'textarea', value: (c.excluded || []).join('\n'), hint: t('c_excluded_hint'), rows: 4 }),
    h('div', { class: 'field', 'data-field': 'review_after_final' },
      h('label', { class: 'check' }, reviewOn, t('c_review')), h('p', { class: 'err', hidden: true })),
    h('div', { class: 'actions' }, button),
    msg);
  drawPrizes();
  drawKeys();
  if (published) {
    for (const name of ['timezone', 'starts_at', 'questions_per_attempt', 'time_limit_seconds', 'max_attempts', 'counted_attempt', 'grace_seconds', 'prediction.actual']) {
      lock(form.querySelector(`[data-field="${name}"]`));
    }
  }

  /** Disables a field's control and says why, under it (read out with the control). */
  function lock(box) {
    const control = box.querySelector(':scope > input, :scope > select, :scope > textarea');
    control.disabled = true;
    const note = h('p', { class: 'lock', id: `${control.id}-lock` }, t('c_locked'));
    control.after(note);
    control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), note.id].filter(Boolean).join(' '));
  }

  function read() {
    const v = (n) => form.elements[n].value;
    const bad = {};
    const int = (name, raw) => {
      const s = String(raw ?? '').replace(/[.,\s]/g, '');
      if (!/^\d+$/.test(s)) { bad[name] = { code: 'not_integer', message: t('f.not_integer') }; return null; }
      return Number(s);
    };
    const minutes = (name, raw) => {
      if (oddLimit && !String(raw).trim()) return c.time_limit_seconds; // left empty: kept as it is
      const m = int(name, raw);
      if (m != null && (m < 1 || m > 180)) { bad[name] = { code: 'minutes', message: t('f.minutes') }; return null; }
      return m == null ? null : m * 60;
    };
    const tz = v('timezone').trim() || 'Asia/Ho_Chi_Minh';
    const zone = validZone(tz) ? tz : 'Asia/Ho_Chi_Minh';
    const body = {
      title: v('title').trim(), description: v('description'), rules: v('rules'), timezone: tz,
      starts_at: fromInput(v('starts_at'), zone), ends_at: fromInput(v('ends_at'), zone),
      questions_per_attempt: int('questions_per_attempt', v('questions_per_attempt')),
      time_limit_seconds: minutes('time_limit_seconds', v('time_limit_seconds')),
      max_attempts: int('max_attempts', v('max_attempts')),
      counted_attempt: v('counted_attempt'),
      grace_seconds: int('grace_seconds', v('grace_seconds')),
      prediction: { enabled: predOn.checked, question: v('prediction.question').trim(), actual: v('prediction.actual') },
      tie_break: order.filter((k) => used.has(k)),
      prizes: tiers.map((p, i) => ({ name: String(p.name ?? '').trim(), count: int(`prizes[${i}].count`, p.count), amount: int(`prizes[${i}].amount`, p.amount) })),
      excluded: v('excluded').split(/\r?\n/).map((x) => x.trim()).filter(Boolean),
      review_after_final: reviewOn.checked,
    };
    // A published contest's end may only move later; the box's min says so too.
    // (Compared as the box holds it, to the second: the stored end may carry milliseconds.)
    if (published && body.ends_at && Date.parse(body.ends_at) < Date.parse(bodyOf(c).ends_at)) bad.ends_at = { code: 'earlier', message: t('f.ends_at.earlier') };
    return { body, bad };
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    say(msg);
    const { body, bad } = read();
    if (Object.keys(bad).length) { showFieldErrors(form, bad); say(msg, 'error', t('check_fields')); return; }
    busy(button, async () => {
      try {
        if (!id) {
          const { contest } = await api.createContest(body);
          return ctx.navigate(`/manage/${contest.id}/questions?created=1`);
        }
        // Send only what changed: a published contest refuses changes to the rest.
        const before = bodyOf(c);
        const patch = {};
        for (const k of Object.keys(body)) if (JSON.stringify(body[k]) !== JSON.stringify(before[k])) patch[k] = body[k];
        c = (await api.editContest(id, patch)).contest;
        say(msg, 'ok', t('saved_ok'));
      } catch (err) {
        if (err.fields) {
          const fields = err.code === 'contest_published' || err.code === 'contest_finalized'
            ? Object.fromEntries(Object.keys(err.fields).map((k) => [k, { code: err.code, message: t(`e.${err.code}`) }]))
            : err.fields;
          const orphans = showFieldErrors(form, fields);
          say(msg, 'error', orphans.length ? orphans.join(' ') : t('check_fields'));
        } else {
          say(msg, 'error', errorText(err));
        }
      }
    });
  });

  mount(ctx.main,
    h('h1', { tabindex: -1 }, id ? c.title : t('create_title')),
    id ? tabs(id, 'settings') : null,
    c.status && c.status !== 'draft' ? h('p', { class: 'notice' }, t(c.status === 'finalized' ? 'e.contest_finalized' : 'published_note')) : null,
    form);
}
