// The shell: who is signed in, the header, and a small router over the History API.
// Citizen screens are imported up front (they are preloaded by index.html); staff
// screens load on demand so a phone on a slow network never downloads them.
import * as api from './api.js';
import { h, mount, notice } from './dom.js';
import { t, lang, setLang, ready, errorText } from './i18n.js';
import contestsScreen from './screens/contests.js';
import contestScreen from './screens/contest.js';

// The other screens load when first shown. The quiz and its result are fetched
// in the background once the first screen is up, so a quiz can start even if
// the network drops; registering and signing in (auth.js, places.js) load when
// asked for, and staff screens only for staff.
const later = (name, fn = 'default') => async (ctx) => (await import(`./screens/${name}.js`))[fn](ctx);
const warm = () => ['quiz', 'result'].forEach((name) => import(`./screens/${name}.js`).catch(() => {}));

const routes = [
  [/^\/$/, contestsScreen],
  [/^\/contests$/, contestsScreen],
  [/^\/contests\/([\w-]+)$/, contestScreen],
  [/^\/contests\/([\w-]+)\/winners$/, later('winners')],
  [/^\/o\/([a-z0-9-]+)$/, later('org')],
  [/^\/login$/, later('auth', 'loginScreen')],
  [/^\/login\/complete$/, later('oidc')], // back from the citizen app with details missing
  [/^\/register$/, later('auth', 'registerScreen')],
  [/^\/reset$/, later('reset')],
  [/^\/account$/, later('account')],
  [/^\/attempts\/([\w-]+)$/, later('quiz')],
  [/^\/attempts\/([\w-]+)\/result$/, later('result')],
  [/^\/attempts\/([\w-]+)\/review$/, later('review')],
  [/^\/manage$/, later('manage')],
  [/^\/manage\/new$/, later('edit')],
  [/^\/manage\/([\w-]+)$/, later('edit')],
  [/^\/manage\/([\w-]+)\/questions$/, later('bank')],
  [/^\/manage\/([\w-]+)\/stats$/, later('stats')],
  [/^\/manage\/([\w-]+)\/results$/, later('results')],
  [/^\/admin\/users$/, later('users')],
  [/^\/admin\/organisations$/, later('organisations')],
];

const main = document.getElementById('app');
const session = { user: null, ready: null };
let current = null; // the screen being shown (or loading)
let first = true;

/**
 * Each screen builds into its own detached view, swapped in when it is ready:
 * a slow screen that the user has already left can never overwrite the next one.
 */
function context(params, query, view, state) {
  const me = { cleanups: [] };
  const ctx = {
    params, query, state, main: view, session, navigate, refreshNav: renderNav, wide: false,
    /** Runs `fn` when the screen is left (timers, listeners). */
    onLeave(fn) { if (current === me) me.cleanups.push(fn); else fn(); },
    setTitle(title) { if (current === me) document.title = `${title} — Crane`; },
  };
  return [me, ctx];
}

function leave(screen) {
  for (const fn of screen?.cleanups.splice(0) || []) fn();
}

/** `state` hands data the next screen would otherwise download again (in memory only). */
export function navigate(path, { replace = false, state = null } = {}) {
  if (replace) history.replaceState(null, '', path); else history.pushState(null, '', path);
  render(state);
}

async function render(state = null) {
  leave(current);
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const query = new URLSearchParams(location.search);
  let screen = null, params = [];
  for (const [re, fn] of routes) {
    const m = path.match(re);
    if (m) { screen = fn; params = m.slice(1); break; }
  }
  const view = h('div');
  const [me, ctx] = context(params, query, view, state);
  current = me;
  try {
    if (!screen) {
      ctx.setTitle(t('not_found'));
      mount(view, h('h1', { tabindex: -1 }, t('not_found')), h('p', {}, h('a', { href: '/' }, t('back_home'))));
    } else {
      await screen(ctx);
    }
  } catch (err) {
    if (err instanceof api.ApiError && err.status === 404) {
      // Nothing to try again: an unknown contest, or (for staff) another organisation's.
      const staff = path.startsWith('/manage/');
      const what = staff || path.startsWith('/contests/') ? 'contest_not_found' : 'not_found';
      ctx.setTitle(t(what));
      mount(view, h('h1', { tabindex: -1 }, t(what)),
        staff ? h('p', {}, t('staff_not_found_hint')) : null,
        h('p', {}, staff ? h('a', { href: '/manage' }, t('back_manage')) : h('a', { href: '/' }, t('back_home'))));
    } else {
      // A screen that could not load its data says so, with a way to try again.
      mount(view, h('h1', { tabindex: -1 }, t('app_name')),
        notice('error', err instanceof api.ApiError ? errorText(err) : String(err)),
        h('p', {}, h('button', { type: 'button', onclick: () => render() }, t('retry'))));
    }
  }
  if (current !== me) return leave(me); // the user went elsewhere meanwhile
  if (!view.childNodes.length) return; // the screen navigated elsewhere itself
  // A message handed on by the screen before ("Đăng ký thành công…"), under the new heading.
  if (state?.flash) view.querySelector('h1')?.after(notice('ok', state.flash));
  main.classList.toggle('wide', ctx.wide);
  mount(main, view);
  // Move focus to the new heading so screen readers announce the new screen;
  // not on first load, where the browser's own start is right.
  if (!first) (main.querySelector('h1') || main).focus();
  first = false;
}

function renderNav() {
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', t('nav_label'));
  const u = session.user;
  const other = lang === 'vi' ? 'en' : 'vi';
  mount(nav,
    u && u.role !== 'participant' ? h('a', { href: '/manage' }, t('manage')) : null,
    u ? h('a', { href: '/account' }, t('my_account')) : null,
    u ? h('button', { type: 'button', class: 'link', onclick: signOut }, t('logout'))
      : h('a', { href: `/login?next=${encodeURIComponent(location.pathname)}` }, t('login')),
    h('button', {
      type: 'button', class: 'link', lang: other,
      onclick: async () => { await setLang(other); applyLang(); render(); },
    }, t('switch_lang')));
  renderFoot();
}

// "Cỡ chữ lớn": a class on <html> raises the base size (everything is in rem),
// remembered on this phone. It sits in a footer: in the header it made the
// four links wrap onto a second line on a 360 px phone.
const BIG = 'crane.big';
const foot = h('footer', { class: 'foot' });
document.body.append(foot);
function renderFoot() {
  mount(foot, h('button', {
    type: 'button', class: 'link textsize', onclick: toggleBig,
    'aria-pressed': String(document.documentElement.classList.contains('big')),
  }, h('span', { 'aria-hidden': 'true' }, 'aA'), t('text_size')));
}
function toggleBig(e) {
  const on = document.documentElement.classList.toggle('big');
  e.currentTarget.setAttribute('aria-pressed', String(on));
  try { if (on) localStorage.setItem(BIG, '1'); else localStorage.removeItem(BIG); } catch { /* lasts this page */ }
}
try { if (localStorage.getItem(BIG)) document.documentElement.classList.add('big'); } catch { /* storage disabled */ }

function applyLang() {
  document.documentElement.lang = lang;
  document.querySelector('.skip').textContent = t('skip');
  renderNav();
}

async function signOut() {
  // Signing out does not stop a running quiz's clock: say so before leaving it.
  if (session.quizRunning && !window.confirm(t('logout_quiz'))) return;
  try { await api.logout(); } catch { /* the cookie is cleared either way below */ }
  session.user = null;
  renderNav();
  navigate('/');
}

// Same-origin links navigate inside the app, without reloading the page.
document.addEventListener('click', (e) => {
  const a = e.target.closest('a[href]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || a.hasAttribute('download') || a.target || url.pathname.startsWith('/api/')) return;
  e.preventDefault();
  if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => render());

// Who is signed in is asked once, in parallel with the first screen's own data:
// screens that need it await session.ready.
session.ready = api.me()
  .then((r) => { session.user = r.user; }, () => { /* 401: nobody; offline: screens say so */ })
  .then(renderNav);
await ready(); // the English texts, when English was chosen before
applyLang();
render().then(() => setTimeout(warm, 0));
