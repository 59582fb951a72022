// Finishing a sign-in through the province's citizen app (OpenID Connect). The
// server sends people here when the app did not tell everything an account
// needs: only what is missing is asked (a name, a phone proved by SMS as in
// registration, an address). Someone who already has an account links it with
// its password instead. Its own module: most citizens never come here.
import * as api from '../api.js';
import { h, mount, field, clearErrors, say, busy } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { addressFields } from '../places.js';
import {
  nextPath, signedIn, handle, phoneField, passwordField, step, stepper, codeBox, requestError, fieldsAcross, empty,
} from './auth.js';

addStrings({
  vi: {
    oidc_title: 'Hoàn tất đăng nhập bằng {name}',
    oidc_hello: 'Xin chào {name}!',
    oidc_intro: 'Bạn đã đăng nhập qua {app}. Để dự thi, bạn chỉ cần bổ sung vài thông tin còn thiếu dưới đây.',
    oidc_intro_none: 'Bạn đã đăng nhập qua {app}. Bấm “Hoàn tất” để vào trang dự thi.',
    oidc_phone_unverified: 'Số điện thoại trong {app} chưa được xác thực. Chúng tôi sẽ gửi mã gồm 6 chữ số qua tin nhắn đến số này để xác nhận số điện thoại là của bạn.',
    oidc_no_code: 'Nếu số này đã có tài khoản, hệ thống sẽ không gửi mã: hãy dùng “Liên kết bằng mật khẩu” ở cuối trang.',
    submit_complete: 'Hoàn tất',
    oidc_link: 'Liên kết bằng mật khẩu',
    oidc_link_title: 'Liên kết với tài khoản đã có',
    oidc_link_intro: 'Nhập số điện thoại và mật khẩu của tài khoản bạn đã đăng ký. Từ lần sau, đăng nhập bằng {app} là vào thẳng tài khoản này.',
    oidc_already: 'Số {phone} đã có tài khoản dự thi. Hãy nhập mật khẩu của tài khoản đó để liên kết.',
    submit_link: 'Liên kết và đăng nhập',
    oidc_link_back: 'Chưa có tài khoản? Quay lại bổ sung thông tin',
    oidc_gone_title: 'Phiên đăng nhập đã hết hạn',
    oidc_gone: 'Thông tin từ ứng dụng công dân chỉ được giữ 30 phút để bạn hoàn tất đăng nhập. Vui lòng đăng nhập lại.',
    login_again: 'Đăng nhập lại',
    'e.oidc_staff': 'Tài khoản ban tổ chức chỉ đăng nhập bằng mật khẩu, không liên kết với ứng dụng công dân.',
  },
});

export default async function completeScreen(ctx) {
  let pending;
  try {
    pending = await api.oidcSignup();
  } catch (err) {
    if (err.status !== 404) throw err;
    return gone(ctx);
  }
  const { main, setTitle } = ctx;
  const app = pending.display_name;
  const needs = new Set(pending.needs);
  setTitle(t('oidc_title', { name: app }));
  const msg = h('div');

  const signup = signupSteps(ctx, pending, msg, (number) => showLink(true, number, true));
  // Always offered: the person may have registered with a password before.
  const toLink = h('p', {}, t('have_account'), ' ',
    h('button', { type: 'button', class: 'link', onclick: () => showLink(true, signup.phone()) }, t('oidc_link')));
  const link = linkForm(ctx, msg, app, () => showLink(false));

  /** `refused`: sent here because the number already has an account. */
  function showLink(on, number, refused = false) {
    say(msg);
    signup.el.hidden = on;
    toLink.hidden = on;
    link.el.hidden = !on;
    if (!on) return main.querySelector('h1').focus();
    link.show(number);
    if (refused) say(msg, 'warn', t('oidc_already', { phone: number }));
  }

  mount(main,
    h('h1', { tabindex: -1 }, t('oidc_title', { name: app })),
    pending.full_name ? h('p', {}, t('oidc_hello', { name: pending.full_name })) : null,
    h('p', {}, t(needs.size ? 'oidc_intro' : 'oidc_intro_none', { app })),
    given(pending, needs),
    msg, signup.el, toLink, link.el);
}

/** "+84912345678", as an app may write it, the way people here write it: "0912345678". */
const local = (phone) => phone && phone.replace(/^\+84(?=\d{9}$)/, '0');

/** Nothing to finish: the 30 minutes have passed, or it was finished already. */
function gone(ctx) {
  ctx.setTitle(t('oidc_gone_title'));
  mount(ctx.main,
    h('h1', { tabindex: -1 }, t('oidc_gone_title')),
    h('p', {}, t('oidc_gone')),
    h('p', {}, h('a', { class: 'button', href: `/login?next=${encodeURIComponent(nextPath(ctx.query))}` }, t('login_again'))));
  ctx.main.querySelector('h1').focus();
}

/** What the citizen app told and is not asked again, so the person sees which account this makes. */
function given(pending, needs) {
  const a = pending.address;
  const place = a && [a.hamlet, a.commune, a.district, a.province].filter((x) => x && x !== '-').join(', ');
  const rows = [
    ['full_name', pending.full_name],
    ['phone', pending.phone_verified && local(pending.phone)],
    ['address', place],
  ].filter(([name, value]) => value && !needs.has(name));
  if (!rows.length) return null;
  return h('dl', { class: 'facts stack' }, rows.map(([name, value]) => [h('dt', {}, t(name)), h('dd', {}, value)]));
}

/**
 * The steps for what `needs` lists: the phone and its code first (as in
 * registration), then the name and address; one form without step headings
 * when only those are missing. `toLink(phone)`: the phone has an account.
 */
function signupSteps(ctx, pending, msg, toLink) {
  const needs = new Set(pending.needs);
  const askPhone = needs.has('phone');
  const parts = []; // [step name, …its content]
  const out = { phone: () => local(pending.phone) || '' };
  let phone = ''; // the number the code was sent to
  let form1, form2, send, code, sentTo;

  if (askPhone) {
    // An unproved number from the app is offered, but must be proved here.
    send = h('button', { type: 'submit', class: 'block' }, t('send_code'));
    form1 = h('form', { novalidate: true },
      h('p', {}, t(pending.phone ? 'oidc_phone_unverified' : 'send_code_intro', { app: pending.display_name })), phoneField(local(pending.phone) || ''), send);
    code = codeBox(ctx, 'register', () => phone, msg);
    sentTo = h('p', {});
    form2 = h('form', { novalidate: true }, sentTo, h('p', { class: 'hint' }, t('oidc_no_code')), code.field);
    parts.push(['step_phone', form1]);
    parts.push(['step_code', form2, code.resend,
      h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => go(0) }, t('change_phone')))]);
    out.phone = () => phone || form1.elements.phone.value.trim();
  }

  const details = needs.has('full_name') || needs.has('address');
  const address = needs.has('address') ? addressFields(pending.address || {}) : null;
  const submit = h('button', { type: 'submit', class: 'block' }, t('submit_complete'));
  let form3 = null;
  if (details || !askPhone) {
    form3 = h('form', { novalidate: true },
      needs.has('full_name')
        ? field({ label: t('full_name'), name: 'full_name', autocomplete: 'name', required: true, hint: t('full_name_hint'), maxlength: 100, value: pending.full_name || null })
        : null,
      address?.el, submit);
    parts.push(['step_details', form3, askPhone ? h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => go(1) }, t('back'))) : null]);
  }
  // The code is checked with the last step, not before; when nothing follows it, it finishes.
  form2?.append(form3 ? h('button', { type: 'submit', class: 'block' }, t('continue')) : submit);

  const n = parts.length;
  const sections = parts.map(([name, ...content], i) => (n > 1 ? step(i + 1, n, name, ...content) : h('section', {}, content)));
  const root = h('div', {}, sections);
  const go = stepper(sections, msg);
  out.el = root;

  function toCode(number, r) {
    if (number !== phone) code.clear();
    phone = number;
    sentTo.textContent = t('code_sent_register', { phone, m: Math.round((r?.expires_in || 300) / 60) });
    go(1);
  }

  form1?.addEventListener('submit', (e) => {
    e.preventDefault();
    const number = form1.elements.phone.value.trim();
    if (number === phone && code.waiting()) return go(1); // back with the same number: no second message
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
        const have = err.code === 'rate_limited'
          ? [' ', h('button', { type: 'button', class: 'link', onclick: () => { code.started({ resend_after: err.retryAfter }); toCode(number); } }, t('enter_code'))]
          : null;
        say(msg, 'error', requestError(err), have);
      }
    });
  });

  form2?.addEventListener('submit', (e) => {
    e.preventDefault();
    say(msg);
    if (form3) { if (code.value()) go(2); } else finish();
  });

  form3?.addEventListener('submit', (e) => {
    e.preventDefault();
    finish();
  });

  /** Only what `needs` lists is sent: the server refuses anything else. */
  function finish() {
    const body = {};
    if (askPhone) {
      const otp = code.value();
      if (!otp) { // the code box was left with something else than six digits
        go(1, false);
        return form2.elements.otp.focus();
      }
      Object.assign(body, { phone, otp });
    }
    if (needs.has('full_name')) body.full_name = form3.elements.full_name.value.trim();
    if (address) body.address = { ...address.value(), hamlet: form3.elements['address.hamlet'].value.trim() };
    clearErrors(root);
    say(msg);
    // Empty boxes are told at once (after address.value(), which may pick the one match typed).
    const missing = form3
      ? { ...empty(form3, needs.has('full_name') ? ['full_name'] : []), ...address?.missing(), ...empty(form3, address ? ['address.hamlet'] : []) }
      : {};
    if (Object.keys(missing).length) return fieldsAcross(root, sections, go, msg, missing);
    return busy(submit, async () => {
      try {
        const { user } = await api.completeOidcSignup(body);
        signedIn(ctx, user, t('registered', { name: user.full_name })); // an account was made: say so
      } catch (err) {
        if (err.status === 404) {
          gone(ctx);
        } else if (err.code === 'already_registered') {
          toLink(phone);
        } else if (askPhone && code.refused(err)) {
          go(1, false);
          form2.elements.otp.focus();
        } else if (err.fields) {
          fieldsAcross(root, sections, go, msg, { ...address?.missing(), ...err.fields });
        } else {
          say(msg, 'error', errorText(err));
        }
      }
    });
  }

  return out;
}

/** The phone and password of an existing account: the citizen-app identity is joined to it. */
function linkForm(ctx, msg, app, back) {
  const button = h('button', { type: 'submit', class: 'block' }, t('submit_link'));
  const form = h('form', { novalidate: true }, phoneField(), passwordField('current-password'), button);
  const heading = h('h2', { tabindex: -1 }, t('oidc_link_title'));
  const el = h('section', { hidden: true }, heading, h('p', {}, t('oidc_link_intro', { app })), form,
    h('p', {}, h('button', { type: 'button', class: 'link', onclick: back }, t('oidc_link_back'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = (n) => form.elements[n].value;
    handle(form, msg, button, async () => {
      let user;
      try {
        ({ user } = await api.linkOidc(v('phone').trim(), v('password')));
      } catch (err) {
        if (err.status === 404) return gone(ctx);
        // A staff account, whatever the code says: the reason is always this one.
        if (err.status === 403) return say(msg, 'error', t('e.oidc_staff'));
        throw err;
      }
      signedIn(ctx, user);
    }, ['phone', 'password']);
  });
  return {
    el,
    /** With the number already known, the password is what is left to type. */
    show(number) {
      clearErrors(form);
      if (number) form.elements.phone.value = number;
      (number ? form.elements.password : heading).focus();
    },
  };
}
