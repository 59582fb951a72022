// The admin after a contest: accounts and roles, live statistics, compute the
// ranking (with what decided each place), disqualify, finalize, download the
// winners for payout; then the public winners list on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  BASE, ADMIN_PHONE, PASSWORD, launch, laptop, phone, watch, ok, signIn, seedContest, participant, takeAttempt,
  screen, isoIn, waitUntil, BANK,
} from './lib.mjs';

let browser, admin, contest, people;

before(async () => {
  browser = await launch();
  admin = await signIn(ADMIN_PHONE);
  // Ends in 15 s with no grace: participants submit now, the test waits for the end.
  contest = await seedContest(admin, {
    title: 'Thi nhanh về Tràm Chim', ends_at: isoIn(15_000), grace_seconds: 0, time_limit_seconds: 60,
    questions_per_attempt: 3, max_attempts: 1,
  }, BANK.slice(0, 3));
  people = {
    mai: await participant('Nguyễn Thị Mai', 'Đồng Tháp', 'Mỹ Hội'),
    hung: await participant('Trần Văn Hùng', 'Đồng Tháp', 'Phú Đức'),
    nam: await participant('Lê Văn Nam', 'An Giang', 'Mỹ Hòa Hưng'),
    lan: await participant('Phạm Thị Lan', 'Đồng Tháp', 'Mỹ Hội'),
    khoa: await participant('Võ Minh Khoa', 'Cần Thơ', 'Tân An'),
  };
  // Two with every answer right: the prediction decides between them (actual figure 2).
  await takeAttempt(people.mai, contest.id, admin, 3, 2);
  await takeAttempt(people.hung, contest.id, admin, 3, 5);
  await takeAttempt(people.nam, contest.id, admin, 2, 1);
  await takeAttempt(people.lan, contest.id, admin, 1, 0);
});
after(async () => { await browser?.close(); });

async function signInAs(page, next) {
  await page.goto(`${BASE}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Số điện thoại di động').fill(ADMIN_PHONE);
  await page.getByLabel('Mật khẩu', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
}

test('an admin finds an account and makes it an organiser', async () => {
  const context = await laptop(browser);
  const page = await context.newPage();
  const problems = watch(page);
  await signInAs(page, '/admin/users');
  await page.getByRole('heading', { level: 1, name: 'Tài khoản' }).waitFor();
  await page.getByLabel('Tìm theo số điện thoại hoặc họ tên').fill(people.khoa.phone);
  await page.getByRole('button', { name: 'Tìm', exact: true }).click();
  // The search's own answer: one account (the first, unfiltered list may be longer).
  const khoa = page.getByRole('listitem').filter({ hasText: people.khoa.phone });
  await khoa.getByRole('heading', { level: 2, name: 'Võ Minh Khoa' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('ul.cards > li').length === 1);
  await khoa.getByLabel('Vai trò của Võ Minh Khoa').selectOption('organiser');
  await khoa.getByRole('button', { name: 'Đổi vai trò' }).click();
  await page.getByText('Đã đổi vai trò của Võ Minh Khoa.').waitFor();
  await screen(page, 'admin-01-accounts');
  const { users } = await ok('GET', `/admin/users?q=${people.khoa.phone}`, undefined, admin);
  assert.equal(users[0].role, 'organiser');
  assert.deepEqual(problems, []);
  await context.close();
});

test('live statistics are drawn as charts', async () => {
  const context = await laptop(browser);
  const page = await context.newPage();
  const problems = watch(page);
  await signInAs(page, `/manage/${contest.id}/stats`);
  await page.getByRole('heading', { level: 1, name: /^Thống kê/ }).waitFor();
  assert.equal(await page.locator('svg.chart').count(), 4, 'per day, per place, histogram, hardest questions');
  const label = await page.locator('svg.chart').nth(1).getAttribute('aria-label');
  // The province as the server now stores it: its official name, even for a text address.
  assert.match(label, /Mỹ Hội, Cao Lãnh, Tỉnh Đồng Tháp: 2/);
  await screen(page, 'admin-02-stats');
  assert.deepEqual(problems, []);
  await context.close();
});

test('an admin computes the results, disqualifies, finalizes and downloads the winners', async () => {
  await waitUntil(async () => (await ok('GET', `/contests/${contest.id}`)).contest.status === 'closed', 30_000, 'the contest to end');
  await new Promise((r) => setTimeout(r, 1200)); // past ends_at + grace on the server's clock
  const context = await laptop(browser);
  const page = await context.newPage();
  const problems = watch(page);
  await signInAs(page, `/manage/${contest.id}/results`);
  await page.getByRole('heading', { level: 1, name: /^Kết quả và xếp hạng/ }).waitFor();
  await page.getByText('Chưa tính kết quả.').waitFor();

  await page.getByRole('button', { name: 'Tính kết quả' }).click();
  await page.getByText('Đã tính kết quả.').waitFor();
  await page.locator('table tbody tr').first().waitFor();
  const rows = page.locator('table tbody tr');
  const first = await rows.nth(0).locator('td').allTextContents();
  const second = await rows.nth(1).locator('td').allTextContents();
  const third = await rows.nth(2).locator('td').allTextContents();
  assert.equal(first[0], '1');
  assert.match(first[1], /Nguyễn Thị Mai/);
  assert.match(first[7], /Giải Nhất/);
  // decided_by says what separated a row from the row above it.
  assert.match(second[1], /Trần Văn Hùng/);
  assert.equal(second[6], 'Dự đoán gần đúng hơn', 'a tie on score was decided by the prediction');
  assert.match(third[1], /Lê Văn Nam/);
  assert.equal(third[6], 'Nhiều câu đúng hơn');
  await screen(page, 'admin-03-results');

  await page.getByRole('button', { name: 'Loại Phạm Thị Lan' }).click();
  await page.getByLabel('Lý do loại').fill('Dùng nhiều tài khoản');
  await page.getByRole('button', { name: 'Xác nhận loại' }).click();
  await page.getByText('Đã loại Phạm Thị Lan.').waitFor();
  await page.getByRole('button', { name: 'Tính lại kết quả' }).click();
  await page.getByText('Phạm Thị Lan', { exact: false }).filter({ hasText: 'Bị loại' }).waitFor();

  await page.getByRole('button', { name: 'Chốt kết quả' }).click();
  await page.getByRole('button', { name: 'Xác nhận chốt kết quả' }).click();
  await page.getByText('Đã chốt kết quả. Mã kiểm chứng:').waitFor();
  const { results } = await ok('GET', `/admin/contests/${contest.id}/results`, undefined, admin);
  assert.match(results.digest, /^[0-9a-f]{64}$/);
  assert.ok(await page.getByText(results.digest).first().isVisible(), 'the digest is shown');
  await screen(page, 'admin-04-finalized');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Danh sách đoạt giải (Excel)' }).click(),
  ]);
  const file = readFileSync(await download.path());
  assert.equal(file.subarray(0, 2).toString('latin1'), 'PK', `winners.xlsx is a zip (XLSX), got ${file.subarray(0, 80).toString('utf8')}`);
  assert.deepEqual(problems, []);
  await context.close();

  // The winners are public, phones masked, on a phone.
  const mobile = await phone(browser);
  const p2 = await mobile.newPage();
  const problems2 = watch(p2);
  await p2.goto(`${BASE}/contests/${contest.id}`);
  await p2.getByRole('link', { name: 'Xem danh sách đoạt giải' }).click();
  await p2.getByRole('heading', { level: 1, name: 'Danh sách đoạt giải' }).waitFor();
  // A table on a laptop, one card per winner on a phone (phone.test.mjs); each cell names its column.
  await p2.locator('table.winners tbody tr').first().locator('td[data-label="Họ và tên"]').filter({ hasText: 'Nguyễn Thị Mai' }).waitFor();
  assert.equal(await p2.locator('table.winners tbody tr').first().locator('td[data-label="Hạng"]').textContent(), '1');
  assert.equal(await p2.getByText('Phạm Thị Lan').count(), 0, 'the disqualified participant wins nothing');
  assert.ok(!(await p2.content()).includes(people.mai.phone), 'phones are masked');
  await screen(p2, 'citizen-14-winners');
  assert.deepEqual(problems2, []);
  await mobile.close();
});
