// Organisations: on a laptop the admin adds two in the "Đơn vị" screen (the
// address suggested from the name, a bad and a taken address refused at the
// field), uploads a logo (a wrong type and a too large file refused first),
// and makes a citizen an organiser of the second one in the accounts screen;
// that organiser sees only their organisation's contests, and another
// organisation's contest is "not found" to them; on a phone, a citizen sees
// the contests grouped by organisation and an organisation's own page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import {
  BASE, ADMIN_PHONE, ORGANISER_PHONE, PASSWORD, launch, laptop, phone, watch, ok, call, signIn, seedContest, participant, screen, isoIn,
} from './lib.mjs';

const YOUTH = {
  name: 'Đoàn Thanh niên tỉnh Đồng Tháp', slug: 'doan-thanh-nien-tinh-dong-thap', hotline: '0277 3851 234',
  intro: 'Tuổi trẻ Đồng Tháp chung tay bảo vệ sếu đầu đỏ.\nMọi thắc mắc xin gọi đường dây nóng.',
};
const WOMEN = { name: 'Hội Liên hiệp Phụ nữ Đồng Tháp', suggested: 'hoi-lien-hiep-phu-nu-dong-thap', slug: 'hoi-phu-nu' };
const FARMERS = { name: 'Hội Nông dân tỉnh Đồng Tháp', slug: 'hoi-nong-dan' }; // no public contest: not on the home page

let browser, admin, defaultContest;
before(async () => {
  browser = await launch();
  admin = await signIn(ADMIN_PHONE);
  // The shared organiser belongs to the default organisation, and so does this contest.
  defaultContest = await seedContest(await signIn(ORGANISER_PHONE), { title: 'Tìm hiểu về Sếu đầu đỏ — Ban tổ chức' });
});
after(async () => { await browser?.close(); });

// --- a tiny valid PNG: a red disc on white, 16×16, made here ---
function crc32(buf) {
  let crc = 0xffffffff;
  for (const b of buf) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, tail]);
}
function tinyPng(size = 16) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bits per channel
  ihdr[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = [0]; // filter: none
    for (let x = 0; x < size; x++) {
      const inside = (x - size / 2 + 0.5) ** 2 + (y - size / 2 + 0.5) ** 2 < (size / 2.5) ** 2;
      row.push(...(inside ? [200, 16, 46] : [255, 255, 255]));
    }
    rows.push(Buffer.from(row));
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}
const PNG = tinyPng();

async function adminOrg(slug) {
  return (await ok('GET', '/admin/organisations', undefined, admin)).organisations.find((o) => o.slug === slug);
}

async function signInOnLaptop(phoneNumber, password, next) {
  const context = await laptop(browser);
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${BASE}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Số điện thoại di động').fill(phoneNumber);
  await page.getByLabel('Mật khẩu', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
  return { context, page, problems };
}

const fieldError = (scope, name) => scope.locator(`[data-field="${name}"] > .err`);

test('with only the default organisation, the home page is the plain list it was', async () => {
  const { organisations } = await ok('GET', '/organisations');
  assert.deepEqual(organisations.map((o) => o.slug), ['ban-to-chuc'], 'no other organisation yet (this file adds them)');
  const context = await phone(browser);
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(`${BASE}/`);
  await page.getByRole('heading', { level: 1, name: 'Các cuộc thi' }).waitFor();
  await page.getByRole('heading', { level: 2, name: defaultContest.title }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Ban tổ chức', exact: true }).count(), 0, 'no heading for the only organisation');
  assert.equal(await page.getByRole('region').count(), 0, 'no groups');
  assert.equal(await page.getByText('Đường dây nóng').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('an admin adds organisations: the address follows the name, a bad or taken address is refused at its field', async () => {
  const { context, page, problems } = await signInOnLaptop(ADMIN_PHONE, PASSWORD, '/manage');
  await page.getByRole('heading', { level: 1, name: 'Quản lý cuộc thi' }).waitFor();
  // The staff navigation leads admins to the organisations.
  await page.getByRole('navigation', { name: 'Quản trị' }).getByRole('link', { name: 'Đơn vị' }).click();
  await page.getByRole('heading', { level: 1, name: 'Đơn vị' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/admin/organisations');
  // The default organisation holds everything made before organisations existed.
  await page.getByRole('rowheader', { name: 'Ban tổ chức', exact: true }).waitFor();

  const form = page.locator('section').filter({ has: page.getByRole('heading', { level: 2, name: 'Thêm đơn vị' }) });
  await form.getByLabel('Tên đơn vị').pressSequentially(YOUTH.name);
  assert.equal(await form.getByLabel('Đường dẫn').inputValue(), YOUTH.slug, 'the address is suggested from the name as it is typed');
  await form.getByLabel('Đường dây nóng').fill(YOUTH.hotline);
  await form.getByLabel('Giới thiệu').fill(YOUTH.intro);
  await form.getByRole('button', { name: 'Thêm đơn vị' }).click();
  await page.getByText(`Đã thêm đơn vị ${YOUTH.name}.`).waitFor();
  await page.getByRole('rowheader', { name: YOUTH.name }).waitFor();
  assert.equal(await form.getByLabel('Tên đơn vị').inputValue(), '', 'the form is empty for the next one');
  const youth = await adminOrg(YOUTH.slug);
  assert.ok(youth, 'the server has it, at the suggested address');
  assert.equal(youth.name, YOUTH.name);
  assert.equal(youth.hotline, YOUTH.hotline);
  assert.equal(youth.intro, YOUTH.intro);

  // The second: an address the admin types wrong, then one that is taken.
  await form.getByLabel('Tên đơn vị').pressSequentially(WOMEN.name);
  assert.equal(await form.getByLabel('Đường dẫn').inputValue(), WOMEN.suggested, 'tone marks removed, đ → d, spaces → dashes');
  await form.getByLabel('Đường dẫn').fill('Hội Phụ Nữ');
  await form.getByLabel('Đường dây nóng').fill('0277 3852 000');
  await form.getByRole('button', { name: 'Thêm đơn vị' }).click();
  await fieldError(form, 'slug').filter({ hasText: 'Đường dẫn gồm 2–60 chữ thường không dấu' }).waitFor();
  assert.equal(await form.getByLabel('Đường dẫn').getAttribute('aria-invalid'), 'true');
  assert.equal(await form.getByLabel('Tên đơn vị').inputValue(), WOMEN.name, 'nothing typed is lost');
  assert.equal(await form.getByLabel('Đường dây nóng').inputValue(), '0277 3852 000');
  // Typing the name again no longer overwrites an address the admin typed.
  await form.getByLabel('Tên đơn vị').press('End');
  await form.getByLabel('Tên đơn vị').pressSequentially(' ');
  assert.equal(await form.getByLabel('Đường dẫn').inputValue(), 'Hội Phụ Nữ');
  await form.getByLabel('Tên đơn vị').fill(WOMEN.name);
  await screen(page, 'organisations-01-bad-slug');

  await form.getByLabel('Đường dẫn').fill(YOUTH.slug);
  await form.getByRole('button', { name: 'Thêm đơn vị' }).click();
  await fieldError(form, 'slug').filter({ hasText: 'Đường dẫn này đã có đơn vị khác dùng.' }).waitFor();
  assert.equal(await form.getByLabel('Tên đơn vị').inputValue(), WOMEN.name, 'nothing typed is lost');
  assert.equal((await ok('GET', '/admin/organisations', undefined, admin)).organisations.filter((o) => o.name === WOMEN.name).length, 0,
    'neither try made an organisation');
  await screen(page, 'organisations-02-slug-taken');

  await form.getByLabel('Đường dẫn').fill(WOMEN.slug);
  await form.getByRole('button', { name: 'Thêm đơn vị' }).click();
  await page.getByText(`Đã thêm đơn vị ${WOMEN.name}.`).waitFor();
  assert.equal(await fieldError(form, 'slug').isVisible(), false, 'the error is gone');
  const women = await adminOrg(WOMEN.slug);
  assert.equal(women?.hotline, '0277 3852 000');

  // Editing: the texts, with the same checks at the fields.
  await page.getByRole('button', { name: `Sửa ${WOMEN.name}` }).click();
  const editor = page.locator('section').filter({ has: page.getByRole('heading', { level: 2, name: `Sửa đơn vị: ${WOMEN.name}` }) });
  assert.equal(await editor.getByLabel('Đường dẫn').inputValue(), WOMEN.slug);
  await editor.getByLabel('Đường dẫn').fill(YOUTH.slug);
  await editor.getByLabel('Giới thiệu').fill('Hội Phụ nữ tỉnh.\nPhụ nữ Đồng Tháp học luật.');
  await editor.getByRole('button', { name: 'Lưu đơn vị' }).click();
  await fieldError(editor, 'slug').filter({ hasText: 'Đường dẫn này đã có đơn vị khác dùng.' }).waitFor();
  assert.equal(await editor.getByLabel('Giới thiệu').inputValue(), 'Hội Phụ nữ tỉnh.\nPhụ nữ Đồng Tháp học luật.', 'nothing typed is lost');
  await editor.getByLabel('Đường dẫn').fill(WOMEN.slug);
  await editor.getByRole('button', { name: 'Lưu đơn vị' }).click();
  await editor.getByText(`Đã lưu đơn vị ${WOMEN.name}.`).waitFor();
  assert.equal((await adminOrg(WOMEN.slug)).intro, 'Hội Phụ nữ tỉnh.\nPhụ nữ Đồng Tháp học luật.');
  assert.deepEqual(problems, []);
  await context.close();
});

test('an admin uploads a logo with a preview; a wrong type and a too large file are refused with the server\'s reason', async () => {
  const { context, page, problems } = await signInOnLaptop(ADMIN_PHONE, PASSWORD, '/admin/organisations');
  await page.getByRole('button', { name: `Sửa ${YOUTH.name}` }).click();
  const editor = page.locator('section').filter({ has: page.getByRole('heading', { level: 2, name: `Sửa đơn vị: ${YOUTH.name}` }) });
  await editor.getByText('Chưa có logo.').waitFor();
  const file = editor.getByLabel('Chọn ảnh logo');
  const upload = editor.getByRole('button', { name: 'Tải logo lên' });

  // An SVG: refused by its bytes (no SVG), said at the field.
  await file.setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>') });
  await upload.click();
  await fieldError(editor, 'logo').filter({ hasText: 'Logo phải là ảnh PNG, JPEG hoặc WebP' }).waitFor();
  assert.equal(await file.getAttribute('aria-invalid'), 'true');
  // More than 256 KB.
  await file.setInputFiles({ name: 'logo-lon.png', mimeType: 'image/png', buffer: Buffer.concat([PNG, Buffer.alloc(300 * 1024)]) });
  await upload.click();
  await fieldError(editor, 'logo').filter({ hasText: 'Ảnh logo lớn hơn 256 KB.' }).waitFor();
  assert.equal((await adminOrg(YOUTH.slug)).logo_url, null, 'no logo was stored');
  await screen(page, 'organisations-03-logo-refused');

  // The PNG: previewed before it is sent, then shown as the organisation's logo.
  await file.setInputFiles({ name: 'logo-doan.png', mimeType: 'image/png', buffer: PNG });
  const preview = editor.getByRole('img', { name: 'Logo mới (xem trước)' });
  await preview.waitFor();
  assert.match(await preview.getAttribute('src'), /^data:image\/png;base64,/);
  assert.equal(await preview.evaluate((img) => img.complete && img.naturalWidth), 16, 'the preview shows the chosen image');
  await upload.click();
  await editor.getByText(`Đã lưu logo của ${YOUTH.name}.`).waitFor();
  const stored = await adminOrg(YOUTH.slug);
  assert.match(stored.logo_url ?? '', new RegExp(`^/api/v1/organisations/${YOUTH.slug}/logo\\?v=`));
  const res = await fetch(`${BASE}${stored.logo_url}`);
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG, 'the server holds the very bytes chosen');
  const current = editor.getByRole('img', { name: YOUTH.name });
  await current.waitFor();
  assert.equal(await current.getAttribute('src'), stored.logo_url);
  await page.waitForFunction((src) => [...document.querySelectorAll('table img')].some((i) => i.getAttribute('src') === src && i.complete && i.naturalWidth === 16), stored.logo_url);
  assert.equal(await editor.locator('.preview img').count(), 0, 'the preview is cleared once saved');
  await screen(page, 'organisations-04-logo');
  assert.deepEqual(problems, []);
  await context.close();
});

let womenOrganiser, youthOrganiser, contests;

test('an admin makes a citizen an organiser of the second organisation in the accounts screen', async () => {
  womenOrganiser = await participant('Phan Thị Đào', 'Đồng Tháp', 'Mỹ Hội');
  const women = await adminOrg(WOMEN.slug);
  const before = women.organisers;
  const { context, page, problems } = await signInOnLaptop(ADMIN_PHONE, PASSWORD, '/admin/users');
  await page.getByRole('heading', { level: 1, name: 'Tài khoản' }).waitFor();
  await page.getByLabel('Tìm theo số điện thoại hoặc họ tên').fill(womenOrganiser.phone);
  await page.getByRole('button', { name: 'Tìm', exact: true }).click();
  const card = page.getByRole('listitem').filter({ hasText: womenOrganiser.phone });
  await card.getByRole('heading', { level: 2, name: 'Phan Thị Đào' }).waitFor();
  const org = card.getByLabel('Đơn vị của Phan Thị Đào');
  assert.equal(await org.isVisible(), false, 'a participant has no organisation to pick');
  await card.getByLabel('Vai trò của Phan Thị Đào').selectOption('organiser');
  await org.waitFor();
  assert.equal(await org.inputValue(), '00000000-0000-4000-8000-000000000001', 'the default organisation, until another is picked');
  await org.selectOption({ label: WOMEN.name });
  await card.getByRole('button', { name: 'Đổi vai trò' }).click();
  await page.getByText(`Đã đổi vai trò của Phan Thị Đào. Đơn vị: ${WOMEN.name}.`).waitFor();
  await card.getByText(`Đơn vị: ${WOMEN.name}`, { exact: true }).waitFor();
  await screen(page, 'organisations-05-assign');

  const { users } = await ok('GET', `/admin/users?q=${womenOrganiser.phone}`, undefined, admin);
  assert.equal(users[0].role, 'organiser');
  assert.equal((await adminOrg(WOMEN.slug)).organisers, before + 1, 'the organiser belongs to the second organisation');
  assert.equal((await adminOrg(YOUTH.slug)).organisers, 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('after a reload the accounts screen still names an organiser\'s organisation', async () => {
  const women = await adminOrg(WOMEN.slug);
  const { context, page } = await signInOnLaptop(ADMIN_PHONE, PASSWORD, `/admin/users?q=${womenOrganiser.phone}`);
  try {
    const card = page.getByRole('listitem').filter({ hasText: womenOrganiser.phone });
    await card.getByRole('heading', { level: 2, name: 'Phan Thị Đào' }).waitFor();
    assert.equal(await card.getByLabel('Đơn vị của Phan Thị Đào').inputValue(), women.id);
    assert.ok(await card.getByText(`Đơn vị: ${WOMEN.name}`, { exact: true }).isVisible(), 'the organisation is named');
  } finally {
    await context.close();
  }
});

test('an organiser sees only their organisation\'s contests; another organisation\'s contest is not found', async () => {
  // The first organisation's organiser, made through the API, and its contests.
  youthOrganiser = await participant('Lê Văn Đoàn', 'Đồng Tháp', 'Mỹ Hội');
  const youth = await adminOrg(YOUTH.slug);
  await ok('PUT', `/admin/users/${youthOrganiser.user.id}/role`, { role: 'organiser', organisation_id: youth.id }, admin);
  const youthToken = await signIn(youthOrganiser.phone, youthOrganiser.password);
  const womenToken = await signIn(womenOrganiser.phone, womenOrganiser.password);
  contests = {
    youth: await seedContest(youthToken, { title: 'Tuổi trẻ Đồng Tháp với sếu đầu đỏ' }),
    youthDraft: (await ok('POST', '/admin/contests', { title: 'Bản nháp của Đoàn Thanh niên', starts_at: isoIn(86400_000), ends_at: isoIn(2 * 86400_000) }, youthToken)).contest,
    women: await seedContest(womenToken, { title: 'Phụ nữ Đồng Tháp tìm hiểu pháp luật' }),
    womenDraft: (await ok('POST', '/admin/contests', { title: 'Bản nháp của Hội Phụ nữ', starts_at: isoIn(86400_000), ends_at: isoIn(2 * 86400_000) }, womenToken)).contest,
  };
  assert.equal(contests.youth.organisation_id, youth.id, 'seeded in the first organisation');
  assert.equal(contests.women.organisation_id, (await adminOrg(WOMEN.slug)).id, 'and in the second');

  const { context, page, problems } = await signInOnLaptop(womenOrganiser.phone, womenOrganiser.password, '/manage');
  await page.getByRole('heading', { level: 1, name: 'Quản lý cuộc thi' }).waitFor();
  const titles = await page.locator('ul.cards h2').allTextContents();
  assert.deepEqual(titles.sort(), [contests.womenDraft.title, contests.women.title].sort(), 'their own contests, drafts included, and no other');
  assert.equal(await page.getByRole('navigation', { name: 'Quản trị' }).count(), 0, 'no admin navigation for an organiser');
  await screen(page, 'organisations-06-organiser-list');

  // The other organisation's contest, by its address: not found, and nothing of it shown.
  for (const path of [`/manage/${contests.youth.id}`, `/manage/${contests.youth.id}/results`]) {
    await page.goto(`${BASE}${path}`);
    await page.getByRole('heading', { level: 1, name: 'Không tìm thấy cuộc thi này.' }).waitFor();
    await page.getByText('Cuộc thi không có, hoặc không thuộc đơn vị của bạn.').waitFor();
    assert.equal(await page.getByText(contests.youth.title).count(), 0, `${path}: the contest is not shown`);
    assert.equal(await page.getByRole('button', { name: 'Thử lại' }).count(), 0, 'nothing to try again');
  }
  await screen(page, 'organisations-07-other-not-found');
  await page.getByRole('link', { name: 'Về danh sách quản lý' }).click();
  await page.getByRole('heading', { level: 1, name: 'Quản lý cuộc thi' }).waitFor();
  // Their own contest opens.
  await page.goto(`${BASE}/manage/${contests.women.id}`);
  await page.getByRole('heading', { level: 1, name: contests.women.title }).waitFor();
  assert.equal(await page.getByLabel('Tên cuộc thi').inputValue(), contests.women.title);
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a phone, a citizen sees the contests grouped by organisation, and an organisation\'s own page', async () => {
  await ok('POST', '/admin/organisations', { name: FARMERS.name, slug: FARMERS.slug, hotline: '0277 3000 000' }, admin);
  const context = await phone(browser);
  const page = await context.newPage();
  const problems = watch(page);
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));

  await page.goto(`${BASE}/`);
  await page.getByRole('heading', { level: 1, name: 'Các cuộc thi' }).waitFor();
  const youth = page.getByRole('region', { name: YOUTH.name });
  await youth.getByRole('heading', { level: 2, name: YOUTH.name }).waitFor();
  // The logo, named, with its size given so nothing moves when it arrives.
  const logo = youth.getByRole('img', { name: YOUTH.name });
  assert.equal(await logo.getAttribute('width'), '48');
  assert.equal(await logo.getAttribute('height'), '48');
  // Lazy: it loads when near the screen (the run's other contests may fill the page above it).
  await logo.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => [...document.querySelectorAll('section img.logo')].some((i) => i.complete && i.naturalWidth === 16));
  // The hotline: a link that dials.
  const dial = youth.getByRole('link', { name: YOUTH.hotline });
  assert.equal(await dial.getAttribute('href'), 'tel:02773851234');
  assert.match(await youth.locator('.hotline').textContent(), /^Đường dây nóng: 0277 3851 234$/);
  // Each organisation's published contests under it, and nothing else.
  await youth.getByRole('link', { name: contests.youth.title }).waitFor();
  assert.equal(await youth.getByRole('link', { name: contests.women.title }).count(), 0);
  // In Vietnamese order (Đ after D): the default "Ban tổ chức", then "Đoàn…", then "Hội…".
  assert.deepEqual(await page.locator('section.org h2').allTextContents(), ['Ban tổ chức', YOUTH.name, WOMEN.name]);
  await page.getByRole('region', { name: 'Ban tổ chức', exact: true }).getByRole('link', { name: defaultContest.title }).waitFor();
  const women = page.getByRole('region', { name: WOMEN.name });
  await women.getByRole('link', { name: contests.women.title }).waitFor();
  assert.equal(await women.getByRole('img').count(), 0, 'no logo: no image');
  assert.equal(await page.getByText(contests.youthDraft.title).count(), 0, 'drafts are not public');
  assert.equal(await page.getByRole('heading', { name: FARMERS.name }).count(), 0, 'an organisation without a public contest is not shown');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px too wide)`);
  await screen(page, 'organisations-08-citizen-home');
  // Citizens never download the staff screens.
  const staffFiles = requested.filter((p) => /\/(staff|organisations|users|manage|edit)\.(js|css)$/.test(p));
  assert.deepEqual(staffFiles, [], 'no staff module was fetched');

  // The organisation's own page: its introduction with its line breaks, its contests only.
  await youth.getByRole('link', { name: YOUTH.name }).click();
  await page.getByRole('heading', { level: 1, name: YOUTH.name }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/o/${YOUTH.slug}`);
  const intro = page.locator('main .prose');
  assert.equal(await intro.evaluate((el) => el.innerText), YOUTH.intro, 'the introduction keeps its line breaks');
  assert.ok((await intro.boundingBox()).height > 40, 'shown on two lines (at least)');
  assert.equal(await page.getByRole('link', { name: YOUTH.hotline }).getAttribute('href'), 'tel:02773851234');
  await page.getByRole('heading', { level: 2, name: 'Các cuộc thi của đơn vị' }).waitFor();
  const listed = await page.locator('ul.cards h3').allTextContents();
  assert.deepEqual(listed, [contests.youth.title], 'its published contest only: not its draft, not another organisation\'s');
  await screen(page, 'organisations-09-organisation-page');
  await page.getByRole('link', { name: contests.youth.title }).click();
  await page.getByRole('heading', { level: 1, name: contests.youth.title }).waitFor();

  // Opened by its address (a deep link or a reload), and in English.
  await page.goto(`${BASE}/o/${WOMEN.slug}`);
  await page.getByRole('heading', { level: 1, name: WOMEN.name }).waitFor();
  assert.deepEqual(await page.locator('ul.cards h3').allTextContents(), [contests.women.title]);
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { level: 2, name: 'Contests of this organisation' }).waitFor();
  assert.match(await page.locator('.hotline').textContent(), /^Hotline: 0277 3852 000$/);
  await page.getByRole('button', { name: 'Tiếng Việt' }).click();
  await page.getByRole('heading', { level: 2, name: 'Các cuộc thi của đơn vị' }).waitFor();

  // An address no organisation has.
  await page.goto(`${BASE}/o/khong-co-don-vi-nay`);
  await page.getByRole('heading', { level: 1, name: 'Không tìm thấy đơn vị này.' }).waitFor();
  await page.getByRole('link', { name: 'Về danh sách cuộc thi' }).waitFor();
  assert.equal((await call('GET', '/organisations/khong-co-don-vi-nay')).status, 404);
  await screen(page, 'organisations-10-unknown');
  assert.deepEqual(problems, []);
  await context.close();
});
