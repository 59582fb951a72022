// The organiser on a laptop: create a contest (with mistakes shown at their
// fields), import a CSV bank with one bad row (shown, fixed, imported), publish,
// then edit what may still change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, ORGANISER_PHONE, PASSWORD, launch, laptop, phone, watch, ok, signIn, screen } from './lib.mjs';

let browser, token;
before(async () => { browser = await launch(); token = await signIn(ORGANISER_PHONE); });
after(async () => { await browser?.close(); });

/** A datetime-local value in Vietnam's time (UTC+7), `ms` from now, whole minutes. */
function vnLocal(ms) {
  const d = new Date(Math.floor((Date.now() + ms) / 60000) * 60000 + 7 * 3600_000);
  return d.toISOString().slice(0, 16);
}

// As Excel saves it: BOM, CRLF, quoted cells; the third question's answer is not a letter A–F.
const CSV_BAD = '\uFEFFquestion,a,b,c,d,e,f,answer,category\r\n'
  + '"Sếu đầu đỏ cao khoảng bao nhiêu?",0.5 m,1 m,1.5 m,2 m,,,C,Sinh học\r\n'
  + 'Tràm Chim thuộc tỉnh nào?,An Giang,Đồng Tháp,,,,,B,Địa lý\r\n'
  + '"Sếu ăn gì, chủ yếu?",Cỏ năn kim,Cá,Lúa,,,,Z,Sinh học\r\n'
  + 'Khu Ramsar Tràm Chim được công nhận năm nào?,2008,2010,2012,,,,C,Lịch sử\r\n';

test('an organiser creates a contest, imports a CSV with a bad row, fixes it and publishes', async () => {
  const context = await laptop(browser);
  const page = await context.newPage();
  const problems = watch(page);

  await page.goto(`${BASE}/login?next=/manage`);
  await page.getByLabel('Số điện thoại di động').fill(ORGANISER_PHONE);
  await page.getByLabel('Mật khẩu', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Quản lý cuộc thi' }).waitFor();
  await screen(page, 'organiser-01-contests');

  await page.getByRole('link', { name: 'Tạo cuộc thi mới' }).click();
  await page.getByRole('heading', { level: 1, name: 'Tạo cuộc thi' }).waitFor();
  await page.getByLabel('Tên cuộc thi').fill('Tìm hiểu pháp luật về bảo vệ động vật hoang dã');
  await page.getByLabel('Giới thiệu').fill('Cuộc thi dành cho mọi người dân trong tỉnh.');
  await page.getByLabel('Thể lệ').fill('Mỗi người thi tối đa 2 lượt; tính lượt đầu tiên.');
  await page.getByLabel('Bắt đầu').fill(vnLocal(2 * 3600_000));
  await page.getByLabel('Kết thúc').fill(vnLocal(3600_000)); // before the start: refused
  await page.getByLabel('Số câu mỗi lượt').fill('3');
  await page.getByLabel('Thời gian làm bài (phút)').fill('5');
  await page.getByLabel('Số lượt tối đa mỗi người').fill('2');
  await page.getByLabel('Lượt được tính').selectOption('first');
  await page.getByLabel('Thời gian ân hạn khi nộp (giây)').fill('10');
  // Tie-break: shorter time before the prediction.
  await page.getByRole('button', { name: 'Chuyển “Thời gian làm bài ngắn hơn” lên' }).click();
  // Two prize tiers.
  await page.getByRole('button', { name: 'Thêm giải' }).click();
  await page.getByLabel('Tên giải').nth(0).fill('Giải Nhất');
  await page.getByLabel('Số giải').nth(0).fill('1');
  await page.getByLabel('Trị giá mỗi giải (đồng)').nth(0).fill('5.000.000');
  await page.getByRole('button', { name: 'Thêm giải' }).click();
  await page.getByLabel('Tên giải').nth(1).fill('Giải Khuyến khích');
  await page.getByLabel('Số giải').nth(1).fill('3');
  await page.getByLabel('Trị giá mỗi giải (đồng)').nth(1).fill('1000000');
  await page.getByLabel('Danh sách loại trừ').fill('0912 000 111\nkhông phải số');
  await page.getByRole('button', { name: 'Tạo cuộc thi' }).click();

  // The server's 422 is shown under each field concerned, in Vietnamese.
  await page.getByText('Thời điểm kết thúc phải sau thời điểm bắt đầu.').waitFor();
  await page.getByText('Dòng 2 không phải số điện thoại di động hay số CCCD 12 chữ số.').waitFor();
  assert.equal(await page.getByLabel('Kết thúc').getAttribute('aria-invalid'), 'true');
  await screen(page, 'organiser-02-create-errors');
  await page.getByLabel('Kết thúc').fill(vnLocal(30 * 24 * 3600_000));
  await page.getByLabel('Danh sách loại trừ').fill('0912 000 111');
  await page.getByRole('button', { name: 'Tạo cuộc thi' }).click();

  await page.getByText('Đã tạo cuộc thi. Bước tiếp theo: nhập câu hỏi.').waitFor();
  const id = new URL(page.url()).pathname.split('/')[2];
  await screen(page, 'organiser-03-bank-empty');

  // The CSV file: its text is shown, its bad row listed, nothing imported.
  await page.locator('#import-file').setInputFiles({ name: 'cau-hoi.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV_BAD, 'utf8') });
  await page.waitForFunction(() => document.querySelector('#import-text').value.includes('Tràm Chim'));
  await page.getByRole('button', { name: 'Nhập câu hỏi' }).click();
  await page.getByText('Có 1 dòng lỗi nên chưa nhập câu nào.').waitFor();
  const cells = await page.locator('table tbody tr').first().locator('td').allTextContents();
  assert.equal(cells[0], '4', 'the header is row 1, so the third question is row 4');
  assert.equal(cells[1], 'answer');
  assert.equal((await ok('GET', `/admin/contests/${id}/questions`, undefined, token)).questions.length, 0);
  await screen(page, 'organiser-04-import-errors');

  // Fixed in place and imported again.
  const box = page.getByLabel('Hoặc dán nội dung tệp');
  await box.fill((await box.inputValue()).replace(',Z,', ',A,'));
  await page.getByRole('button', { name: 'Nhập câu hỏi' }).click();
  await page.getByText('Đã nhập 4 câu. Ngân hàng có 4 câu.').waitFor();
  await page.getByRole('heading', { level: 2, name: 'Các câu hỏi (4)' }).waitFor();
  await page.getByText('Sếu ăn gì, chủ yếu?').waitFor();

  await page.getByRole('button', { name: 'Xuất bản cuộc thi' }).click();
  await page.getByRole('button', { name: 'Xác nhận xuất bản' }).click();
  await page.locator('.notice.ok').filter({ hasText: 'Đã xuất bản.' }).waitFor();
  await screen(page, 'organiser-05-published');

  const { contest } = await ok('GET', `/admin/contests/${id}`, undefined, token);
  assert.equal(contest.status, 'upcoming');
  assert.equal(contest.question_count, 4);
  assert.equal(contest.counted_attempt, 'first');
  assert.deepEqual(contest.tie_break, ['score', 'duration', 'prediction', 'submitted_at']);
  assert.deepEqual(contest.prizes, [{ name: 'Giải Nhất', count: 1, amount: 5000000 }, { name: 'Giải Khuyến khích', count: 3, amount: 1000000 }]);
  assert.deepEqual(contest.excluded, ['0912000111']);
  assert.equal(Date.parse(contest.starts_at) % 60000, 0);

  // After publishing: texts may change, the fairness settings may not.
  await page.getByRole('link', { name: 'Cài đặt' }).click();
  await page.getByText('Cuộc thi đã xuất bản').waitFor();
  await page.getByLabel('Tên cuộc thi').fill('Tìm hiểu pháp luật về bảo vệ động vật hoang dã 2026');
  await page.getByRole('button', { name: 'Lưu' }).click();
  await page.getByText('Đã lưu.').waitFor();
  assert.equal((await ok('GET', `/admin/contests/${id}`, undefined, token)).contest.title, 'Tìm hiểu pháp luật về bảo vệ động vật hoang dã 2026');
  // Locked settings are shown disabled, with why (phone.test.mjs checks them all).
  assert.equal(await page.getByLabel('Số câu mỗi lượt').isDisabled(), true);
  await page.locator('[data-field="questions_per_attempt"] .lock').filter({ hasText: 'Đã khóa sau khi công bố.' }).waitFor();
  await screen(page, 'organiser-06-edit-published');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the contest editor works on a 360 px phone too', async () => {
  const context = await phone(browser);
  // Signed in as the organiser: the session token is the cookie's value.
  await context.addCookies([{ name: 'crane_session', value: token, url: BASE }]);
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${BASE}/manage/new`);
  await page.getByRole('heading', { level: 1, name: 'Tạo cuộc thi' }).waitFor();
  await page.getByRole('button', { name: 'Thêm giải' }).click();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px too wide)`);
  await screen(page, 'organiser-07-editor-phone');
  assert.deepEqual(problems, []);
  await context.close();
});

test('an Aiken bank pasted as text is imported (text/plain, from the app only)', async () => {
  const { contest } = await ok('POST', '/admin/contests', { title: 'Ngân hàng Aiken', starts_at: new Date(Date.now() + 86400_000).toISOString(), ends_at: new Date(Date.now() + 2 * 86400_000).toISOString() }, token);
  const context = await laptop(browser);
  await context.addCookies([{ name: 'crane_session', value: token, url: BASE }]);
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${BASE}/manage/${contest.id}/questions`);
  await page.getByRole('radio', { name: 'Aiken (văn bản)' }).check();
  await page.getByLabel('Hoặc dán nội dung tệp').fill('Sếu đầu đỏ là loài chim gì?\nA. Chim nước\nB. Chim rừng\nANSWER: A\n\nTràm Chim ở đâu?\nA. Đồng Tháp\nB. Cà Mau\nANSWER: A\n');
  await page.getByRole('button', { name: 'Nhập câu hỏi' }).click();
  await page.getByText('Đã nhập 2 câu. Ngân hàng có 2 câu.').waitFor();
  assert.equal((await ok('GET', `/admin/contests/${contest.id}/questions`, undefined, token)).questions.length, 2);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a CSV that Excel saved as plain "CSV" (Windows-1258) is shown and imported with its Vietnamese intact', async () => {
  const { contest } = await ok('POST', '/admin/contests', { title: 'Ngân hàng Windows-1258', starts_at: new Date(Date.now() + 86400_000).toISOString(), ends_at: new Date(Date.now() + 2 * 86400_000).toISOString() }, token);
  const context = await laptop(browser);
  await context.addCookies([{ name: 'crane_session', value: token, url: BASE }]);
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${BASE}/manage/${contest.id}/questions`);
  // Windows-1258 bytes: tone marks are separate bytes after the vowel (0xEC acute,
  // 0xCC grave, 0xD2 hook), 0xEA ê, 0xE2 â, 0xF0 đ, 0xD0 Đ, 0xF4 ô.
  const bytes = Buffer.from('question,a,b,c,d,answer\r\n'
    + 'S\xEA\xECu \xF0\xE2\xCCu \xF0o\xD2 \xF0\xE2u?,Tr\xE0m Chim,C\xE0 Mau,\xD0\xF4\xCCng Th\xE1p,An Giang,A\r\n', 'latin1');
  await page.locator('#import-file').setInputFiles({ name: 'cau-hoi.csv', mimeType: 'text/csv', buffer: bytes });
  await page.waitForFunction(() => document.querySelector('#import-text').value.includes('Sếu đầu đỏ đâu?'));
  await page.getByRole('button', { name: 'Nhập câu hỏi' }).click();
  await page.getByText('Đã nhập 1 câu. Ngân hàng có 1 câu. Đã đọc tệp theo bảng mã Windows-1258.').waitFor();
  const { questions } = await ok('GET', `/admin/contests/${contest.id}/questions`, undefined, token);
  assert.equal(questions[0].text, 'Sếu đầu đỏ đâu?');
  assert.deepEqual(questions[0].options.map((o) => o.text), ['Tràm Chim', 'Cà Mau', 'Đồng Tháp', 'An Giang']);
  assert.deepEqual(problems, []);
  await context.close();
});
