// After the results are final: a citizen's own rank and prize on a phone, the
// review of the answers (the contest allows it), and the organiser's statistics
// per province with the Excel download.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  BASE, ADMIN_PHONE, ORGANISER_PHONE, launch, laptop, phone, watch, ok, call, signIn, seedContest, participant, takeAttempt,
  screen, isoIn, waitUntil, BANK,
} from './lib.mjs';

let browser, admin, contest, noReview, noReviewAttempt, winner, second, winnerAttempt, secondAttempt;
const QUESTIONS = BANK.slice(0, 3);

before(async () => {
  browser = await launch();
  admin = await signIn(ADMIN_PHONE);
  // Ends in 15 s with no grace; one prize, so only the first place wins.
  contest = await seedContest(admin, {
    title: 'Thi nhanh có đáp án', ends_at: isoIn(15_000), grace_seconds: 0, time_limit_seconds: 60,
    questions_per_attempt: 3, max_attempts: 1, review_after_final: true,
    prizes: [{ name: 'Giải Nhất', count: 1, amount: 5_000_000 }],
  }, QUESTIONS);
  // The same, but without the review of answers.
  noReview = await seedContest(admin, {
    title: 'Thi nhanh không công bố đáp án', ends_at: isoIn(15_000), grace_seconds: 0, time_limit_seconds: 60,
    questions_per_attempt: 3, max_attempts: 1, review_after_final: false,
  }, QUESTIONS);
  winner = await participant('Đặng Thị Hoa', 'Đồng Tháp', 'Mỹ Hội');
  second = await participant('Bùi Văn Tâm', 'An Giang', 'Mỹ Hòa Hưng');
  winnerAttempt = await takeAttempt(winner, contest.id, admin, 3, 2);
  secondAttempt = await takeAttempt(second, contest.id, admin, 1, 2);
  noReviewAttempt = await takeAttempt(winner, noReview.id, admin, 2, 2);
});
after(async () => { await browser?.close(); });

async function citizenPage(p) {
  const context = await phone(browser);
  await context.addCookies([{ name: 'crane_session', value: p.token, url: BASE }]);
  const page = await context.newPage();
  return { context, page, problems: watch(page) };
}

const expectedAmount = new Intl.NumberFormat('vi-VN', { style: 'currency', currency: 'VND', maximumFractionDigits: 0 }).format(5_000_000);

test('before the results are final, the result page says they are not final yet', async () => {
  const { context, page, problems } = await citizenPage(second);
  await page.goto(`${BASE}/attempts/${secondAttempt.id}/result`);
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.getByText('Kết quả chưa chính thức').waitFor();
  assert.equal(await page.getByText(/Bạn xếp hạng/).count(), 0, 'no rank while pending');
  assert.equal(await page.getByRole('link', { name: 'Xem đáp án' }).count(), 0, 'no review while pending');
  assert.equal((await call('GET', `/attempts/${secondAttempt.id}/review`, undefined, second.token)).status, 409);
  await screen(page, 'final-01-pending-phone');
  assert.deepEqual(problems, []);
  await context.close();
});

test('after finalization the winner sees the prize, the next step, and the answers', async () => {
  await waitUntil(async () => (await ok('GET', `/contests/${contest.id}`)).contest.status === 'closed', 30_000, 'the contest to end');
  await new Promise((r) => setTimeout(r, 1200)); // past ends_at + grace on the server's clock
  await ok('POST', `/admin/contests/${contest.id}/results`, {}, admin);
  await ok('POST', `/admin/contests/${contest.id}/finalize`, {}, admin);
  await ok('POST', `/admin/contests/${noReview.id}/results`, {}, admin);
  await ok('POST', `/admin/contests/${noReview.id}/finalize`, {}, admin);
  const mine = await ok('GET', `/contests/${contest.id}/my-result`, undefined, winner.token);
  assert.equal(mine.status, 'ranked');
  assert.equal(mine.won, true);

  const { context, page, problems } = await citizenPage(winner);
  await page.goto(`${BASE}/attempts/${winnerAttempt.id}/result`);
  await page.getByText('Bạn xếp hạng 1/2').waitFor();
  const congrats = await page.getByText(/^Chúc mừng!/).textContent();
  assert.equal(congrats, `Chúc mừng! Bạn đạt Giải Nhất (${expectedAmount}).`);
  await page.getByText('Ban tổ chức sẽ liên hệ qua số điện thoại đã đăng ký để trao giải.').waitFor();
  assert.equal(await page.getByText('Kết quả chưa chính thức').count(), 0);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px too wide)`);
  await screen(page, 'final-02-winner-phone');

  await page.getByRole('link', { name: 'Xem đáp án' }).click();
  await page.getByRole('heading', { level: 1, name: 'Đáp án bài thi' }).waitFor();
  await page.getByText('Đúng 3/3 câu', { exact: true }).waitFor();
  const cards = page.locator('ol.review > li');
  assert.equal(await cards.count(), 3);
  for (let i = 0; i < 3; i += 1) {
    const card = cards.nth(i);
    const text = await card.locator('.q').textContent();
    const [, options, correct] = QUESTIONS.find(([q]) => q === text);
    const marked = card.locator('ul.opts > li').filter({ hasText: 'Đáp án đúng' });
    assert.equal(await marked.count(), 1, `one right answer marked in "${text}"`);
    assert.equal(await marked.locator('.opt-text').textContent(), options[correct]);
    const chosen = card.locator('ul.opts > li').filter({ hasText: 'Bạn chọn' });
    assert.equal(await chosen.locator('.opt-text').textContent(), options[correct], 'every answer of the winner was right');
  }
  const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow2 <= 0, `review: no sideways scrolling (${overflow2} px too wide)`);
  await screen(page, 'final-03-review-phone');

  // A contest that does not publish its answers: the rank, but no link (the server says 409).
  await page.goto(`${BASE}/attempts/${noReviewAttempt.id}/result`);
  await page.getByText('Bạn xếp hạng 1/1').waitFor();
  assert.equal((await call('GET', `/attempts/${noReviewAttempt.id}/review`, undefined, winner.token)).status, 409);
  assert.equal(await page.getByRole('link', { name: 'Xem đáp án' }).count(), 0, 'no review link when the contest keeps its answers');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the second place sees the rank, no prize, and the wrong answer marked as theirs', async () => {
  const { context, page, problems } = await citizenPage(second);
  await page.goto(`${BASE}/attempts/${secondAttempt.id}/result`);
  await page.getByText('Bạn xếp hạng 2/2').waitFor();
  assert.equal(await page.getByText(/Chúc mừng/).count(), 0, 'no prize for the second place');
  await page.getByRole('link', { name: 'Xem đáp án' }).click();
  await page.getByRole('heading', { level: 1, name: 'Đáp án bài thi' }).waitFor();
  await page.getByText('Đúng 1/3 câu', { exact: true }).waitFor();
  const wrong = page.locator('ol.review > li').filter({ hasText: 'Trả lời sai' });
  assert.equal(await wrong.count(), 2);
  const chosen = wrong.first().locator('ul.opts > li').filter({ hasText: 'Bạn chọn' });
  assert.equal(await chosen.count(), 1);
  assert.equal(await chosen.filter({ hasText: 'Đáp án đúng' }).count(), 0, 'the chosen wrong option is not marked right');
  await screen(page, 'final-04-review-wrong-phone');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the statistics list participants per province and download as Excel', async () => {
  const context = await laptop(browser);
  await context.addCookies([{ name: 'crane_session', value: admin, url: BASE }]);
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${BASE}/manage/${contest.id}/stats`);
  await page.getByRole('heading', { level: 2, name: 'Theo tỉnh/thành phố' }).waitFor();
  const row = page.locator('table.provinces tbody tr').filter({ hasText: 'Đồng Tháp' });
  assert.equal(await row.count(), 1);
  assert.deepEqual(await row.locator('td').allTextContents(), ['1', '1'], 'one participant, one attempt');
  assert.equal(await page.locator('table.provinces tbody tr').filter({ hasText: 'An Giang' }).count(), 1);
  await screen(page, 'final-05-stats-provinces');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Tải thống kê (Excel)' }).click(),
  ]);
  const name = download.suggestedFilename();
  assert.match(name.normalize('NFC'), /Thống kê|thong[-_ ]?ke/i, `file name: ${name}`);
  assert.match(name, /\.xlsx$/);
  const file = readFileSync(await download.path());
  assert.equal(file.subarray(0, 2).toString('latin1'), 'PK', 'stats.xlsx is a zip (XLSX)');
  assert.deepEqual(problems, []);
  await context.close();
});

async function organiserPage(token) {
  const context = await laptop(browser);
  await context.addCookies([{ name: 'crane_session', value: token, url: BASE }]);
  const page = await context.newPage();
  return { context, page, problems: watch(page) };
}

test('after publishing, the organiser edits a question\'s wording only, and allows the review', async () => {
  const org = await signIn(ORGANISER_PHONE);
  const c = await seedContest(org, { title: 'Sửa câu chữ sau khi công bố', questions_per_attempt: 3 }, BANK.slice(0, 4));
  const before = (await ok('GET', `/admin/contests/${c.id}/questions`, undefined, org)).questions;
  const { context, page, problems } = await organiserPage(org);
  await page.goto(`${BASE}/manage/${c.id}/questions`);
  await page.getByText('Cuộc thi đã xuất bản: không nhập thêm hay xoá câu được nữa; vẫn sửa được câu chữ.').waitFor();
  assert.equal(await page.getByRole('button', { name: /^Xoá câu/ }).count(), 0, 'no deleting after publishing');
  await page.getByRole('button', { name: 'Sửa câu 1' }).click();
  await page.getByText('Sau khi công bố chỉ sửa được câu chữ').waitFor();
  const form = page.locator('form.q-edit');
  assert.equal(await form.getByLabel('Chủ đề').isDisabled(), true, 'the category is locked');
  assert.equal(await form.getByRole('radio').first().isDisabled(), true, 'the right answer is locked');
  assert.equal(await form.getByRole('button', { name: 'Thêm phương án' }).isDisabled(), true, 'the options count is locked');
  assert.equal(await form.getByLabel('Nội dung câu hỏi').isDisabled(), false, 'the wording is not');
  await screen(page, 'final-06-bank-edit-published');

  // An empty wording is refused by the server and shown at the field.
  await form.getByLabel('Nội dung câu hỏi').fill('');
  await form.getByRole('button', { name: 'Lưu câu hỏi' }).click();
  await form.locator('[data-field="text"] .err:not([hidden])').waitFor();
  assert.equal(await form.getByLabel('Nội dung câu hỏi').getAttribute('aria-invalid'), 'true');

  const wording = `${before[0].text} (đã sửa chính tả)`;
  await form.getByLabel('Nội dung câu hỏi').fill(wording);
  await form.getByRole('button', { name: 'Lưu câu hỏi' }).click();
  await page.getByText('Đã lưu câu hỏi.').waitFor();
  await page.getByText(wording).waitFor();
  const after = (await ok('GET', `/admin/contests/${c.id}/questions`, undefined, org)).questions;
  const edited = after.find((q) => q.id === before[0].id);
  assert.equal(edited.text, wording);
  assert.equal(edited.correct_option_id, before[0].correct_option_id, 'the right answer is unchanged');
  assert.equal(edited.category, before[0].category);

  // The review setting can still change after publishing.
  assert.equal((await ok('GET', `/admin/contests/${c.id}`, undefined, org)).contest.review_after_final, false);
  await page.getByRole('link', { name: 'Cài đặt' }).click();
  await page.getByLabel('Cho thí sinh xem đáp án sau khi công bố kết quả chính thức').check();
  await page.getByRole('button', { name: 'Lưu', exact: true }).click();
  await page.getByText('Đã lưu.').waitFor();
  assert.equal((await ok('GET', `/admin/contests/${c.id}`, undefined, org)).contest.review_after_final, true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('in a draft, the organiser deletes a question after confirming', async () => {
  const org = await signIn(ORGANISER_PHONE);
  const { contest: c } = await ok('POST', '/admin/contests', { title: 'Bản nháp để xoá câu', starts_at: isoIn(86400_000), ends_at: isoIn(2 * 86400_000) }, org);
  await ok('POST', `/admin/contests/${c.id}/questions`, {
    questions: BANK.slice(0, 3).map(([text, options, correct, category]) => ({ text, options, correct, category })),
  }, org);
  const { context, page, problems } = await organiserPage(org);
  await page.goto(`${BASE}/manage/${c.id}/questions`);
  await page.getByRole('heading', { level: 2, name: 'Các câu hỏi (3)' }).waitFor();
  const gone = await page.locator('ol.bank > li').nth(1).locator('p').first().textContent();
  await page.getByRole('button', { name: 'Xoá câu 2' }).click();
  await page.getByText('Xoá hẳn câu này?').waitFor();
  await screen(page, 'final-07-bank-delete-confirm');
  await page.getByRole('button', { name: 'Xác nhận xoá' }).click();
  await page.getByText('Đã xoá câu hỏi.').waitFor();
  await page.getByRole('heading', { level: 2, name: 'Các câu hỏi (2)' }).waitFor();
  const left = (await ok('GET', `/admin/contests/${c.id}/questions`, undefined, org)).questions;
  assert.equal(left.length, 2);
  assert.ok(!left.some((q) => gone.startsWith(q.text)), 'the chosen question is the one deleted');
  assert.equal(await page.locator('ol.bank > li').filter({ hasText: gone }).count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});
