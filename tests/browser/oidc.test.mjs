// Signing in through the province's citizen app ("Công dân số Đồng Tháp"), on a
// 360×740 phone, against a real OpenID Connect provider on loopback
// (tests/oidc/provider.mjs, started by run.sh; its development sign-in page
// takes any login as the person's subject). Someone the app fully describes is
// signed in at once; someone it does not is asked only for what is missing; an
// unverified phone never opens the account that has it, its password does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  BASE, OIDC_PROVIDER, ADMIN_PHONE, PASSWORD, launch, phone, watch, ok, call, screen, cookieToken, newPhone, e164, participant,
  citizenClaims, secondServer,
} from './lib.mjs';

const APP = 'Công dân số Đồng Tháp';
const BUTTON = `Đăng nhập bằng ${APP}`;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A subject no earlier run has used: the provider and the database outlive a test. */
const subject = (who) => `${who}-${crypto.randomBytes(4).toString('hex')}`;
const heading = (page, level, name) => page.getByRole('heading', { level, name, exact: true });

/**
 * A phone whose pages are watched, and every path it was shown kept (to tell
 * that /login/complete never came). The provider's page asks for a web font
 * from the internet, which the test machine cannot reach: refused at once.
 */
async function citizen() {
  const context = await phone(browser);
  await context.route((url) => !['127.0.0.1', 'localhost'].includes(url.hostname), (r) => r.abort());
  const page = await context.newPage();
  const problems = watch(page);
  const seen = [];
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) seen.push(new URL(f.url()).pathname); });
  return { context, page, problems, seen };
}

/** From Crane's sign-in screen to the citizen app's own page, signed in there as `sub`. */
async function throughApp(page, sub, from = '/login') {
  await page.goto(`${BASE}${from}`);
  await page.getByRole('link', { name: BUTTON, exact: true }).click();
  await page.waitForURL((u) => u.origin === OIDC_PROVIDER);
  await page.locator('input[name="login"]').fill(sub);
  await page.locator('input[name="password"]').fill('mật-khẩu-bất-kỳ');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

/** Who the session cookie belongs to, as the server has it. */
async function whoIs(context) {
  return (await ok('GET', '/me', undefined, await cookieToken(context))).user;
}

async function signedOut(context) {
  const c = (await context.cookies(BASE)).find((x) => x.name === 'crane_session');
  return !c || (await call('GET', '/me', undefined, c.value)).status === 401;
}

test('the sign-in screen offers the citizen app above the password, with where to go after', async () => {
  const methods = await ok('GET', '/auth/methods');
  assert.deepEqual(methods.oidc, { display_name: APP, login_url: '/api/v1/auth/oidc/login' });
  const { context, page, problems } = await citizen();
  await page.goto(`${BASE}/login?next=%2Fcontests`);
  const button = page.getByRole('link', { name: BUTTON, exact: true });
  await button.waitFor();
  assert.equal(await button.getAttribute('href'), '/api/v1/auth/oidc/login?next=%2Fcontests');
  await page.locator('p.or').filter({ hasText: /^hoặc$/ }).waitFor();
  const above = (await button.boundingBox()).y < (await page.getByLabel('Số điện thoại di động').boundingBox()).y;
  assert.ok(above, 'the citizen app comes before the phone and password');
  await screen(page, 'oidc-01-login');
  // Registering too: the app makes the account in fewer steps.
  await page.goto(`${BASE}/register?next=%2Fcontests`);
  await heading(page, 1, 'Đăng ký dự thi').waitFor();
  assert.equal(await page.getByRole('link', { name: BUTTON, exact: true }).getAttribute('href'), '/api/v1/auth/oidc/login?next=%2Fcontests');
  await screen(page, 'oidc-02-register');
  // The question failed (here: the request is dropped): no button, the password form as ever.
  await context.route('**/api/v1/auth/methods', (r) => r.abort());
  const page2 = await context.newPage();
  await page2.goto(`${BASE}/login`);
  await heading(page2, 1, 'Đăng nhập').waitFor();
  await page2.getByLabel('Mật khẩu', { exact: true }).waitFor();
  assert.equal(await page2.getByRole('link', { name: BUTTON }).count(), 0);
  assert.equal(await page2.locator('p.or').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a citizen the app fully describes is signed in at once, and straight through the next time', async () => {
  const sub = subject('mai');
  const number = newPhone();
  await citizenClaims(sub, {
    name: 'Phạm Thị Mai', phone_number: e164(number), phone_number_verified: true,
    address: { region: 'Đồng Tháp', locality: 'Mỹ Trà', street_address: 'Ấp 1' },
  });
  const { context, page, problems, seen } = await citizen();
  await throughApp(page, sub, '/login?next=%2Faccount');
  // Back where they were going, signed in: the account shows who they are.
  await heading(page, 1, 'Tài khoản của tôi').waitFor();
  await page.getByText('Phạm Thị Mai', { exact: true }).waitFor();
  await page.getByText(number, { exact: true }).waitFor();
  await page.getByText('Ấp 1, Phường Mỹ Trà, Tỉnh Đồng Tháp').waitFor();
  await page.getByRole('button', { name: 'Đăng xuất' }).waitFor();
  await screen(page, 'oidc-03-signed-in');
  assert.ok(!seen.includes('/login/complete'), `never asked for more: ${seen.join(' → ')}`);
  const user = await whoIs(context);
  assert.equal(user.full_name, 'Phạm Thị Mai');
  assert.equal(user.phone, number, 'the app’s +84 number, as Crane writes phones');
  assert.equal(user.role, 'participant');
  assert.equal(user.address.province_code, '82');
  assert.equal(user.address.commune, 'Phường Mỹ Trà');
  assert.equal(user.address.hamlet, 'Ấp 1');
  assert.deepEqual(problems, []);
  await context.close();

  // Another day, another phone: the same person, the same account, nothing asked.
  const again = await citizen();
  await throughApp(again.page, sub);
  await heading(again.page, 1, 'Các cuộc thi').waitFor();
  await again.page.getByRole('link', { name: 'Tài khoản', exact: true }).waitFor();
  assert.ok(!again.seen.includes('/login/complete'), again.seen.join(' → '));
  assert.equal((await whoIs(again.context)).id, user.id);
  assert.deepEqual(again.problems, []);
  await again.context.close();
});

test('a citizen the app gives no address is asked for the address only, then signed in', async () => {
  const sub = subject('binh');
  const number = newPhone();
  await citizenClaims(sub, { name: 'Võ Văn Bình', phone_number: e164(number), phone_number_verified: true });
  const { communes } = await ok('GET', '/divisions/82');
  const { context, page, problems } = await citizen();
  await throughApp(page, sub, '/login?next=%2Fcontests');
  await page.waitForURL((u) => u.pathname === '/login/complete');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/contests');
  await heading(page, 1, `Hoàn tất đăng nhập bằng ${APP}`).waitFor();
  await page.getByText('Xin chào Võ Văn Bình!').waitFor();
  assert.ok(await signedOut(context), 'not signed in before the address is given');
  // What the app told is shown, not asked again; no step headings for one form.
  await page.getByText(number, { exact: true }).waitFor();
  assert.equal(await page.getByLabel('Họ và tên').count(), 0);
  assert.equal(await page.locator('input[name="phone"]:visible').count(), 0, 'only the hidden link form has a phone box');
  assert.equal(await page.getByRole('heading', { level: 2, name: /^Bước/ }).count(), 0);
  await screen(page, 'oidc-04-complete-address');

  // Nothing chosen: said at the fields, nothing sent that signs in.
  await page.getByRole('button', { name: 'Hoàn tất', exact: true }).click();
  await page.locator('[data-field="address.province_code"] .err').filter({ hasText: 'Vui lòng chọn tỉnh/thành phố.' }).waitFor();
  assert.equal(await page.getByLabel('Tỉnh/thành phố').getAttribute('aria-invalid'), 'true');
  assert.ok(await signedOut(context));
  await screen(page, 'oidc-05-complete-address-error');

  await page.getByLabel('Tỉnh/thành phố').selectOption({ label: 'Đồng Tháp' });
  await page.getByLabel('Xã/phường/đặc khu').fill('my tho');
  await page.getByRole('button', { name: 'Xã Mỹ Thọ', exact: true }).click();
  await page.getByText('Đã chọn: Xã Mỹ Thọ.').waitFor();
  await page.getByLabel('Ấp/khóm/thôn, số nhà, đường').fill('ấp Mỹ Thuận');
  await page.getByRole('button', { name: 'Hoàn tất', exact: true }).click();
  await heading(page, 1, 'Các cuộc thi').waitFor();
  assert.equal(new URL(page.url()).pathname, '/contests');
  const user = await whoIs(context);
  assert.equal(user.full_name, 'Võ Văn Bình');
  assert.equal(user.phone, number);
  assert.equal(user.address.commune_code, communes.find((c) => c.name === 'Xã Mỹ Thọ').code);
  assert.equal(user.address.hamlet, 'ấp Mỹ Thuận');
  assert.deepEqual(problems, []);
  await context.close();
});

test('an unverified phone does not open the account that has it; its password links the two', async () => {
  const p = await participant('Huỳnh Văn Tâm');
  const sub = subject('tam');
  await citizenClaims(sub, {
    name: 'Huỳnh Văn Tâm', phone_number: e164(p.phone), phone_number_verified: false,
    address: { region: 'Đồng Tháp', locality: 'Mỹ Trà', street_address: 'Ấp 2' },
  });
  const { context, page, problems } = await citizen();
  await throughApp(page, sub);
  await heading(page, 1, `Hoàn tất đăng nhập bằng ${APP}`).waitFor();
  assert.ok(await signedOut(context), 'the app’s word for a phone is not proof');
  // Only the phone is asked, proved by SMS as in registration.
  await heading(page, 2, 'Bước 1/2: Số điện thoại').waitFor();
  await page.getByText('chưa được xác thực', { exact: false }).waitFor();
  const first = page.locator('section').filter({ has: heading(page, 2, 'Bước 1/2: Số điện thoại') });
  assert.equal(await first.getByLabel('Số điện thoại di động').inputValue(), p.phone, 'the app’s number, offered to prove');
  assert.equal(await page.getByLabel('Họ và tên').count(), 0);
  assert.equal(await page.getByLabel('Tỉnh/thành phố').count(), 0);
  await screen(page, 'oidc-06-complete-phone');

  await page.getByRole('button', { name: 'Liên kết bằng mật khẩu' }).click();
  await heading(page, 2, 'Liên kết với tài khoản đã có').waitFor();
  const link = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Liên kết với tài khoản đã có' }) });
  assert.ok(await link.evaluate((el) => el.contains(document.activeElement)), 'the focus moved to the new form');
  // Staff sign in with their password only: their account is never linked.
  await link.getByLabel('Số điện thoại di động').fill(ADMIN_PHONE);
  await link.getByLabel('Mật khẩu', { exact: true }).fill(PASSWORD);
  await link.getByRole('button', { name: 'Liên kết và đăng nhập' }).click();
  await page.getByRole('alert').filter({ hasText: 'Tài khoản ban tổ chức chỉ đăng nhập bằng mật khẩu' }).waitFor();
  assert.ok(await signedOut(context));
  await link.getByLabel('Số điện thoại di động').fill(p.phone);
  await link.getByLabel('Mật khẩu', { exact: true }).fill('không-phải-mật-khẩu');
  await link.getByRole('button', { name: 'Liên kết và đăng nhập' }).click();
  await page.getByText('Số điện thoại hoặc mật khẩu không đúng.').waitFor();
  assert.ok(await signedOut(context));
  await screen(page, 'oidc-07-link-wrong-password');
  await link.getByLabel('Mật khẩu', { exact: true }).fill(p.password);
  await link.getByRole('button', { name: 'Liên kết và đăng nhập' }).click();
  await heading(page, 1, 'Các cuộc thi').waitFor();
  assert.equal((await whoIs(context)).id, p.user.id, 'signed in to the account whose password was given');
  assert.deepEqual(problems, []);
  await context.close();

  // Linked: the next sign-in through the app opens that account at once.
  const again = await citizen();
  await throughApp(again.page, sub);
  await heading(again.page, 1, 'Các cuộc thi').waitFor();
  assert.ok(!again.seen.includes('/login/complete'), again.seen.join(' → '));
  assert.equal((await whoIs(again.context)).id, p.user.id);
  assert.deepEqual(again.problems, []);
  await again.context.close();
});

test('a server without the citizen app shows no such button', async () => {
  const server = await secondServer({
    CRANE_AUTH__OIDC__ISSUER: null, CRANE_AUTH__OIDC__CLIENT_ID: null, CRANE_AUTH__OIDC__CLIENT_SECRET: null,
    CRANE_AUTH__OIDC__DISPLAY_NAME: null, CRANE_PUBLIC_URL: null,
  });
  const { context, page, problems } = await citizen();
  try {
    const res = await fetch(`${server.url}/api/v1/auth/methods`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { oidc: null });
    for (const [path, title] of [['/login', 'Đăng nhập'], ['/register', 'Đăng ký dự thi']]) {
      await page.goto(`${server.url}${path}`);
      await heading(page, 1, title).waitFor();
      await page.getByLabel('Số điện thoại di động').waitFor();
      assert.equal(await page.getByRole('link', { name: /^Đăng nhập bằng/ }).count(), 0, path);
      assert.equal(await page.locator('p.or').count(), 0, path);
    }
    await screen(page, 'oidc-08-no-citizen-app');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await server.stop();
  }
});

test('a sign-in that cannot be finished says so in Vietnamese, with a way back', async () => {
  const { context, page, problems } = await citizen();
  // A forged or stale answer from the provider: the server's own page, not JSON.
  const res = await page.goto(`${BASE}/api/v1/auth/oidc/callback?state=bogus&code=x`);
  assert.ok(res.status() >= 400 && res.status() < 500, `refused, not failed: ${res.status()}`);
  assert.match(res.headers()['content-type'], /^text\/html/);
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  const back = page.getByRole('link', { name: /đăng nhập/i }).first();
  assert.equal(new URL(await back.getAttribute('href'), BASE).pathname, '/login');
  await screen(page, 'oidc-09-callback-error');
  await back.click();
  await heading(page, 1, 'Đăng nhập').waitFor();

  // Nothing pending (never begun, or past its 30 minutes): said, with sign-in again.
  await page.goto(`${BASE}/login/complete?next=%2Fcontests`);
  await heading(page, 1, 'Phiên đăng nhập đã hết hạn').waitFor();
  const again = page.getByRole('link', { name: 'Đăng nhập lại' });
  assert.equal(await again.getAttribute('href'), '/login?next=%2Fcontests');
  await screen(page, 'oidc-10-complete-gone');
  assert.deepEqual(problems, []);
  await context.close();
});
