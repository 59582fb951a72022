// What a citizen and an official meet on a phone, on a 360×740 phone and on a
// 320×640 phone with the text at 150 % (lib.mjs, smallPhone): the quiz keeps its
// question in view under the sticky bar, "Sẵn sàng?" before the clock starts,
// the clock's label, the end of time, the review list, signing out mid-quiz,
// the winners' codes and tables, share, the editor of a published contest,
// the bank's template and the large-text switch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  BASE, ADMIN_PHONE, ORGANISER_PHONE, BANK, launch, phone, smallPhone, laptop, watch, ok, signIn, seedContest, participant,
  takeAttempt, screen, isoIn, waitUntil,
} from './lib.mjs';

const SIZES = [['360', phone], ['320-150', smallPhone]];

// Long questions, as real contests have: with large text they fill the screen.
const LONG = BANK.map(([q, options, correct, cat]) => [
  `${q} Hãy đọc kỹ câu hỏi và chọn một phương án đúng nhất trong các phương án dưới đây, theo tài liệu ban tổ chức đã giới thiệu.`,
  options.map((o) => `${o} — theo tài liệu tìm hiểu`), correct, cat]);

let browser, admin, organiser, finished;

before(async () => {
  browser = await launch();
  admin = await signIn(ADMIN_PHONE);
  organiser = await signIn(ORGANISER_PHONE);
  // A contest that ends at once and is finalized in the winners test.
  finished = await seedContest(admin, {
    title: 'Tìm hiểu Luật Giao thông đường bộ', ends_at: isoIn(12_000), grace_seconds: 0, time_limit_seconds: 60,
    questions_per_attempt: 3, max_attempts: 1, prizes: [{ name: 'Giải Nhất', count: 1, amount: 5_000_000 }, { name: 'Giải Nhì', count: 1, amount: 2_000_000 }],
  }, BANK.slice(0, 3));
  const a = await participant('Nguyễn Thị Minh Khai', 'Đồng Tháp', 'Mỹ Hội');
  const b = await participant('Trần Văn Thành', 'An Giang', 'Mỹ Hòa Hưng');
  await takeAttempt(a, finished.id, admin, 3, 10);
  await takeAttempt(b, finished.id, admin, 2, 12);
});
after(async () => { await browser?.close(); });

/** A context of this size, signed in with `token` when given; the clipboard may be read back. */
async function open(make, token) {
  const context = await make(browser);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
  if (token) await context.addCookies([{ name: 'crane_session', value: token, url: BASE }]);
  const page = await context.newPage();
  return { context, page, problems: watch(page) };
}

/**
 * Nothing wider than the phone. Measured against the context's width, not
 * innerWidth: a phone browser zooms out to fit a too-wide page, which widens innerWidth too.
 */
/**
 * What the phone's screen shows right now: a full-page screenshot draws a sticky
 * bar where the page was scrolled, so it cannot show what hides under the bar.
 */
async function viewShot(page, name) {
  const dir = process.env.CRANE_SCREENSHOTS || path.resolve('../../target/screenshots');
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}

async function noSideways(page, what) {
  const width = page.viewportSize().width;
  const r = await page.evaluate((w) => ({
    overflow: document.documentElement.scrollWidth - w,
    culprits: [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right + scrollX > w + 0.5
        || (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible' && e.clientWidth))
      .slice(-4).map((e) => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right + scrollX)} px): ${e.textContent.slice(0, 40)}`),
  }), width);
  assert.ok(r.overflow <= 0, `${what}: no sideways scrolling (${r.overflow} px too wide): ${r.culprits.join(' | ')}`);
}

/** The question's text is on screen and below the sticky bar, not under it. */
async function questionInView(page, what) {
  const r = await page.evaluate(() => {
    const bar = document.querySelector('.quizbar').getBoundingClientRect();
    const q = document.querySelector('.qtext').getBoundingClientRect();
    return { bar: bar.bottom, top: q.top, bottom: q.bottom, height: innerHeight };
  });
  assert.ok(r.top >= r.bar - 0.5, `${what}: the question (top ${r.top}) is not under the sticky bar (bottom ${r.bar})`);
  assert.ok(r.top < r.height - 40, `${what}: the question's top (${r.top}) is on screen (${r.height} tall)`);
}

for (const [size, make] of SIZES) {
  test(`${size}: ready screen, the question in view on every step, the review list, signing out asks`, async () => {
    const c = await seedContest(organiser, { title: `Tìm hiểu về Sếu đầu đỏ (${size})`, questions_per_attempt: 6, max_attempts: 2 }, LONG);
    const p = await participant('Lê Thị Thu Hương');
    const { context, page, problems } = await open(make, p.token);
    await page.goto(`${BASE}/contests/${c.id}`);
    await page.getByRole('heading', { level: 1, name: c.title }).waitFor();
    await noSideways(page, 'contest page');
    await screen(page, `phone-${size}-01-contest`);

    // "Sẵn sàng?": how many questions, how long, attempts left; nothing started yet.
    await page.getByRole('button', { name: 'Bắt đầu làm bài' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sẵn sàng làm bài?' }).waitFor();
    await page.getByText('Bài gồm 6 câu hỏi trắc nghiệm').waitFor();
    await page.getByText('Thời gian làm bài: 10 phút.').waitFor();
    await page.getByText('Bạn còn 2 lượt thi, tính cả lượt này.').waitFor();
    await page.getByText('Đồng hồ chỉ bắt đầu chạy khi bạn bấm “Bắt đầu tính giờ”').waitFor();
    await page.getByText('Mỗi câu trả lời được lưu ngay khi bạn chọn').waitFor();
    assert.equal((await ok('GET', `/contests/${c.id}/my-attempts`, undefined, p.token)).attempts.length, 0, 'no attempt before "Bắt đầu tính giờ"');
    await noSideways(page, 'ready screen');
    await screen(page, `phone-${size}-02-ready`);
    await page.getByRole('button', { name: 'Bắt đầu tính giờ' }).click();
    await page.getByRole('heading', { level: 1, name: 'Câu 1/6' }).waitFor();
    const attemptId = new URL(page.url()).pathname.split('/')[2];

    // The clock has a visible label; the question opens in view.
    assert.ok(await page.getByText('Thời gian còn lại', { exact: true }).isVisible(), 'the clock is labelled');
    await questionInView(page, 'question 1 on opening');
    await noSideways(page, 'question');
    await viewShot(page, `phone-${size}-03v-question-screen`);
    await screen(page, `phone-${size}-03-question`);

    // Each "Câu tiếp", pressed at the foot of the page, shows the next question's top.
    const chosen = {};
    for (let i = 1; i <= 5; i += 1) {
      if (i !== 3) { // question 3 is left unanswered
        const radio = page.getByRole('radio').nth(i % 4);
        await radio.check();
        chosen[i] = (await radio.locator('xpath=..').textContent()).trim();
      }
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await page.getByRole('button', { name: 'Câu tiếp' }).click();
      await page.getByRole('heading', { level: 1, name: `Câu ${i + 1}/6` }).waitFor();
      await questionInView(page, `question ${i + 1} after "Câu tiếp"`);
      if (i === 2) await viewShot(page, `phone-${size}-04v-question-next-screen`);
    }
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.getByRole('button', { name: 'Câu trước' }).click();
    await page.getByRole('heading', { level: 1, name: 'Câu 5/6' }).waitFor();
    await questionInView(page, 'question 5 after "Câu trước"');

    // Signing out mid-quiz asks first; declining keeps the citizen in the quiz.
    const dialog = new Promise((resolve) => page.once('dialog', async (d) => { resolve(d.message()); await d.dismiss(); }));
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    assert.match(await dialog, /^Bài đang làm vẫn tính giờ/);
    assert.equal(new URL(page.url()).pathname, `/attempts/${attemptId}`);
    await page.getByRole('button', { name: 'Đăng xuất' }).waitFor();

    // The review: every question with its answer or "Chưa trả lời"; a tap goes back to it.
    await page.getByRole('button', { name: 'Câu tiếp' }).click();
    await page.getByRole('heading', { level: 1, name: 'Câu 6/6' }).waitFor();
    await page.getByRole('button', { name: 'Xem lại và nộp bài' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Nộp bài' }).waitFor();
    const rows = page.locator('ol.answered > li');
    assert.equal(await rows.count(), 6);
    for (let i = 1; i <= 6; i += 1) {
      const text = (await rows.nth(i - 1).textContent()).trim();
      if (chosen[i]) assert.equal(text, `Câu ${i}${chosen[i]}`, `row ${i} shows the chosen answer`);
      else assert.equal(text, `Câu ${i}Chưa trả lời`, `row ${i} says it is unanswered`);
    }
    await page.getByText('Bạn còn 2 câu chưa trả lời.').waitFor();
    await noSideways(page, 'review');
    await screen(page, `phone-${size}-05-review`);
    await rows.nth(2).getByRole('button').click();
    await page.getByRole('heading', { level: 1, name: 'Câu 3/6' }).waitFor();
    await questionInView(page, 'question 3 from the review list');
    await viewShot(page, `phone-${size}-05v-back-to-question-screen`);
    await page.getByRole('radio').first().check();
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.getByText('Danh sách câu hỏi').click();
    await page.locator('details .block').click();
    await page.getByRole('heading', { level: 1, name: 'Nộp bài' }).waitFor();
    await page.getByText('Bạn còn 1 câu chưa trả lời.').waitFor();
    await page.getByLabel('Dự đoán của bạn').fill('150');
    await page.getByRole('button', { name: 'Nộp bài' }).click();
    await page.getByRole('heading', { level: 1, name: 'Kết quả bài thi' }).waitFor();
    assert.equal((await ok('GET', `/attempts/${attemptId}`, undefined, p.token)).attempt.status, 'submitted');

    // After the submit, signing out no longer asks.
    page.once('dialog', (d) => { problems.push(`unexpected dialog: ${d.message()}`); d.dismiss(); });
    await page.getByRole('link', { name: 'Về trang cuộc thi' }).click();
    await page.getByRole('button', { name: 'Thi lượt tiếp theo' }).waitFor();
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.getByRole('heading', { level: 1, name: 'Các cuộc thi' }).waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });

  test(`${size}: the last minute says why the clock is red; at 00:00 nothing looks editable and the typed prediction is kept`, async () => {
    const c = await seedContest(organiser, { title: `Thi nhanh hết giờ (${size})`, time_limit_seconds: 14, grace_seconds: 6, questions_per_attempt: 3 });
    const p = await participant('Phạm Văn Đồng');
    const { context, page, problems } = await open(make, p.token);
    // The submit never reaches the server (a dead network at the last moment): the
    // server closes the attempt itself after the grace period, with what was autosaved.
    await page.route('**/api/v1/attempts/*/submit', (route) => route.abort());
    await page.goto(`${BASE}/contests/${c.id}?start=1`); // "Sẵn sàng?" reached by its own address too
    await page.getByRole('button', { name: 'Bắt đầu tính giờ' }).click();
    await page.getByRole('heading', { level: 1, name: 'Câu 1/3' }).waitFor();
    const attemptId = new URL(page.url()).pathname.split('/')[2];
    await page.getByText('Còn dưới 1 phút', { exact: true }).waitFor();
    assert.equal(await page.locator('.timer.low').count(), 1, 'the clock is red');
    await page.getByRole('radio').first().check();
    await page.getByRole('button', { name: 'Câu tiếp' }).click();
    await page.getByRole('button', { name: 'Câu tiếp' }).click();
    await page.getByRole('button', { name: 'Xem lại và nộp bài' }).first().click();
    await page.getByLabel('Dự đoán của bạn').fill('4321');
    await screen(page, `phone-${size}-06-last-minute`);
    await waitUntil(async () => (await ok('GET', `/attempts/${attemptId}`, undefined, p.token)).attempt.prediction === 4321, 10_000, 'the autosaved prediction');

    // 00:00: the screen explains; no box to type in, no "Nộp bài" to press.
    await page.getByRole('heading', { level: 1, name: 'Hết giờ' }).waitFor({ timeout: 20_000 });
    await page.getByText('Bài đang được tự động nộp với các câu trả lời đã lưu.').waitFor();
    await page.getByText('Dự đoán của bạn: 4.321').waitFor();
    assert.equal(await page.getByRole('textbox').count(), 0, 'no prediction box after the end');
    assert.equal(await page.getByRole('button', { name: 'Nộp bài' }).count(), 0, 'no submit button after the end');
    await screen(page, `phone-${size}-07-time-up`);

    // After the grace period the server has closed it, with the prediction.
    await page.getByRole('link', { name: 'Xem kết quả' }).click({ timeout: 20_000 });
    await page.getByRole('heading', { level: 1, name: 'Kết quả bài thi' }).waitFor();
    await page.getByText('Bài được tự động nộp khi hết giờ, với các câu trả lời đã lưu.').waitFor();
    const server = (await ok('GET', `/attempts/${attemptId}`, undefined, p.token)).attempt;
    assert.notEqual(server.status, 'open');
    assert.equal(server.result.prediction, 4321, 'the typed prediction is kept');
    await page.locator('dd').filter({ hasText: '4.321' }).waitFor();
    await screen(page, `phone-${size}-08-time-up-result`);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test(`${size}: share the contest: the phone's share sheet, else the link copied`, async () => {
    const c = await seedContest(organiser, { title: `Chia sẻ cuộc thi (${size})` });
    // A phone without a share sheet: the link is copied.
    let { context, page, problems } = await open(make);
    await context.addInitScript(() => { Object.defineProperty(Navigator.prototype, 'share', { value: undefined, configurable: true }); });
    page = await context.newPage();
    problems = watch(page);
    await page.goto(`${BASE}/contests/${c.id}`);
    await page.getByRole('button', { name: 'Chia sẻ' }).click();
    await page.getByText('Đã sao chép liên kết.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${BASE}/contests/${c.id}`);
    await screen(page, `phone-${size}-09-shared`);
    assert.deepEqual(problems, []);
    await context.close();

    // With a share sheet: it gets the title and the address.
    ({ context } = await open(make));
    await context.addInitScript(() => { navigator.share = async (data) => { window.shared = data; }; });
    page = await context.newPage();
    await page.goto(`${BASE}/contests/${c.id}`);
    await page.getByRole('button', { name: 'Chia sẻ' }).click();
    const shared = await waitUntil(() => page.evaluate(() => window.shared), 5000, 'the share sheet');
    assert.deepEqual(shared, { title: c.title, url: `${BASE}/contests/${c.id}` });
    await context.close();
  });

  test(`${size}: the large-text switch is remembered and the page still fits`, async () => {
    const c = await seedContest(organiser, { title: `Cỡ chữ lớn (${size})` });
    const { context, page, problems } = await open(make);
    await page.goto(`${BASE}/contests/${c.id}`);
    const toggle = page.getByRole('button', { name: 'Cỡ chữ lớn' });
    const before = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    const bigger = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    assert.ok(bigger > before * 1.2, `the text is larger (${before} → ${bigger} px)`);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: c.title }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains('big')), true, 'remembered after a reload');
    await noSideways(page, 'large text');
    await screen(page, `phone-${size}-10-large-text`);
    await page.getByRole('button', { name: 'Cỡ chữ lớn' }).click();
    assert.equal(await page.evaluate(() => localStorage.getItem('crane.big')), null);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test(`${size}: winners and results fit the phone; the codes are short, explained and copied whole`, async () => {
    await waitUntil(async () => (await ok('GET', `/admin/contests/${finished.id}`, undefined, admin)).contest.status !== 'open', 30_000, 'the contest to end');
    if ((await ok('GET', `/admin/contests/${finished.id}`, undefined, admin)).contest.status !== 'finalized') {
      await new Promise((r) => setTimeout(r, 1200)); // past ends_at + grace on the server's clock
      await ok('POST', `/admin/contests/${finished.id}/results`, {}, admin);
      await ok('POST', `/admin/contests/${finished.id}/finalize`, {}, admin);
    }
    const data = await ok('GET', `/contests/${finished.id}/winners`);
    const { context, page, problems } = await open(make);
    await page.goto(`${BASE}/contests/${finished.id}/winners`);
    await page.getByRole('heading', { level: 1, name: 'Danh sách đoạt giải' }).waitFor();
    const short = (x) => `${x.slice(0, 8)}…${x.slice(-8)}`;
    await page.locator('.hash code').filter({ hasText: short(data.digest) }).waitFor();
    await page.locator('.hash code').filter({ hasText: short(data.draw_seed) }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Mã kiểm chứng' }).waitFor();
    await page.getByText('Dùng để kiểm chứng danh sách không bị sửa sau khi công bố.').waitFor();
    await page.getByRole('heading', { level: 2, name: 'Số bốc thăm' }).waitFor();
    await page.getByText('Con số ngẫu nhiên dùng để xếp thứ tự khi hoàn toàn bằng nhau, được công bố trước.').waitFor();
    // One line each, not a column three characters wide.
    const ems = await page.locator('.hash code').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).fontSize)));
    for (const n of ems) assert.ok(n < 3, `a code is one line (${n.toFixed(1)} em tall)`);
    await page.getByRole('button', { name: 'Sao chép mã kiểm chứng' }).click();
    await page.getByText('Đã sao chép.').first().waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), data.digest, 'the whole digest is copied');
    await page.getByRole('button', { name: 'Sao chép số bốc thăm' }).click();
    assert.equal(await waitUntil(async () => { const v = await page.evaluate(() => navigator.clipboard.readText()); return v === data.draw_seed && v; }, 5000, 'the seed copied'), data.draw_seed);
    // The winners: one card per row, every cell labelled.
    const first = page.locator('table.winners tbody tr').first();
    await first.locator('td[data-label="Họ và tên"]').filter({ hasText: 'Nguyễn Thị Minh Khai' }).waitFor();
    assert.ok(await page.locator('table.winners thead').evaluate((e) => e.getBoundingClientRect().height <= 1), 'the header row is folded into the cards');
    await noSideways(page, 'winners');
    await screen(page, `phone-${size}-11-winners`);

    // The organiser's results on the same phone: cards too.
    await context.addCookies([{ name: 'crane_session', value: admin, url: BASE }]);
    await page.goto(`${BASE}/manage/${finished.id}/results`);
    await page.locator('table.stack tbody tr').first().waitFor();
    await noSideways(page, 'staff results');
    const scrollable = await page.locator('.scroll').evaluate((e) => e.scrollWidth - e.clientWidth);
    assert.ok(scrollable <= 0, `the results table does not scroll sideways (${scrollable} px)`);
    await screen(page, `phone-${size}-12-results`);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test(`${size}: a published contest's editor shows locked settings as locked, and a later end saves`, async () => {
    const c = await seedContest(organiser, { title: `Sửa cuộc thi đã công bố (${size})`, time_limit_seconds: 90 });
    const before = (await ok('GET', `/admin/contests/${c.id}`, undefined, organiser)).contest;
    const { context, page, problems } = await open(make, organiser);
    await page.goto(`${BASE}/manage/${c.id}`);
    await page.getByRole('heading', { level: 1, name: c.title }).waitFor();
    const locked = ['Múi giờ', 'Bắt đầu', 'Số câu mỗi lượt', 'Thời gian làm bài (phút)', 'Số lượt tối đa mỗi người', 'Lượt được tính',
      'Thời gian ân hạn khi nộp (giây)', 'Có câu hỏi dự đoán', 'Con số đúng là'];
    for (const label of locked) assert.equal(await page.getByLabel(label, { exact: true }).isDisabled(), true, `${label} is locked`);
    assert.equal(await page.locator('.keys input[type=checkbox]').first().isDisabled(), true, 'the tie-break is locked');
    assert.equal(await page.getByLabel('Số giải').first().isDisabled(), true, 'a prize count is locked');
    assert.equal(await page.getByLabel('Trị giá mỗi giải (đồng)').first().isDisabled(), true, 'a prize amount is locked');
    assert.equal(await page.getByRole('button', { name: 'Thêm giải' }).isDisabled(), true, 'no new prize tier');
    for (const label of ['Tên cuộc thi', 'Kết thúc', 'Nội dung câu hỏi', 'Danh sách loại trừ']) {
      assert.equal(await page.getByLabel(label, { exact: true }).isDisabled(), false, `${label} stays editable`);
    }
    assert.equal(await page.getByLabel('Tên giải').first().isDisabled(), false, 'prize names stay editable');
    assert.equal(await page.locator('[data-field="questions_per_attempt"] .lock').textContent(), 'Đã khóa sau khi công bố.');
    // 90 s is not whole minutes: shown as a note, and kept.
    await page.getByText('Hiện đặt 1 phút 30 giây.').waitFor();
    assert.equal(await page.getByLabel('Múi giờ').locator('option:checked').textContent(), 'Giờ Việt Nam (GMT+7)');
    const end = page.getByLabel('Kết thúc', { exact: true });
    const was = await end.inputValue();
    assert.equal(await end.getAttribute('min'), was, 'the end cannot move earlier');
    await page.getByText('Chỉ được lùi giờ kết thúc').waitFor();
    await noSideways(page, 'editor');
    await screen(page, `phone-${size}-13-edit-published`);

    // Earlier: said at the field, nothing sent. Later, with a new prize name: saved.
    const shift = (v, h) => { const d = new Date(`${v.slice(0, 16)}:00Z`); d.setUTCHours(d.getUTCHours() + h); return d.toISOString().slice(0, 16); };
    await end.fill(shift(was, -1));
    await page.getByRole('button', { name: 'Lưu', exact: true }).click();
    await page.locator('[data-field="ends_at"] .err').filter({ hasText: 'Chỉ được lùi giờ kết thúc' }).waitFor();
    await end.fill(shift(was, 24));
    await page.getByLabel('Tên giải').first().fill('Giải Nhất toàn tỉnh');
    await page.getByRole('button', { name: 'Lưu', exact: true }).click();
    await page.getByText('Đã lưu.').waitFor();
    const afterSave = (await ok('GET', `/admin/contests/${c.id}`, undefined, organiser)).contest;
    assert.equal(Date.parse(afterSave.ends_at) - Date.parse(before.ends_at), 24 * 3600_000 - (Date.parse(before.ends_at) % 60_000), 'the end moved a day later');
    assert.equal(afterSave.prizes[0].name, 'Giải Nhất toàn tỉnh');
    assert.equal(afterSave.time_limit_seconds, 90, 'the odd time limit is kept');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test(`${size}: a new contest takes minutes and a readable time zone; the bank offers its template`, async () => {
    const { context, page, problems } = await open(make, organiser);
    await page.goto(`${BASE}/manage/new`);
    await page.getByRole('heading', { level: 1, name: 'Tạo cuộc thi' }).waitFor();
    assert.equal(await page.getByLabel('Thời gian làm bài (phút)').inputValue(), '10');
    const zones = await page.getByLabel('Múi giờ').locator('option').allTextContents();
    assert.deepEqual(zones, ['Giờ Việt Nam (GMT+7)', 'Giờ Bangkok, Thái Lan (GMT+7)', 'Giờ Singapore (GMT+8)', 'Giờ quốc tế UTC (GMT+0)']);
    await page.getByLabel('Tên cuộc thi').fill(`Cuộc thi nháp (${size})`);
    const local = (ms) => new Date(Math.floor((Date.now() + ms) / 60000) * 60000 + 7 * 3600_000).toISOString().slice(0, 16);
    await page.getByLabel('Bắt đầu').fill(local(3600_000));
    await page.getByLabel('Kết thúc').fill(local(48 * 3600_000));
    await page.getByLabel('Thời gian làm bài (phút)').fill('181');
    await page.getByRole('button', { name: 'Tạo cuộc thi' }).click();
    await page.getByText('Nhập số phút nguyên từ 1 đến 180.').waitFor();
    await page.getByLabel('Thời gian làm bài (phút)').fill('15');
    await page.getByRole('button', { name: 'Tạo cuộc thi' }).click();
    await page.getByText('Đã tạo cuộc thi. Bước tiếp theo: nhập câu hỏi.').waitFor();
    const id = new URL(page.url()).pathname.split('/')[2];
    const made = (await ok('GET', `/admin/contests/${id}`, undefined, organiser)).contest;
    assert.equal(made.time_limit_seconds, 900, '15 minutes');
    assert.equal(made.timezone, 'Asia/Ho_Chi_Minh');
    const link = page.getByRole('link', { name: 'Tải file mẫu (CSV)' });
    assert.equal(await link.getAttribute('href'), '/api/v1/question-template.csv');
    await page.getByText('“CSV UTF-8 (Comma delimited)”').waitFor();
    await noSideways(page, 'bank');
    await screen(page, `phone-${size}-14-bank-template`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('on a laptop the winners stay a table', async () => {
  await waitUntil(async () => (await ok('GET', `/contests/${finished.id}`)).contest.status === 'finalized', 60_000, 'the winners test to finalize');
  const context = await laptop(browser);
  const page = await context.newPage();
  await page.goto(`${BASE}/contests/${finished.id}/winners`);
  await page.locator('table.winners thead').waitFor();
  assert.ok(await page.locator('table.winners thead').evaluate((e) => e.getBoundingClientRect().height > 20), 'the header row is shown');
  assert.equal(await page.locator('table.winners tbody tr').first().evaluate((e) => getComputedStyle(e).display), 'table-row');
  await screen(page, 'phone-laptop-winners');
  await context.close();
});
