// The citizen's whole journey on a 360×740 phone: contest list → contest page →
// register → quiz (with a reload and a spell offline) → prediction → submit →
// result; plus the upcoming countdown, the language switch, signing in, time-up,
// and the download and slow-network budgets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, ORGANISER_PHONE, launch, phone, watch, ok, signIn, seedContest, screen, cookieToken, newPhone, isoIn, waitUntil,
  latestCode, register,
} from './lib.mjs';

let browser, staff, openContest, upcoming;

before(async () => {
  browser = await launch();
  staff = await signIn(ORGANISER_PHONE);
  openContest = await seedContest(staff, { title: 'Tìm hiểu về Sếu đầu đỏ — vòng 1' });
  upcoming = await seedContest(staff, { title: 'Tìm hiểu Vườn quốc gia Tràm Chim', starts_at: isoIn(26 * 3600_000 + 5 * 60_000), ends_at: isoIn(72 * 3600_000) });
});
after(async () => { await browser?.close(); });

/** Every byte the phone downloads (compressed, as sent), by the DevTools protocol. */
async function meter(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const urls = new Map();
  const totals = { all: 0, app: 0, headers: 0, requests: 0, list: [] };
  const headerBytes = new Map();
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
  cdp.on('Network.responseReceivedExtraInfo', (e) => headerBytes.set(e.requestId, (e.headersText || '').length));
  cdp.on('Network.loadingFinished', (e) => {
    totals.all += e.encodedDataLength;
    totals.requests += 1;
    if (e.encodedDataLength) totals.headers += headerBytes.get(e.requestId) || 0;
    totals.list.push([e.encodedDataLength, urls.get(e.requestId)]);
    if (!String(urls.get(e.requestId)).includes('/api/')) totals.app += e.encodedDataLength;
  });
  return totals;
}

const saveLine = (page) => page.locator('.save');

async function answer(page, nth) {
  const radio = page.getByRole('radio').nth(nth);
  await radio.check();
  const name = await radio.getAttribute('name');
  return { question_id: name.slice(2), option_id: Number(await radio.getAttribute('value')) };
}

test('a citizen registers, takes the quiz through a reload and a spell offline, and sees the result', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  const problems = watch(page);
  const bytes = await meter(context, page);

  await page.goto(`${BASE}/`);
  await page.getByRole('heading', { level: 1, name: 'Các cuộc thi' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  await screen(page, 'citizen-01-contests');

  await page.getByRole('link', { name: openContest.title }).click();
  await page.getByRole('heading', { level: 1, name: openContest.title }).waitFor();
  await page.getByText('5.000.000').first().waitFor(); // prizes in VND, Vietnamese grouping
  await screen(page, 'citizen-02-contest');

  // Register, phone first: the server's 422 lands at each field, in Vietnamese.
  await page.getByRole('link', { name: 'Đăng ký để dự thi' }).click();
  await page.getByRole('heading', { level: 1, name: 'Đăng ký dự thi' }).waitFor();
  const phoneBox = page.getByLabel('Số điện thoại di động');
  await phoneBox.fill('12345');
  await page.getByRole('button', { name: 'Gửi mã', exact: true }).click();
  await page.getByText('Số điện thoại di động không hợp lệ (ví dụ 0912345678).').waitFor();
  assert.equal(await phoneBox.getAttribute('aria-invalid'), 'true');
  await screen(page, 'citizen-03-register-errors');

  // The code the SMS brought, then the details: an empty form is refused field by field.
  const myPhone = newPhone();
  await phoneBox.fill(myPhone);
  await page.getByRole('button', { name: 'Gửi mã', exact: true }).click();
  await page.getByRole('heading', { level: 2, name: 'Bước 2/3: Mã xác thực' }).waitFor();
  await page.getByLabel('Mã xác thực (6 chữ số)').fill(await latestCode(myPhone));
  await page.getByRole('button', { name: 'Tiếp tục' }).click();
  await page.getByRole('heading', { level: 2, name: 'Bước 3/3: Thông tin dự thi' }).waitFor();
  await page.getByRole('button', { name: 'Đăng ký', exact: true }).click();
  await page.getByText('Vui lòng nhập mật khẩu.').waitFor(); // said at once, nothing sent
  assert.ok(await page.locator('[data-field="address.province_code"] .err').isVisible(), 'the province error is shown at the province field');
  assert.ok(await page.locator('[data-field="address.hamlet"] .err').isVisible(), 'and the hamlet error at the hamlet field');
  await screen(page, 'citizen-03b-register-details-errors');

  await page.getByLabel('Mật khẩu', { exact: true }).fill('sếu-đầu-đỏ-2024');
  await page.getByLabel('Họ và tên').fill('Hà Minh Tùng');
  await page.getByLabel('Tỉnh/thành phố').selectOption({ label: 'Đồng Tháp' });
  await page.getByLabel('Xã/phường/đặc khu').fill('my tra');
  await page.getByRole('button', { name: 'Phường Mỹ Trà', exact: true }).click();
  await page.getByLabel('Ấp/khóm/thôn, số nhà, đường').fill('khóm 3');
  await page.getByRole('button', { name: 'Đăng ký', exact: true }).click();
  const start = page.getByRole('button', { name: 'Bắt đầu làm bài' });
  await start.waitFor();
  assert.equal(new URL(page.url()).pathname, `/contests/${openContest.id}`);
  await screen(page, 'citizen-04-contest-signed-in');

  // The quiz: one question per screen, each answer saved at once. "Sẵn sàng?" first:
  // only its second button starts the clock.
  await start.click();
  await page.getByRole('button', { name: 'Bắt đầu tính giờ' }).click();
  await page.getByRole('heading', { level: 1, name: 'Câu 1/5' }).waitFor();
  const attemptId = new URL(page.url()).pathname.split('/')[2];
  const token = await cookieToken(context);
  assert.match(await page.getByRole('timer').textContent(), /^(10:00|09:\d\d)$/);
  await screen(page, 'citizen-05-question');
  // Thumbs on a cheap phone: every control on the quiz screen is at least 44 px tall.
  const small = await page.evaluate(() => [...document.querySelectorAll('main button, main .option, main summary, main a.button, #nav a, #nav button')]
    .filter((e) => e.offsetParent && e.getBoundingClientRect().height < 44).map((e) => e.textContent));
  assert.deepEqual(small, [], 'controls smaller than 44 px');
  const given = [];
  given.push(await answer(page, 0));
  await saveLine(page).filter({ hasText: 'Đã lưu câu trả lời.' }).waitFor();
  await page.getByRole('button', { name: 'Câu tiếp' }).click();
  await page.getByRole('heading', { level: 1, name: 'Câu 2/5' }).waitFor();
  given.push(await answer(page, 1));
  await saveLine(page).filter({ hasText: 'Đã lưu câu trả lời.' }).waitFor();
  await page.getByRole('button', { name: 'Câu tiếp' }).click();

  // A reload in the middle: same question, the answers still there.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Câu 3/5' }).waitFor();
  await page.getByRole('button', { name: 'Câu trước' }).click();
  await page.getByRole('heading', { level: 1, name: 'Câu 2/5' }).waitFor();
  assert.ok(await page.getByRole('radio').nth(1).isChecked(), 'the answer given before the reload is still chosen');
  await page.getByRole('button', { name: 'Câu tiếp' }).click();
  await page.getByRole('heading', { level: 1, name: 'Câu 3/5' }).waitFor();

  // Offline: answers stay on the phone, and reach the server when the network returns.
  await context.setOffline(true);
  given.push(await answer(page, 2));
  await saveLine(page).filter({ hasText: 'Mất kết nối' }).waitFor();
  await page.getByRole('button', { name: 'Câu tiếp' }).click();
  given.push(await answer(page, 3));
  await screen(page, 'citizen-06-offline');
  let server = (await ok('GET', `/attempts/${attemptId}`, undefined, token)).attempt;
  assert.equal(server.answers.length, 2, 'only the answers given online have reached the server');
  const queued = await page.evaluate((id) => JSON.parse(localStorage.getItem(`crane.pending.${id}`)), attemptId);
  assert.equal(Object.keys(queued).length, 2, 'the offline answers are queued in localStorage');
  await context.setOffline(false);
  await saveLine(page).filter({ hasText: 'Đã lưu câu trả lời.' }).waitFor({ timeout: 20_000 });
  server = (await ok('GET', `/attempts/${attemptId}`, undefined, token)).attempt;
  const byQuestion = Object.fromEntries(server.answers.map((x) => [x.question_id, x.option_id]));
  for (const g of given) assert.equal(byQuestion[g.question_id], g.option_id, 'every answer is saved as given');
  assert.equal(await page.evaluate((id) => localStorage.getItem(`crane.pending.${id}`), attemptId), null, 'the queue is empty');

  // The last question, the prediction (checked at the field), the submit.
  await page.getByRole('button', { name: 'Câu tiếp' }).click();
  await page.getByRole('heading', { level: 1, name: 'Câu 5/5' }).waitFor();
  given.push(await answer(page, 0));
  await page.getByRole('button', { name: 'Xem lại và nộp bài' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Nộp bài' }).waitFor();
  await page.getByText('Bạn đã trả lời tất cả 5 câu.').waitFor();
  const prediction = page.getByLabel('Dự đoán của bạn');
  await prediction.fill('khoảng một nghìn');
  await page.getByRole('button', { name: 'Nộp bài' }).click();
  await page.getByText('Nhập một số nguyên từ 0 đến 1.000.000.000.').waitFor();
  assert.equal(await prediction.getAttribute('aria-invalid'), 'true');
  await screen(page, 'citizen-07-submit');
  await prediction.fill('1200');
  // The typed prediction is autosaved, so it survives a reload even without this
  // phone's draft (another tab with the draft cleared: what the server kept).
  await waitUntil(async () => (await ok('GET', `/attempts/${attemptId}`, undefined, token)).attempt.prediction === 1200, 10_000, 'the autosaved prediction');
  await page.evaluate((id) => localStorage.removeItem(`crane.pred.${id}`), attemptId);
  const reloaded = await context.newPage();
  await reloaded.goto(`${BASE}/attempts/${attemptId}`);
  await reloaded.getByRole('heading', { level: 1, name: 'Nộp bài' }).waitFor();
  assert.equal(await reloaded.getByLabel('Dự đoán của bạn').inputValue(), '1200', 'the prediction survives a reload');
  await reloaded.close();
  await page.getByRole('button', { name: 'Nộp bài' }).click();
  await page.getByRole('heading', { level: 1, name: 'Kết quả bài thi' }).waitFor();
  server = (await ok('GET', `/attempts/${attemptId}`, undefined, token)).attempt;
  assert.equal(server.status, 'submitted');
  assert.equal(server.result.prediction, 1200);
  assert.equal(await page.locator('.score').textContent(), `${server.result.score}/5`);
  await screen(page, 'citizen-08-result');
  // The flow ends at the result: what it downloaded, the reload included.
  const kb = (n) => (n / 1024).toFixed(1);
  console.log(`BUDGET citizen flow (list → contest → register → quiz with a reload → submit → result) downloaded ${kb(bytes.all)} KB compressed in ${bytes.requests} requests (budget 60 KB): app files ${kb(bytes.app)} KB, API ${kb(bytes.all - bytes.app)} KB; of the total, ${kb(bytes.headers)} KB are response headers and ${kb(bytes.all - bytes.headers)} KB bodies`);
  if (process.env.BUDGET_DETAIL) for (const [n, u] of bytes.list) console.log(`BUDGET-DETAIL ${n} ${u}`);
  // Only the citizen's own files: no staff screens or styles, no English, no reset or citizen-app screens.
  const fetched = new Set(bytes.list.map(([, u]) => String(u)).filter((u) => u.startsWith(BASE)).map((u) => new URL(u).pathname));
  for (const f of ['/en.js', '/staff.css', '/screens/staff.js', '/screens/reset.js', '/screens/oidc.js', '/screens/account.js']) {
    assert.ok(!fetched.has(f), `${f} is not downloaded in the citizen flow`);
  }
  // The budget: 60 KB, headers included (HTTP/1.1 on loopback). Measured
  // 54.5 KB on 2026-12-06 once the server sent the app's files gzipped at the
  // best level and without their comments, and scripts without the
  // document-only headers.
  assert.ok(bytes.all <= 60 * 1024, `the citizen flow downloads ${kb(bytes.all)} KB (budget 60 KB)`);

  // Back on the contest page: the attempt is listed and a second one is offered.
  await page.getByRole('link', { name: 'Về trang cuộc thi' }).click();
  await page.getByRole('heading', { level: 2, name: 'Các lượt thi của bạn' }).waitFor();
  await page.getByRole('button', { name: 'Thi lượt tiếp theo' }).waitFor();
  await page.getByText('Bạn còn 1 lượt thi.').waitFor();

  // Winners are not public before the results are final.
  await page.goto(`${BASE}/contests/${openContest.id}/winners`);
  await page.getByText('Kết quả chưa được công bố.').waitFor();
  await screen(page, 'citizen-09-winners-pending');

  assert.deepEqual(problems, []);
  await context.close();
});

test('an upcoming contest counts down to its start; the language switch is remembered', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${BASE}/contests/${upcoming.id}`);
  await page.getByRole('heading', { level: 2, name: 'Cuộc thi bắt đầu sau' }).waitFor();
  const boxes = await page.locator('.countdown b').allTextContents();
  assert.deepEqual(boxes.slice(0, 2), ['01', '02'], 'one day and two hours to go');
  await screen(page, 'citizen-10-upcoming');

  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { level: 2, name: 'The contest starts in' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.reload();
  await page.getByRole('heading', { level: 2, name: 'The contest starts in' }).waitFor();
  await screen(page, 'citizen-11-upcoming-english');
  await page.getByRole('button', { name: 'Tiếng Việt' }).click();
  await page.getByRole('heading', { level: 2, name: 'Cuộc thi bắt đầu sau' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  assert.deepEqual(problems, []);
  await context.close();
});

test('signing in: a wrong password is told plainly, the right one leads back', async () => {
  const p = newPhone();
  await register({ phone: p, password: 'tràm-chim-2024', full_name: 'Lê Thị Hoa', address: { province: 'Đồng Tháp', commune: 'Tân Công Sính', hamlet: 'ấp 1' } });
  const context = await phone(browser);
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${BASE}/contests/${openContest.id}`);
  await page.getByRole('link', { name: 'Đăng nhập' }).last().click();
  await page.getByRole('heading', { level: 1, name: 'Đăng nhập' }).waitFor();
  await page.getByLabel('Số điện thoại di động').fill(p);
  await page.getByLabel('Mật khẩu', { exact: true }).fill('sai-mật-khẩu');
  await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
  await page.getByText('Số điện thoại hoặc mật khẩu không đúng.').waitFor();
  await screen(page, 'citizen-12-login-error');
  await page.getByLabel('Mật khẩu', { exact: true }).fill('tràm-chim-2024');
  await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
  await page.getByRole('button', { name: 'Bắt đầu làm bài' }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/contests/${openContest.id}`);
  await page.getByRole('button', { name: 'Đăng xuất' }).click();
  await page.getByRole('heading', { level: 1, name: 'Các cuộc thi' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('when time is up the citizen is told clearly, and the saved answers are scored', async () => {
  const quick = await seedContest(staff, { title: 'Thi nhanh', time_limit_seconds: 12, grace_seconds: 0, questions_per_attempt: 3 });
  const context = await phone(browser);
  const page = await context.newPage();
  const problems = watch(page);
  const p = newPhone();
  await register({ phone: p, password: 'tràm-chim-2024', full_name: 'Trần Văn Bình', address: { province: 'Đồng Tháp', commune: 'Phú Đức', hamlet: 'ấp 2' } });
  await page.goto(`${BASE}/login?next=/contests/${quick.id}`);
  await page.getByLabel('Số điện thoại di động').fill(p);
  await page.getByLabel('Mật khẩu', { exact: true }).fill('tràm-chim-2024');
  await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();

  // First attempt: the countdown runs out on the question screen.
  await page.getByRole('button', { name: 'Bắt đầu làm bài' }).click();
  await page.getByRole('button', { name: 'Bắt đầu tính giờ' }).click();
  await page.getByRole('heading', { level: 1, name: 'Câu 1/3' }).waitFor();
  await answer(page, 0);
  await saveLine(page).filter({ hasText: 'Đã lưu câu trả lời.' }).waitFor();
  // Warnings are spoken at thresholds (here 10 s), not every second.
  const live = page.locator('[aria-live="assertive"]');
  await live.filter({ hasText: 'Còn 10 giây.' }).waitFor({ timeout: 10_000 });
  await page.getByText('Đã hết giờ làm bài nên bài không được nộp thêm.').waitFor({ timeout: 20_000 });
  await live.filter({ hasText: 'Đã hết giờ làm bài.' }).waitFor();
  await page.getByRole('link', { name: 'Xem kết quả' }).click();
  await page.getByText('Bài được tự động nộp khi hết giờ, với các câu trả lời đã lưu.').waitFor();

  // Second attempt on a phone whose clock stalls: the server's 409 attempt_expired is explained.
  await page.getByRole('link', { name: 'Về trang cuộc thi' }).click();
  await page.clock.setFixedTime(Date.now());
  await page.getByRole('button', { name: 'Thi lượt tiếp theo' }).click();
  await page.getByRole('button', { name: 'Bắt đầu tính giờ' }).click();
  await page.getByRole('heading', { level: 1, name: 'Câu 1/3' }).waitFor();
  await answer(page, 1);
  await new Promise((r) => setTimeout(r, 13_000));
  await page.getByRole('button', { name: 'Câu tiếp' }).click();
  await page.getByRole('button', { name: 'Câu tiếp' }).click();
  await page.getByRole('button', { name: 'Xem lại và nộp bài' }).first().click();
  await page.getByLabel('Dự đoán của bạn').fill('10');
  await page.getByRole('button', { name: 'Nộp bài' }).click();
  await page.getByRole('alert').filter({ hasText: 'Đã hết giờ làm bài nên bài không được nộp thêm.' }).waitFor();
  await screen(page, 'citizen-13-time-up');
  assert.deepEqual(problems, []);
  await context.close();
});

test('BUDGET: the first contest page on a slow 3G phone', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 400, downloadThroughput: (400 * 1000) / 8, uploadThroughput: (400 * 1000) / 8,
  });
  const started = Date.now();
  await page.goto(`${BASE}/contests/${openContest.id}`, { waitUntil: 'commit' });
  await page.getByRole('heading', { level: 1, name: openContest.title }).waitFor({ timeout: 60_000 });
  const wall = Date.now() - started;
  const sinceNavigation = await page.evaluate(() => Math.round(performance.now()));
  console.log(`BUDGET slow 3G (400 kbit/s, 400 ms RTT) first contest page render: ${sinceNavigation} ms after navigation start (${wall} ms wall clock)`);
  await waitUntil(async () => (await page.locator('.facts').count()) > 0, 5000, 'the contest facts');
  await context.close();
});
