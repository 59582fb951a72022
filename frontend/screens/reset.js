// A forgotten password: the phone, then a code (by SMS, or one an official read
// out by telephone) with the new password. Its own module, so that registering
// citizens do not download it.
import * as api from '../api.js';
import { h, mount, showFieldErrors, clearErrors, say, busy } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { nextPath, phoneField, passwordField, step, stepper, codeBox, requestError, fieldsAcross, empty } from './auth.js';

addStrings({
  vi: {
    reset_title: 'Đặt lại mật khẩu',
    reset_intro: 'Chúng tôi sẽ gửi mã gồm 6 chữ số qua tin nhắn đến số điện thoại của tài khoản.',
    have_staff_code: 'Tôi đã có mã từ cán bộ',
    code_sent_reset: 'Nếu số {phone} có tài khoản, bạn sẽ nhận được tin nhắn có mã 6 chữ số trong vài phút. Mã có hiệu lực trong {m} phút.',
    no_code_reset: 'Nếu số này chưa có tài khoản, hệ thống sẽ không gửi mã: hãy đăng ký.',
    staff_code_intro: 'Nhập mã 6 chữ số mà cán bộ đã đọc cho bạn qua điện thoại, rồi chọn mật khẩu mới.',
    submit_reset: 'Đặt mật khẩu mới',
    reset_ok: 'Đã đặt mật khẩu mới. Hãy đăng nhập bằng mật khẩu mới.',
  },
});

export default async function resetScreen(ctx) {
  const { main, query, setTitle, state } = ctx;
  setTitle(t('reset_title'));
  const msg = h('div');
  let phone = '';

  // Step 1: the phone; a code by SMS, or one an official read out by telephone.
  const send = h('button', { type: 'submit', class: 'block' }, t('send_code'));
  const official = h('button', { type: 'button', class: 'secondary block' }, t('have_staff_code'));
  const form1 = h('form', { novalidate: true }, h('p', {}, t('reset_intro')), phoneField(state?.phone || ''), send);

  // Step 2: the code and the new password, checked together by the server.
  const code = codeBox(ctx, 'reset', () => phone, msg);
  const intro = h('p', {});
  const note = h('p', { class: 'hint' });
  const save = h('button', { type: 'submit', class: 'block' }, t('submit_reset'));
  const form2 = h('form', { novalidate: true }, intro, note, code.field,
    passwordField('new-password', t('password_hint'), 'new_password', t('new_password')), save);

  const sections = [
    step(1, 2, 'step_phone', form1, h('p', {}, official)),
    step(2, 2, 'step_new_password', form2, code.resend, h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => go(0) }, t('change_phone')))),
  ];
  const root = h('div', {}, sections);
  const go = stepper(sections, msg);

  function toCode(number, sent) {
    if (number !== phone) code.clear();
    phone = number;
    intro.textContent = sent ? t('code_sent_reset', { phone, m: Math.round((sent.expires_in || 300) / 60) }) : t('staff_code_intro');
    mount(note, sent ? [t('no_code_reset'), ' ', h('a', { href: '/register' }, t('register'))] : null);
    code.by(!sent);
    go(1);
  }

  form1.addEventListener('submit', (e) => {
    e.preventDefault();
    const number = form1.elements.phone.value.trim();
    if (number === phone && code.waiting()) return go(1);
    clearErrors(form1);
    say(msg);
    if (!number) return fieldsAcross(form1, [sections[0]], go, msg, empty(form1, ['phone']));
    busy(send, async () => {
      try {
        const r = await api.requestCode(number, 'reset');
        code.started(r);
        toCode(number, r);
      } catch (err) {
        if (err.fields) return fieldsAcross(form1, [sections[0]], go, msg, err.fields);
        say(msg, 'error', requestError(err));
      }
    });
  });

  // No message is sent: the code came by telephone. The number is checked with the code.
  official.addEventListener('click', () => {
    const number = form1.elements.phone.value.trim();
    if (!number) return showFieldErrors(form1, { phone: { code: 'required' } });
    clearErrors(form1);
    toCode(number, null);
  });

  form2.addEventListener('submit', (e) => {
    e.preventDefault();
    const otp = code.value();
    if (!otp) return;
    clearErrors(root);
    say(msg);
    const missing = empty(form2, ['new_password']);
    if (Object.keys(missing).length) return fieldsAcross(root, sections, go, msg, missing);
    busy(save, async () => {
      try {
        await api.resetPassword(phone, otp, form2.elements.new_password.value);
        // Every session of the account has ended: sign in again, the number already there.
        ctx.navigate(`/login?next=${encodeURIComponent(nextPath(query))}`, { replace: true, state: { phone, notice: t('reset_ok') } });
      } catch (err) {
        if (code.refused(err)) form2.elements.otp.focus();
        else if (err.fields) fieldsAcross(root, sections, go, msg, err.fields);
        else say(msg, 'error', errorText(err));
      }
    });
  });

  mount(main, h('h1', { tabindex: -1 }, t('reset_title')), msg, root,
    h('p', {}, h('a', { href: `/login?next=${encodeURIComponent(nextPath(query))}` }, t('login'))));
}
