// The only module that talks to the server. Every call goes to /api/v1 with the
// session cookie; every write is sent as JSON (the server refuses cookie writes
// of other types, which is its defence against cross-site forms). Messages
// come back in the reader's language (Accept-Language).

import { lang } from './i18n.js';

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status; // 0: the network failed, nothing reached the server
    this.code = e.code || (status === 0 ? 'network' : 'http_error');
    this.fields = e.fields || null;
    this.details = e.details || null;
    this.retryAfter = retryAfter;
  }
  get offline() { return this.status === 0; }
  /** Worth sending again later: no network, rate limit, busy or failing server. */
  get transient() { return this.status === 0 || this.status === 429 || this.status >= 500; }
}

async function call(method, path, body, type = 'application/json') {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', 'Accept-Language': lang } };
  if (method !== 'GET') {
    init.headers['Content-Type'] = type;
    init.body = type === 'application/json' ? JSON.stringify(body ?? {}) : body;
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new ApiError(0, null);
  }
  if (res.status === 204) return null;
  let data = null;
  try { data = await res.json(); } catch { /* an empty or non-JSON body */ }
  if (!res.ok) throw new ApiError(res.status, data, Number(res.headers.get('Retry-After')) || null);
  return data;
}

const enc = encodeURIComponent;
const get = (p) => call('GET', p);
const post = (p, b) => call('POST', p, b);

// Citizens
export const me = () => get('/me');
export const login = (phone, password) => post('/auth/login', { phone, password });
export const register = (body) => post('/auth/register', body);
export const logout = () => post('/auth/logout');
/** purpose: 'register' or 'reset'. The answer is the same whether or not the phone has an account. */
export const requestCode = (phone, purpose) => post('/auth/otp', { phone, purpose });
export const resetPassword = (phone, otp, newPassword) => post('/auth/reset', { phone, otp, new_password: newPassword });
export const changePassword = (current, next) => call('PUT', '/me/password', { current_password: current, new_password: next });
export const provinces = () => get('/divisions');
export const communes = (provinceCode) => get(`/divisions/${enc(provinceCode)}`);
export const contests = () => get('/contests');
export const contest = (id) => get(`/contests/${enc(id)}`);
export const startAttempt = (contestId) => post(`/contests/${enc(contestId)}/attempts`);
export const myAttempts = (contestId) => get(`/contests/${enc(contestId)}/my-attempts`);
export const attempt = (id) => get(`/attempts/${enc(id)}`);
export const saveAnswers = (id, answers, prediction) => call('PUT', `/attempts/${enc(id)}/answers`, { answers, prediction });
export const submit = (id, answers, prediction) => post(`/attempts/${enc(id)}/submit`, { answers, prediction });
export const myResult = (contestId) => get(`/contests/${enc(contestId)}/my-result`);
/** 409 review_not_available until the results are final and the contest allows it. */
export const review = (attemptId) => get(`/attempts/${enc(attemptId)}/review`);
export const winners = (contestId) => get(`/contests/${enc(contestId)}/winners`);
export const organisations = () => get('/organisations');
/** An organisation and its published contests; 404 for an unknown slug. */
export const organisation = (slug) => get(`/organisations/${enc(slug)}`);

// Sign-in through the province's citizen app (OpenID Connect). The sign-in
// itself is a page navigation to the server (`login_url`), not a call.
let methods = null;
/** `{oidc: {display_name, login_url} | null}`, asked once a page load; a failure is asked again next time. */
export function authMethods() {
  methods ??= get('/auth/methods').catch((err) => { methods = null; throw err; });
  return methods;
}
/** What the citizen app told about the person and what an account still `needs`; 404 when none waits (30 minutes at most). */
export const oidcSignup = () => get('/auth/oidc/signup');
/** Only the fields `needs` lists (others are refused); a phone goes with its `otp`. */
export const completeOidcSignup = (body) => post('/auth/oidc/signup', body);
/** Joins the citizen-app identity to an existing account, proved by its password. */
export const linkOidc = (phone, password) => post('/auth/oidc/link', { phone, password });

// Organisers and admins
const adm = (id, rest = '') => `/admin/contests/${enc(id)}${rest}`;
export const adminContests = () => get('/admin/contests');
export const adminContest = (id) => get(adm(id));
export const createContest = (body) => post('/admin/contests', body);
export const editContest = (id, body) => call('PATCH', adm(id), body);
export const questions = (id) => get(adm(id, '/questions'));
/** CSV goes as text/csv, Aiken as text/plain; the server parses either, all or nothing. */
/** `body`: the text of the box (UTF-8), or a file's bytes as they are (the server reads their encoding). */
export const importQuestions = (id, body, aiken) => {
  const type = aiken ? 'text/plain' : 'text/csv';
  return call('POST', adm(id, '/questions/import'), body, typeof body === 'string' ? `${type}; charset=utf-8` : type);
};
/** The whole question: `{text, options: [texts], correct: index, category}`; after publishing only the wording may change. */
export const editQuestion = (id, qid, body) => call('PATCH', adm(id, `/questions/${enc(qid)}`), body);
/** Drafts only (409 bank_frozen after publishing). */
export const deleteQuestion = (id, qid) => call('DELETE', adm(id, `/questions/${enc(qid)}`));
export const publish = (id) => post(adm(id, '/publish'));
export const stats = (id) => get(adm(id, '/stats'));
export const computeResults = (id) => post(adm(id, '/results'));
export const results = (id, limit, offset) => get(adm(id, `/results?limit=${limit}&offset=${offset}`));
export const finalize = (id) => post(adm(id, '/finalize'));
export const unfinalize = (id, reason) => post(adm(id, '/unfinalize'), { reason });
export const disqualify = (id, userId, reason) => post(adm(id, '/disqualify'), { user_id: userId, reason });
/** Exports are plain links: the browser downloads them with the session cookie. */
export const exportUrl = (id, file) => `/api/v1${adm(id, `/${file}`)}`;
export const users = (q) => get(`/admin/users?q=${enc(q)}`);
/** `organisationId`: an organiser's organisation; left out, they keep theirs (or join the default one). */
export const setRole = (userId, role, organisationId) => call('PUT', `/admin/users/${enc(userId)}/role`,
  organisationId ? { role, organisation_id: organisationId } : { role });
export const adminOrganisations = () => get('/admin/organisations');
export const createOrganisation = (body) => post('/admin/organisations', body);
export const editOrganisation = (id, body) => call('PATCH', `/admin/organisations/${enc(id)}`, body);
/** The image file itself is the body, with its own type (the server judges it by its bytes). */
export const setOrganisationLogo = (id, file) => call('PUT', `/admin/organisations/${enc(id)}/logo`, file, file.type || 'application/octet-stream');
export const resetCode = (userId) => post(`/admin/users/${enc(userId)}/reset-code`);
