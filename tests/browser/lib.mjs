// Helpers for the browser tests: the browser, the API (for seeding and for
// checking what the server really has), screenshots and the axe-core pass.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
export const BASE = process.env.CRANE_URL || 'http://127.0.0.1:8080';
export const PASSWORD = process.env.CRANE_TEST_PASSWORD;
export const ADMIN_PHONE = process.env.CRANE_TEST_ADMIN_PHONE;
export const ORGANISER_PHONE = process.env.CRANE_TEST_ORGANISER_PHONE;
/** The SMS gateway the server delivers to in these tests (sms-sink.mjs, started by run.sh). */
export const SMS_SINK = process.env.CRANE_SMS_SINK;
/** The citizen app's sign-in provider (tests/oidc/provider.mjs, started by run.sh). */
export const OIDC_PROVIDER = process.env.CRANE_OIDC_PROVIDER;
const SHOTS = process.env.CRANE_SCREENSHOTS || path.resolve('../../target/screenshots');
mkdirSync(SHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-quic', '--disable-sync'],
  });
}

/** A cheap Android phone: 360×740, touch, Vietnamese, Vietnam's time zone. */
export async function phone(browser, extra = {}) {
  return browser.newContext({
    viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
    locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', acceptDownloads: true, ...extra,
  });
}

/**
 * A small, cheap phone with the text size raised to 150 %: 320×640 CSS px, and
 * the root font size at 150 % set before the app's own styles load. Chrome on
 * Android scales text by the system's font size (its "text scaling") without
 * changing the page's width; the app sizes everything in rem, so a larger root
 * size is the same effect (the width stays 320 px, unlike a page zoom).
 */
export async function smallPhone(browser, extra = {}) {
  const context = await browser.newContext({
    viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
    locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', acceptDownloads: true, ...extra,
  });
  // The phone's factor multiplies the page's own root size: 150 %, or 150 % of the
  // app's "Cỡ chữ lớn" 125 %. Added before the page's own styles, so it wins by !important only.
  await context.addInitScript(() => {
    const apply = () => {
      const style = document.createElement('style');
      style.textContent = 'html { font-size: 150% !important } html.big { font-size: 187.5% !important }';
      document.documentElement.prepend(style);
    };
    if (document.documentElement) apply();
    else new MutationObserver((_, o) => { if (document.documentElement) { o.disconnect(); apply(); } }).observe(document, { childList: true });
  });
  return context;
}

/** An organiser's laptop. */
export async function laptop(browser) {
  return browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', acceptDownloads: true });
}

/**
 * Fails the test on any page error or CSP violation: the server's policy allows
 * no inline script, so a violation would be a feature that silently does not work.
 */
export function watch(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
  });
  return problems;
}

// --- the API, with a Bearer token (no cookie, so no cross-site checks) ---

export async function call(method, p, body, token, type = 'application/json') {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = type;
  const res = await fetch(`${BASE}/api/v1${p}`, { method, headers, body: body === undefined ? undefined : (type === 'application/json' ? JSON.stringify(body) : body) });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = text; }
  return { status: res.status, body: json };
}

export async function ok(method, p, body, token) {
  const r = await call(method, p, body, token);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${p} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function signIn(phoneNumber, password = PASSWORD) {
  return (await ok('POST', '/auth/login', { phone: phoneNumber, password })).token;
}

let seq = 0;
/** A fresh, unused mobile number (the run's database is new, the pid keeps parallel runs apart). */
export function newPhone() {
  seq += 1;
  return `09${String((process.pid * 97 + seq * 7919 + Date.now()) % 1e8).padStart(8, '0')}`;
}

/** How the server addresses an SMS: +84 and the number without its leading 0. */
export const e164 = (phoneNumber) => `+84${phoneNumber.replace(/^0/, '')}`;

/** The messages the SMS sink holds for a phone, oldest first. */
export async function messagesTo(phoneNumber) {
  const res = await fetch(`${SMS_SINK}/messages?to=${encodeURIComponent(e164(phoneNumber))}`);
  assert.equal(res.status, 200, 'the SMS sink answers');
  return res.json();
}

/**
 * The code in the newest SMS to a phone (the six digits it starts with), waiting
 * up to ~5 s: the server sends in the background. `since` (ms since the epoch):
 * only a message that arrived then or later, for a second code to the same phone.
 */
export async function latestCode(phoneNumber, { since = 0 } = {}) {
  const end = Date.now() + 5000;
  for (;;) {
    const last = (await messagesTo(phoneNumber)).filter((m) => m.at >= since).at(-1);
    if (last) {
      const m = last.text.match(/^(\d{6})\b/);
      assert.ok(m, `the SMS starts with the code: ${last.text}`);
      return m[1];
    }
    if (Date.now() > end) throw new Error(`no SMS reached ${e164(phoneNumber)} within 5 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Registers through the API as a citizen would: a code by SMS first, then the details with it. */
export async function register(body) {
  const since = Date.now();
  await ok('POST', '/auth/otp', { phone: body.phone, purpose: 'register' });
  return ok('POST', '/auth/register', { ...body, otp: await latestCode(body.phone, { since }) });
}

export async function participant(name = 'Nguyễn Văn An', province = 'Đồng Tháp', commune = 'Mỹ Hội') {
  const ph = newPhone();
  const password = 'sếu-đầu-đỏ-2024';
  const r = await register({
    phone: ph, password, full_name: name, address: { province, district: 'Cao Lãnh', commune, hamlet: 'ấp Đông Mỹ' },
  });
  return { phone: ph, password, token: r.token, user: r.user };
}

/**
 * What the citizen app says about the person who signs in as `sub`, from their
 * next sign-in on: `{name, phone_number, phone_number_verified, address: {region,
 * locality, street_address}}`, any of them left out.
 */
export async function citizenClaims(sub, claims) {
  const res = await fetch(`${OIDC_PROVIDER}/__test/accounts`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sub, ...claims }),
  });
  assert.equal(res.status, 200, 'the provider took the claims');
}

/**
 * A second server on its own database, with settings of its own (`env`; a
 * null value removes a setting the run gives every server). Stop it after use.
 */
export async function secondServer(env = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'crane-second-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const settings = {
    ...process.env, DATABASE_URL: `sqlite://${dir}/crane.db?mode=rwc`, CRANE_BIND: `127.0.0.1:${port}`,
    CRANE_DEMO_ON_EMPTY_DB: 'false', CRANE_AUTH__OTP_RESEND_SECONDS: '1', ...env,
  };
  for (const [k, v] of Object.entries(settings)) if (v == null) delete settings[k];
  const log = openSync(path.join(dir, 'server.log'), 'w');
  const child = spawn(process.env.CRANE_BIN || path.resolve('../../target/debug/crane'), ['serve'], { stdio: ['ignore', log, log], env: settings });
  closeSync(log);
  const exited = once(child, 'exit');
  try {
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`the second server stopped: ${readFileSync(path.join(dir, 'server.log'), 'utf8')}`);
      return (await fetch(`${url}/healthz`).catch(() => null))?.ok;
    }, 30_000, 'the second server');
  } catch (e) {
    child.kill();
    throw e;
  }
  /** A JSON call to its API: `{status, body}`. */
  const api = async (method, p, body, token) => {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(`${url}/api/v1${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  return {
    url, api,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A port nobody listens on now, on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function isoIn(ms) {
  return new Date(Date.now() + ms).toISOString();
}

export const BANK = [
  ['Sếu đầu đỏ thuộc họ chim nào?', ['Họ Sếu', 'Họ Diệc', 'Họ Cò', 'Họ Vịt'], 0, 'Sinh học'],
  ['Vườn quốc gia Tràm Chim ở tỉnh nào?', ['An Giang', 'Đồng Tháp', 'Long An', 'Cà Mau'], 1, 'Địa lý'],
  ['Sếu đầu đỏ thường đến Tràm Chim vào mùa nào?', ['Mùa mưa', 'Mùa khô', 'Quanh năm', 'Không bao giờ'], 1, 'Sinh học'],
  ['Loài cỏ nào là thức ăn chính của sếu ở Tràm Chim?', ['Cỏ năn kim', 'Cỏ lác', 'Lúa ma', 'Cỏ ống'], 0, 'Sinh học'],
  ['Vườn quốc gia Tràm Chim được công nhận là khu Ramsar năm nào?', ['2008', '2010', '2012', '2015'], 2, 'Lịch sử'],
  ['Chiều cao của sếu đầu đỏ trưởng thành khoảng bao nhiêu?', ['0,5 m', '1 m', '1,5 m', '2 m'], 2, 'Sinh học'],
  ['Đồng Tháp Mười là vùng đất gì?', ['Đồi núi', 'Ngập nước', 'Sa mạc', 'Cao nguyên'], 1, 'Địa lý'],
  ['Tên khoa học của sếu đầu đỏ phương Đông là?', ['Grus antigone sharpii', 'Grus grus', 'Ardea alba', 'Ciconia'], 0, 'Sinh học'],
];

/** A published contest with a bank; `settings` overrides the defaults. */
export async function seedContest(token, settings = {}, bank = BANK) {
  const { contest } = await ok('POST', '/admin/contests', {
    title: 'Tìm hiểu về Sếu đầu đỏ', description: 'Cuộc thi tìm hiểu về loài sếu đầu đỏ và Vườn quốc gia Tràm Chim.',
    rules: 'Mỗi lượt gồm các câu hỏi chọn ngẫu nhiên.\nXếp hạng theo số câu đúng, dự đoán, thời gian.',
    starts_at: isoIn(-60_000), ends_at: isoIn(3 * 3600_000), questions_per_attempt: 5, time_limit_seconds: 600, max_attempts: 2,
    prizes: [{ name: 'Giải Nhất', count: 1, amount: 5_000_000 }, { name: 'Giải Khuyến khích', count: 2, amount: 1_000_000 }],
    ...settings,
  }, token);
  await ok('POST', `/admin/contests/${contest.id}/questions`, {
    questions: bank.map(([text, options, correct, category]) => ({ text, options, correct, category })),
  }, token);
  await ok('POST', `/admin/contests/${contest.id}/publish`, {}, token);
  return contest;
}

/** Takes an attempt through the API, answering `right` questions correctly. */
export async function takeAttempt(p, contestId, staffToken, right, prediction) {
  const { questions: bank } = await ok('GET', `/admin/contests/${contestId}/questions`, undefined, staffToken);
  const { attempt } = await ok('POST', `/contests/${contestId}/attempts`, {}, p.token);
  const answers = attempt.questions.map((q, i) => {
    const b = bank.find((x) => x.id === q.id);
    const correct = b.correct_option_id ?? b.options[b.correct].id;
    const wrong = q.options.find((o) => o.id !== correct).id;
    return { question_id: q.id, option_id: i < right ? correct : wrong };
  });
  return (await ok('POST', `/attempts/${attempt.id}/submit`, { answers, prediction }, p.token)).attempt;
}

// --- screens: a screenshot and an accessibility pass on each ---

const AXE = require.resolve('axe-core/axe.min.js');

// addScriptTag({path}) inlines the file into a <script>, which the app's CSP
// (no inline script) blocks; DevTools evaluation is not subject to the page's CSP.
const AXE_SOURCE = readFileSync(AXE, 'utf8');
async function injectAxe(page) {
  if (await page.evaluate(() => typeof window.axe !== 'undefined')) return;
  await page.evaluate(AXE_SOURCE);
}

/** Screenshot to target/screenshots/NAME.png, then axe: no serious or critical violation. */
export async function screen(page, name) {
  await page.waitForLoadState('domcontentloaded');
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  await injectAxe(page);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe on ${name}: ${JSON.stringify(bad, null, 1)}`);
  return result;
}

/** The session token the app's cookie holds, to ask the API what the server has. */
export async function cookieToken(context) {
  const c = (await context.cookies()).find((x) => x.name === 'crane_session');
  assert.ok(c, 'signed in: the session cookie is set');
  return c.value;
}

export async function waitUntil(fn, ms = 30_000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
