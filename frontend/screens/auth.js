// Register and sign in. Errors are shown at their field, in the reader's language.
import * as api from '../api.js';
import { h, mount, field, showFieldErrors, clearErrors, say, busy } from '../dom.js';
import { t, errorText } from '../i18n.js';

// Only paths inside the app are followed after signing in (no open redirect).
function nextPath(query) {
  const n = query.get('next') || '/';
  return n.startsWith('/') && !n.startsWith('//') ? n : '/';
}

function passwordField(autocomplete, hint) {
  const f = field({ label: t('password'), name: 'password', type: 'password', autocomplete, required: true, hint, minlength: 8, maxlength: 128 });
  const input = f.querySelector('input');
  const toggle = h('input', { type: 'checkbox', onchange: () => { input.type = toggle.checked ? 'text' : 'password'; } });
  f.append(h('label', { class: 'check' }, toggle, t('show_password')));
  return f;
}

async function handle(form, msg, button, work) {
  clearErrors(form);
  say(msg);
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

function signedIn(ctx, user) {
  ctx.session.user = user;
  ctx.refreshNav();
  // Staff who signed in from the front page are taken to their own screens.
  const next = nextPath(ctx.query);
  ctx.navigate(user.role !== 'participant' && next === '/' ? '/manage' : next, { replace: true });
}

export async function loginScreen(ctx) {
  const { main, query, setTitle } = ctx;
  setTitle(t('login_title'));
  const msg = h('div');
  const button = h('button', { type: 'submit', class: 'block' }, t('submit_login'));
  const form = h('form', { novalidate: true },
    field({ label: t('phone'), name: 'phone', type: 'tel', inputmode: 'tel', autocomplete: 'tel', required: true, hint: t('phone_hint') }),
    passwordField('current-password'),
    button);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = (n) => form.elements[n].value;
    handle(form, msg, button, async () => signedIn(ctx, (await api.login(v('phone'), v('password'))).user));
  });
  mount(main, h('h1', { tabindex: -1 }, t('login_title')), msg, form,
    h('p', {}, t('no_account'), ' ', h('a', { href: `/register?next=${encodeURIComponent(nextPath(query))}` }, t('register'))));
}

export async function registerScreen(ctx) {
  const { main, query, setTitle } = ctx;
  setTitle(t('register_title'));
  const msg = h('div');
  const button = h('button', { type: 'submit', class: 'block' }, t('submit_register'));
  const form = h('form', { novalidate: true },
    field({ label: t('phone'), name: 'phone', type: 'tel', inputmode: 'tel', autocomplete: 'tel', required: true, hint: t('phone_hint') }),
    passwordField('new-password', t('password_hint')),
    field({ label: t('full_name'), name: 'full_name', autocomplete: 'name', required: true, hint: t('full_name_hint'), maxlength: 100 }),
    h('fieldset', { class: 'group' }, h('legend', {}, t('address')),
      h('p', { class: 'hint' }, t('address_hint')),
      field({ label: t('province'), name: 'address.province', autocomplete: 'address-level1', required: true, maxlength: 120 }),
      field({ label: t('district'), name: 'address.district', autocomplete: 'address-level2', optional: true, maxlength: 120 }),
      field({ label: t('commune'), name: 'address.commune', autocomplete: 'address-level3', required: true, maxlength: 120 }),
      field({ label: t('hamlet'), name: 'address.hamlet', autocomplete: 'address-line1', required: true, maxlength: 120 })),
    field({ label: t('national_id'), name: 'national_id', inputmode: 'numeric', optional: true, hint: t('id_hint'), maxlength: 14 }),
    field({ label: t('dob'), name: 'date_of_birth', type: 'date', optional: true, autocomplete: 'bday' }),
    button);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = (n) => form.elements[n].value.trim();
    const body = {
      phone: v('phone'), password: form.elements.password.value, full_name: v('full_name'),
      address: { province: v('address.province'), district: v('address.district') || null, commune: v('address.commune'), hamlet: v('address.hamlet') },
      national_id: v('national_id') || null, date_of_birth: v('date_of_birth') || null,
    };
    handle(form, msg, button, async () => signedIn(ctx, (await api.register(body)).user));
  });
  mount(main, h('h1', { tabindex: -1 }, t('register_title')), msg, form,
    h('p', {}, t('have_account'), ' ', h('a', { href: `/login?next=${encodeURIComponent(nextPath(query))}` }, t('login'))));
}
