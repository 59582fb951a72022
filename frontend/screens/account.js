// The signed-in person's own account: who and where the prize would go, and a
// new password (the server ends their sessions on other devices).
import * as api from '../api.js';
import { h, mount, say } from '../dom.js';
import { t, addStrings } from '../i18n.js';
import { passwordField, handle } from './auth.js';

addStrings({
  vi: {
    account_title: 'Tài khoản của tôi',
    legacy_address: 'Địa chỉ này ghi theo đơn vị hành chính cũ (trước khi sắp xếp lại năm 2025).',
    change_password: 'Đổi mật khẩu',
    current_password: 'Mật khẩu hiện tại',
    password_changed: 'Đã đổi mật khẩu. Các phiên đăng nhập trên thiết bị khác đã kết thúc.',
  },
});

export default async function account(ctx) {
  await ctx.session.ready;
  if (!ctx.session.user) return ctx.navigate('/login?next=/account', { replace: true });
  ctx.setTitle(t('account_title'));
  const { user } = await api.me(); // fresh: the official names of the address
  const a = user.address || {};
  const place = [a.hamlet, a.commune, a.district, a.province].filter((x) => x && x !== '-').join(', ');

  const msg = h('div');
  const button = h('button', { type: 'submit', class: 'block' }, t('change_password'));
  const form = h('form', { novalidate: true },
    passwordField('current-password', null, 'current_password', t('current_password')),
    passwordField('new-password', t('password_hint'), 'new_password', t('new_password')),
    button);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = (n) => form.elements[n].value;
    handle(form, msg, button, async () => {
      await api.changePassword(v('current_password'), v('new_password'));
      form.reset();
      for (const input of form.querySelectorAll('input[type=text]')) input.type = 'password'; // hidden again, as the reset boxes say
      say(msg, 'ok', t('password_changed'));
    }, ['current_password', 'new_password']);
  });

  mount(ctx.main,
    h('h1', { tabindex: -1 }, t('account_title')),
    h('dl', { class: 'facts stack' },
      h('dt', {}, t('full_name')), h('dd', {}, user.full_name),
      h('dt', {}, t('phone')), h('dd', {}, user.phone),
      h('dt', {}, t('address')), h('dd', {}, place, a.legacy ? h('span', { class: 'hint' }, h('br'), t('legacy_address')) : null)),
    h('h2', {}, t('change_password')),
    msg, form);
}
