// Register (phone first: a code by SMS, then the details) and sign in; the
// steps and the code box are shared with the reset screen (screens/reset.js).
// Errors are shown at their field, in the reader's language.
import * as api from '../api.js';
import { h, mount, field, showFieldErrors, clearErrors, say, busy, notice } from '../dom.js';
import { t, errorText, waitText, clock, addStrings } from '../i18n.js';

// The texts of registering, signing in and the address live here, not in
// i18n.js, so that a phone reading the contest list does not download them
// (their English is in en.js, which loads only when English is chosen).
addStrings({
  vi: {
    register_title: 'Đăng ký dự thi',
    login_title: 'Đăng nhập',
    phone: 'Số điện thoại di động',
    phone_hint: 'Ví dụ: 0912345678',
    password: 'Mật khẩu',
    password_hint: 'Ít nhất 8 ký tự. Tránh mật khẩu dễ đoán như 12345678.',
    new_password: 'Mật khẩu mới',
    show_password: 'Hiện mật khẩu',
    full_name: 'Họ và tên',
    full_name_hint: 'Ghi đúng như trên thẻ căn cước để nhận giải.',
    address: 'Địa chỉ',
    address_hint: 'Dùng khi công bố kết quả và trao giải.',
    province: 'Tỉnh/Thành phố',
    commune: 'Xã/Phường/Đặc khu',
    choose_province: '— Chọn tỉnh/thành phố —',
    commune_hint: 'Gõ vài chữ trong tên, có dấu hay không dấu đều được (ví dụ: my tho), rồi chạm vào tên cần chọn.',
    commune_first: 'Vui lòng chọn tỉnh/thành phố trước.',
    commune_n: 'Tìm thấy {n} kết quả.',
    commune_none: 'Không tìm thấy xã/phường nào có tên như vậy trong tỉnh/thành phố đã chọn.',
    commune_chosen: 'Đã chọn: {name}.',
    commune_all: 'Xem tất cả {n} kết quả',
    places_failed: 'Không tải được danh sách đơn vị hành chính.',
    hamlet: 'Ấp/khóm/thôn, số nhà, đường',
    national_id: 'Số căn cước (12 chữ số)',
    dob: 'Ngày sinh',
    id_hint: 'Có thể cần khi nhận giải.',
    submit_register: 'Đăng ký',
    submit_login: 'Đăng nhập',
    no_account: 'Chưa có tài khoản?',
    registered: 'Đăng ký thành công. Chào mừng {name}!',
    // steps, and the code a text message brings
    step: 'Bước {i}/{n}: {name}',
    step_phone: 'Số điện thoại',
    step_code: 'Mã xác thực',
    step_details: 'Thông tin dự thi',
    step_new_password: 'Mã xác thực và mật khẩu mới',
    send_code_intro: 'Chúng tôi sẽ gửi mã gồm 6 chữ số qua tin nhắn đến số này để xác nhận số điện thoại là của bạn.',
    send_code: 'Gửi mã',
    code_sent_register: 'Nếu số {phone} chưa có tài khoản, bạn sẽ nhận được tin nhắn có mã 6 chữ số trong vài phút. Mã có hiệu lực trong {m} phút.',
    no_code_register: 'Nếu số này đã có tài khoản, hệ thống sẽ không gửi mã: hãy đăng nhập, hoặc chọn “Quên mật khẩu?”.',
    otp: 'Mã xác thực (6 chữ số)',
    otp_hint: 'Mã nằm ở đầu tin nhắn, ví dụ 123456.',
    otp_hint_staff: 'Mã cán bộ đọc cho bạn, ví dụ 123 456.',
    send_sms: 'Gửi mã qua tin nhắn',
    continue: 'Tiếp tục',
    resend: 'Gửi lại mã',
    resend_in: 'Có thể gửi lại mã sau {t}.',
    code_resent: 'Đã gửi mã mới. Hãy nhập mã trong tin nhắn mới nhất.',
    code_wait: 'Chưa thể gửi mã mới. Vui lòng đợi {wait} rồi thử lại.',
    enter_code: 'Nhập mã đã nhận',
    change_phone: 'Đổi số điện thoại',
    back: 'Quay lại bước trước',
    forgot: 'Quên mật khẩu?',
    oidc_login: 'Đăng nhập bằng {name}',
    or: 'hoặc',
    'e.invalid_credentials': 'Số điện thoại hoặc mật khẩu không đúng.',
    'e.sms_unavailable': 'Hiện chưa gửi được tin nhắn. Vui lòng thử lại sau {wait}.',
    'e.otp_wrong': 'Mã xác thực không đúng, còn {n} lần thử.',
    'e.otp_expired': 'Mã xác thực đã hết hạn. Hãy bấm “Gửi lại mã” để nhận mã mới.',
    'e.otp_exhausted': 'Đã nhập sai mã quá số lần cho phép. Hãy bấm “Gửi lại mã” để nhận mã mới.',
    'e.otp_missing': 'Số này chưa có mã xác thực còn hiệu lực. Hãy bấm “Gửi lại mã” để nhận mã mới.',
    // a box left empty is told before anything is sent (the server says the same)
    'f.phone.required': 'Vui lòng nhập số điện thoại.',
    'f.password.required': 'Vui lòng nhập mật khẩu.',
    'f.new_password.required': 'Vui lòng nhập mật khẩu mới.',
    'f.current_password.required': 'Vui lòng nhập mật khẩu hiện tại.',
    'f.full_name.required': 'Vui lòng nhập họ và tên.',
    'f.otp.required': 'Vui lòng nhập mã xác thực.',
    'f.address.province_code.required': 'Vui lòng chọn tỉnh/thành phố.',
    'f.address.commune_code.required': 'Vui lòng chọn xã/phường.',
    'f.address.hamlet.required': 'Vui lòng nhập ấp/khóm/thôn, số nhà, đường.',
    'f.phone.invalid_phone': 'Số điện thoại di động không hợp lệ (ví dụ 0912345678).',
    'f.phone.duplicate': 'Số điện thoại này đã được đăng ký. Hãy đăng nhập.',
    'f.national_id.duplicate': 'Số căn cước này đã được đăng ký.',
    'f.national_id.invalid_national_id': 'Số căn cước gồm 12 chữ số.',
    'f.date_of_birth.invalid_date': 'Ngày sinh không hợp lệ.',
    'f.password.too_short': 'Mật khẩu cần ít nhất 8 ký tự.',
    'f.password.too_long': 'Mật khẩu tối đa 128 ký tự.',
    'f.password.too_common': 'Mật khẩu này quá phổ biến, hãy chọn mật khẩu khác.',
    'f.full_name.invalid_name': 'Họ và tên cần từ 2 đến 100 ký tự.',
    'f.new_password.too_short': 'Mật khẩu cần ít nhất 8 ký tự.',
    'f.new_password.too_long': 'Mật khẩu tối đa 128 ký tự.',
    'f.new_password.too_common': 'Mật khẩu này quá phổ biến, hãy chọn mật khẩu khác.',
    'f.current_password.wrong_password': 'Mật khẩu hiện tại không đúng.',
    'f.otp.invalid_otp': 'Mã xác thực gồm 6 chữ số.',
    'f.address.province_code.unknown_province': 'Vui lòng chọn tỉnh/thành phố.',
    'f.address.commune_code.unknown_commune': 'Vui lòng gõ tên rồi chọn xã/phường trong danh sách.',
    'f.address.commune_code.commune_not_in_province': 'Xã/phường này không thuộc tỉnh/thành phố đã chọn. Vui lòng chọn lại.',
  },
});

// Only paths inside the app are followed after signing in (no open redirect).
export function nextPath(query) {
  const n = query.get('next') || '/';
  return n.startsWith('/') && !n.startsWith('//') ? n : '/';
}

export function passwordField(autocomplete, hint, name = 'password', label = t('password')) {
  const f = field({ label, name, type: 'password', autocomplete, required: true, hint, minlength: 8, maxlength: 128 });
  const input = f.querySelector('input');
  const toggle = h('input', { type: 'checkbox', onchange: () => { input.type = toggle.checked ? 'text' : 'password'; } });
  f.append(h('label', { class: 'check' }, toggle, t('show_password')));
  return f;
}

export const phoneField = (value = '') => field({ label: t('phone'), name: 'phone', type: 'tel', inputmode: 'tel', autocomplete: 'tel', required: true, hint: t('phone_hint'), value });

/** The boxes among `names` left empty, as a 422 would name them: told at once, nothing sent. */
export function empty(form, names) {
  const out = {};
  for (const n of names) if (!form.elements[n]?.value.trim()) out[n] = { code: 'required' };
  return out;
}

/** Runs `work` for a one-step form, unless a box of `required` is empty; errors go to their fields. */
export async function handle(form, msg, button, work, required = []) {
  clearErrors(form);
  say(msg);
  const missing = empty(form, required);
  if (Object.keys(missing).length) {
    showFieldErrors(form, missing);
    // One box: its own message, read out with the focus, says it all.
    return Object.keys(missing).length > 1 ? say(msg, 'error', t('check_fields')) : undefined;
  }
  await busy(button, async () => {
    try {
      await work();
    } catch (err) {
      if (err.fields) {
        const orphans = showFieldErrors(form, err.fields);
        say(msg, 'error', orphans.length ? orphans.join(' ') : t('check_fields'));
        // Focus stays on the first field at fault (set by showFieldErrors).
      } else {
        say(msg, 'error', errorText(err));
      }
    }
  });
}

/** `flash`: a message for the next screen (shown under its heading by app.js). */
export function signedIn(ctx, user, flash = null) {
  ctx.session.user = user;
  ctx.refreshNav();
  // Staff who signed in from the front page are taken to their own screens.
  const next = nextPath(ctx.query);
  ctx.navigate(user.role !== 'participant' && next === '/' ? '/manage' : next, { replace: true, state: flash && { flash } });
}

/**
 * "Đăng nhập bằng <ứng dụng công dân>" and an "hoặc" under it, when the server
 * offers it; nothing when it does not, or cannot say (the password form still
 * works). A plain link, not a call: the provider's own sign-in page comes next.
 */
export async function citizenApp(query) {
  let oidc = null;
  try { ({ oidc } = await api.authMethods()); } catch { /* offline, or a server without it: passwords only */ }
  if (!oidc) return null;
  const url = oidc.login_url;
  const href = `${url}${url.includes('?') ? '&' : '?'}next=${encodeURIComponent(nextPath(query))}`;
  return [h('a', { class: 'button block', href }, t('oidc_login', { name: oidc.display_name })), h('p', { class: 'or' }, t('or'))];
}

export async function loginScreen(ctx) {
  const { main, query, setTitle, state } = ctx;
  setTitle(t('login_title'));
  // Asked while the form is built, and awaited before showing it: a button
  // that appeared later would push the form down under the person's thumb.
  const app = citizenApp(query);
  const msg = h('div');
  const button = h('button', { type: 'submit', class: 'block' }, t('submit_login'));
  // The phone typed so far goes along to the reset screen (in memory, not in the address).
  const forgot = h('a', { href: `/reset?next=${encodeURIComponent(nextPath(query))}`, onclick: (e) => {
    e.preventDefault();
    ctx.navigate(forgot.getAttribute('href'), { state: { phone: form.elements.phone.value.trim() } });
  } }, t('forgot'));
  const form = h('form', { novalidate: true },
    phoneField(state?.phone),
    passwordField('current-password'),
    h('p', {}, forgot),
    button);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = (n) => form.elements[n].value;
    handle(form, msg, button, async () => signedIn(ctx, (await api.login(v('phone'), v('password'))).user), ['phone', 'password']);
  });
  if (state?.notice) say(msg, 'ok', state.notice);
  mount(main, h('h1', { tabindex: -1 }, t('login_title')), await app, msg, form,
    h('p', {}, t('no_account'), ' ', h('a', { href: `/register?next=${encodeURIComponent(nextPath(query))}` }, t('register'))));
}

// --- steps, and the code a text message brings ---

/** A step of a screen: its own heading, which takes the focus when the step is shown. */
export function step(i, n, name, ...children) {
  return h('section', { hidden: i > 1 }, h('h2', { tabindex: -1 }, t('step', { i, n, name: t(name) })), children);
}

/** Shows one step, hides the others; a step change clears the screen's message. */
export function stepper(sections, msg) {
  return (i, focus = true) => {
    say(msg);
    sections.forEach((s, k) => { s.hidden = k !== i; });
    if (focus) sections[i].querySelector('h2').focus();
  };
}

// Refusals that mean "this code is gone, ask for another".
const GONE = ['otp_expired', 'otp_exhausted', 'otp_missing'];

/**
 * The box for the code, and "Gửi lại mã" with a visible countdown first (the
 * server refuses a new code sooner anyway, and says so with Retry-After).
 */
export function codeBox(ctx, purpose, phone, msg) {
  const box = field({ label: t('otp'), name: 'otp', class: 'otp', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 7, required: true, hint: t('otp_hint') });
  const input = box.querySelector('input');
  const wait = h('p', { class: 'muted' });
  let until = 0, sending = false;
  const resend = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    sending = true;
    tick();
    try {
      started(await api.requestCode(phone(), purpose));
      input.value = '';
      clearErrors(box);
      say(msg, 'ok', t('code_resent'));
    } catch (err) {
      if (err.code === 'rate_limited' && err.retryAfter) until = Date.now() + err.retryAfter * 1000;
      say(msg, 'error', requestError(err));
    } finally {
      sending = false;
      tick();
    }
  } }, t('resend'));
  function tick() {
    const left = until - Date.now();
    resend.disabled = sending || left > 0;
    wait.textContent = left > 0 ? t('resend_in', { t: clock(left) }) : '';
    wait.hidden = left <= 0;
  }
  const timer = setInterval(tick, 1000);
  ctx.onLeave(() => clearInterval(timer));
  /** A code was just sent: the server's answer says when another may be asked for. */
  function started(r) {
    until = Date.now() + (r.resend_after || 0) * 1000;
    tick();
  }
  return {
    field: box,
    resend: h('div', { class: 'resend' }, wait, resend),
    /** The code came by SMS, or (`official`) is read out by an official: the texts say which. */
    by(official) {
      resend.textContent = t(official ? 'send_sms' : 'resend'); // with a code from an official, none was sent yet
      box.querySelector('.hint').textContent = t(official ? 'otp_hint_staff' : 'otp_hint');
    },
    started,
    waiting: () => until > Date.now(),
    /** The code as the server wants it (spaces dropped), or null after marking the box. */
    value() {
      const v = input.value.replace(/\s+/g, '');
      if (/^\d{6}$/.test(v)) return v;
      showFieldErrors(box.parentNode, { otp: { code: v ? 'invalid_otp' : 'required' } });
      return null;
    },
    clear() { input.value = ''; clearErrors(box); },
    /** Shows a refused code at the box; false when `err` is about something else. */
    refused(err) {
      if (err.code !== 'otp_wrong' && !GONE.includes(err.code)) return false;
      if (err.code !== 'otp_wrong') input.value = ''; // it can never pass now: room for the new one
      showFieldErrors(box.parentNode, { otp: { code: err.code, message: errorText(err) } });
      return true;
    },
  };
}

/** The message for a failed code request. */
export function requestError(err) {
  return err.code === 'rate_limited' ? t('code_wait', { wait: waitText(err) }) : errorText(err);
}

/**
 * A 422 of the final step can concern any step: each message goes to its field,
 * and the first step with a field at fault is shown, that field focused.
 */
export function fieldsAcross(root, sections, go, msg, fields) {
  const orphans = showFieldErrors(root, fields);
  const bad = root.querySelector('[aria-invalid]');
  go(bad ? sections.findIndex((s) => s.contains(bad)) : sections.length - 1, false);
  bad?.focus();
  // One box at fault: its own message, read out with the focus, says it all.
  if (orphans.length || root.querySelectorAll('[aria-invalid]').length > 1) say(msg, 'error', orphans.length ? orphans.join(' ') : t('check_fields'));
}

export async function registerScreen(ctx) {
  const { main, query, setTitle } = ctx;
  setTitle(t('register_title'));
  const app = citizenApp(query); // the citizen app makes an account too, with fewer steps
  const msg = h('div');
  const login = `/login?next=${encodeURIComponent(nextPath(query))}`;
  let phone = ''; // the number the code was sent to

  // Step 1: the phone, and a code sent to it.
  const send = h('button', { type: 'submit', class: 'block' }, t('send_code'));
  const form1 = h('form', { novalidate: true }, h('p', {}, t('send_code_intro')), phoneField(), send);

  // Step 2: the code. It is checked with the registration, not before: a
  // wrong one brings the person back here with the details kept.
  const code = codeBox(ctx, 'register', () => phone, msg);
  const sentTo = h('p', {});
  const form2 = h('form', { novalidate: true }, sentTo,
    h('p', { class: 'hint' }, t('no_code_register'), ' ', h('a', { href: login }, t('login')), ' · ', h('a', { href: '/reset' }, t('forgot'))),
    code.field, h('button', { type: 'submit', class: 'block' }, t('continue')));

  // Step 3: who and where. The address lists (places.js, then the provinces)
  // are fetched once a code was asked for: many who open this screen only read it.
  const addressSlot = h('div');
  let address = null, loadingAddress = null;
  function loadAddress() {
    loadingAddress ??= import('../places.js').then(({ addressFields }) => {
      address = addressFields();
      addressSlot.replaceWith(address.el);
    }, (err) => {
      loadingAddress = null; // tried again at the next step or tap
      mount(addressSlot, notice('error', t('places_failed'), ' ',
        h('button', { type: 'button', class: 'link', onclick: () => loadAddress().catch(() => {}) }, t('retry'))));
      throw err;
    });
    return loadingAddress;
  }
  const submit = h('button', { type: 'submit', class: 'block' }, t('submit_register'));
  const form3 = h('form', { novalidate: true },
    field({ label: t('full_name'), name: 'full_name', autocomplete: 'name', required: true, hint: t('full_name_hint'), maxlength: 100 }),
    passwordField('new-password', t('password_hint')),
    addressSlot,
    field({ label: t('national_id'), name: 'national_id', inputmode: 'numeric', optional: true, hint: t('id_hint'), maxlength: 14 }),
    field({ label: t('dob'), name: 'date_of_birth', type: 'date', optional: true, autocomplete: 'bday' }),
    submit);

  const sections = [
    step(1, 3, 'step_phone', form1),
    step(2, 3, 'step_code', form2, code.resend, h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => go(0) }, t('change_phone')))),
    step(3, 3, 'step_details', form3, h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => go(1) }, t('back')))),
  ];
  const root = h('div', {}, sections);
  const go = stepper(sections, msg);

  function toCode(number, r) {
    if (number !== phone) code.clear();
    phone = number;
    sentTo.textContent = t('code_sent_register', { phone, m: Math.round((r?.expires_in || 300) / 60) });
    go(1);
    loadAddress().catch(() => {}); // while the text message is on its way
  }

  form1.addEventListener('submit', (e) => {
    e.preventDefault();
    const number = form1.elements.phone.value.trim();
    // Back from step 2 with the same number while its code is fresh: no second message.
    if (number === phone && code.waiting()) return go(1);
    clearErrors(form1);
    say(msg);
    if (!number) return fieldsAcross(form1, [sections[0]], go, msg, empty(form1, ['phone']));
    busy(send, async () => {
      try {
        const r = await api.requestCode(number, 'register');
        code.started(r);
        toCode(number, r);
      } catch (err) {
        if (err.fields) return fieldsAcross(form1, [sections[0]], go, msg, err.fields);
        // Asked again too soon (a reload, a second tap): the first code may well have arrived.
        const have = err.code === 'rate_limited'
          ? [' ', h('button', { type: 'button', class: 'link', onclick: () => { code.started({ resend_after: err.retryAfter }); toCode(number); } }, t('enter_code'))]
          : null;
        say(msg, 'error', requestError(err), have);
      }
    });
  });

  form2.addEventListener('submit', (e) => {
    e.preventDefault();
    say(msg);
    if (code.value()) go(2);
  });

  form3.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = (n) => form3.elements[n].value.trim();
    const otp = code.value();
    if (!otp) { // the code box was left with something else than six digits
      go(1, false);
      return form2.elements.otp.focus();
    }
    clearErrors(root);
    say(msg);
    busy(submit, async () => {
      try {
        if (!address) await loadAddress();
        const place = address.value(); // first: a name typed to a single match counts as chosen
        const missing = { ...empty(form3, ['full_name', 'password']), ...address.missing(), ...empty(form3, ['address.hamlet']) };
        if (Object.keys(missing).length) return fieldsAcross(root, sections, go, msg, missing);
        const body = {
          phone, password: form3.elements.password.value, full_name: v('full_name'),
          address: { ...place, hamlet: v('address.hamlet') },
          national_id: v('national_id') || null, date_of_birth: v('date_of_birth') || null, otp,
        };
        const { user } = await api.register(body);
        signedIn(ctx, user, t('registered', { name: user.full_name }));
      } catch (err) {
        if (code.refused(err)) {
          go(1, false);
          form2.elements.otp.focus();
        } else if (err.fields) {
          fieldsAcross(root, sections, go, msg, { ...address.missing(), ...err.fields });
        } else {
          say(msg, 'error', err instanceof api.ApiError ? errorText(err) : t('places_failed'));
        }
      }
    });
  });

  mount(main, h('h1', { tabindex: -1 }, t('register_title')), await app, msg, root,
    h('p', {}, t('have_account'), ' ', h('a', { href: login }, t('login'))));
}
