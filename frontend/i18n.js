// Texts in Vietnamese (the default) and English, and number/date formatting.
// Staff screens add their own texts with addStrings, so citizens never download them.

const KEY = 'crane.lang';
function stored() {
  try { return localStorage.getItem(KEY); } catch { return null; }
}
export let lang = stored() === 'en' ? 'en' : 'vi';

const dict = {
  vi: {
    app_name: 'Crane — Thi trắc nghiệm trực tuyến',
    skip: 'Chuyển đến nội dung chính',
    nav_label: 'Tài khoản',
    loading: 'Đang tải…',
    switch_lang: 'English',
    optional: 'không bắt buộc',
    login: 'Đăng nhập',
    logout: 'Đăng xuất',
    register: 'Đăng ký',
    manage: 'Quản lý',
    my_account: 'Tài khoản',
    not_found: 'Không tìm thấy trang này.',
    back_home: 'Về danh sách cuộc thi',
    retry: 'Thử lại',
    // contest list and page
    contests_title: 'Các cuộc thi',
    no_contests: 'Hiện chưa có cuộc thi nào.',
    hotline: 'Đường dây nóng:',
    org_contests: 'Các cuộc thi của đơn vị',
    org_no_contests: 'Đơn vị này hiện chưa có cuộc thi nào.',
    org_not_found: 'Không tìm thấy đơn vị này.',
    org_not_found_hint: 'Đường dẫn có thể đã thay đổi. Hãy xem danh sách cuộc thi của tất cả các đơn vị.',
    contest_not_found: 'Không tìm thấy cuộc thi này.',
    staff_not_found_hint: 'Cuộc thi không có, hoặc không thuộc đơn vị của bạn.',
    back_manage: 'Về danh sách quản lý',
    st_draft: 'Bản nháp', st_upcoming: 'Sắp diễn ra', st_open: 'Đang diễn ra', st_closed: 'Đã kết thúc', st_finalized: 'Đã công bố kết quả',
    window: 'Thời gian thi',
    from_to: 'Từ {a} đến {b}',
    starts_in: 'Cuộc thi bắt đầu sau',
    d: 'ngày', h: 'giờ', m: 'phút', s: 'giây',
    format: 'Thể thức',
    n_questions: '{n} câu hỏi mỗi lượt',
    time_limit: 'Thời gian làm bài: {t}',
    attempts_allowed: 'Mỗi người được thi {n} lượt; tính lượt {which}.',
    counted_best: 'có kết quả tốt nhất',
    counted_first: 'đầu tiên',
    prizes: 'Cơ cấu giải thưởng',
    prize_row: '{count} giải × {amount}',
    rules: 'Thể lệ',
    prediction_intro: 'Câu hỏi dự đoán',
    start: 'Bắt đầu làm bài',
    resume: 'Tiếp tục làm bài',
    again: 'Thi lượt tiếp theo',
    starting: 'Đang tạo bài thi…',
    sign_up_to_play: 'Đăng ký để dự thi',
    have_account: 'Đã có tài khoản?',
    staff_no_play: 'Tài khoản ban tổ chức không dự thi.',
    my_attempts: 'Các lượt thi của bạn',
    attempt_n: 'Lượt {n}',
    attempt_open: 'đang làm',
    attempt_line: '{score}/{count} câu đúng, {time}',
    attempts_left: 'Bạn còn {n} lượt thi.',
    no_attempts_left: 'Bạn đã dùng hết số lượt thi.',
    see_winners: 'Xem danh sách đoạt giải',
    contest_not_open_yet: 'Cuộc thi chưa mở. Hãy quay lại khi đồng hồ đếm ngược kết thúc.',
    contest_over: 'Cuộc thi đã kết thúc.',
    // the home page: how to take part (a first visit), who has joined
    howto_title: 'Cách tham gia dự thi',
    howto_1: 'Đăng ký bằng số điện thoại',
    howto_2: 'Làm bài trong thời gian quy định, câu trả lời được lưu ngay',
    howto_3: 'Xem kết quả và giải thưởng sau khi cuộc thi kết thúc',
    participants: '{n} người đã tham gia',
    check_fields: 'Vui lòng kiểm tra lại các ô được đánh dấu đỏ.',
    // registration, signing in, reset, the citizen app and the account: their
    // texts are in screens/auth.js, reset.js, oidc.js and account.js, not here
    // quiz
    question_n: 'Câu {i}/{n}',
    answered_n: 'Đã trả lời {a}/{n} câu',
    time_left: 'Thời gian còn lại',
    prev: 'Câu trước',
    next: 'Câu tiếp',
    review: 'Xem lại và nộp bài',
    all_questions: 'Danh sách câu hỏi',
    go_question: 'Câu {i}',
    go_answered: 'Câu {i}, đã trả lời',
    saved: 'Đã lưu câu trả lời.',
    saving: 'Đang lưu…',
    offline: 'Mất kết nối. Câu trả lời được giữ trên máy và sẽ tự gửi khi có mạng.',
    retrying: 'Chưa lưu được, đang thử lại…',
    session_lost: 'Phiên đăng nhập đã hết. Hãy đăng nhập lại; câu trả lời vẫn được giữ trên máy này.',
    left_5m: 'Còn 5 phút.', left_1m: 'Còn 1 phút.', left_30s: 'Còn 30 giây.', left_10s: 'Còn 10 giây.',
    time_up: 'Đã hết giờ làm bài.',
    review_title: 'Nộp bài',
    unanswered: 'Bạn còn {n} câu chưa trả lời.',
    all_answered: 'Bạn đã trả lời tất cả {n} câu.',
    prediction_label: 'Dự đoán của bạn',
    prediction_hint: 'Một số nguyên từ 0 đến 1.000.000.000.',
    prediction_bad: 'Nhập một số nguyên từ 0 đến 1.000.000.000.',
    submit: 'Nộp bài',
    submitting: 'Đang nộp bài…',
    submit_offline: 'Không có mạng. Bài sẽ được nộp ngay khi có mạng trở lại — đừng đóng trang.',
    expired_msg: 'Đã hết giờ làm bài nên bài không được nộp thêm. Các câu trả lời đã lưu vẫn được chấm.',
    see_result: 'Xem kết quả',
    back_contest: 'Về trang cuộc thi',
    // result
    result_title: 'Kết quả bài thi',
    submitted_ok: 'Đã nộp bài thành công.',
    score_line: 'Bạn trả lời đúng {score}/{count} câu',
    time_taken: 'Thời gian làm bài',
    submitted_at: 'Nộp lúc',
    your_prediction: 'Dự đoán của bạn',
    auto_closed: 'Bài được tự động nộp khi hết giờ, với các câu trả lời đã lưu.',
    result_note: 'Kết quả xếp hạng và giải thưởng được công bố sau khi cuộc thi kết thúc.',
    // winners
    winners_title: 'Danh sách đoạt giải',
    not_finalized: 'Kết quả chưa được công bố.',
    rank: 'Hạng',
    digest: 'Mã kiểm chứng',
    draw_seed: 'Số bốc thăm',
    no_winners: 'Không có người đoạt giải.',
    // errors by code
    'e.network': 'Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.',
    'e.rate_limited': 'Bạn thử quá nhiều lần. Vui lòng đợi {wait} rồi thử lại.',
    'e.server_busy': 'Máy chủ đang bận. Vui lòng thử lại sau {wait}.',
    'e.unauthorized': 'Bạn cần đăng nhập.',
    'e.forbidden': 'Bạn không có quyền làm việc này.',
    'e.not_found': 'Không tìm thấy.',
    'e.contest_not_open': 'Cuộc thi chưa mở hoặc đã kết thúc.',
    'e.attempt_expired': 'Đã hết giờ làm bài.',
    'e.attempt_submitted': 'Bài thi đã được nộp.',
    'e.internal_error': 'Máy chủ gặp lỗi. Vui lòng thử lại sau.',
    // field errors, by field and code, then by code
    'f.prediction.required': 'Vui lòng nhập dự đoán.',
    'f.prediction.out_of_range': 'Nhập một số nguyên từ 0 đến 1.000.000.000.',
    'f.required': 'Vui lòng nhập mục này.',
    'f.invalid': 'Giá trị không hợp lệ (tối đa 120 ký tự).',
    // the final result and the review of answers
    mr_pending: 'Kết quả chưa chính thức: ban tổ chức sẽ công bố kết quả sau khi cuộc thi kết thúc.',
    mr_rank: 'Bạn xếp hạng {rank}/{of}',
    mr_won: 'Chúc mừng! Bạn đạt {prize} ({amount}).',
    mr_next: 'Ban tổ chức sẽ liên hệ qua số điện thoại đã đăng ký để trao giải.',
    mr_ineligible_staff: 'Tài khoản ban tổ chức không được xếp hạng. Cảm ơn bạn đã tham gia.',
    mr_ineligible_excluded: 'Theo thể lệ, bạn thuộc danh sách không xét giải nên không được xếp hạng. Cảm ơn bạn đã tham gia.',
    mr_ineligible_disqualified: 'Rất tiếc, bài thi của bạn không được xét xếp hạng theo quyết định của ban tổ chức. Nếu cần, bạn có thể liên hệ đường dây nóng của cuộc thi.',
    mr_ineligible: 'Bài thi của bạn không được xét xếp hạng. Cảm ơn bạn đã tham gia.',
    see_review: 'Xem đáp án',
    answers_title: 'Đáp án bài thi',
    review_summary: 'Đúng {x}/{y} câu',
    review_q: 'Câu {n}',
    review_right: 'Đáp án đúng',
    review_chosen: 'Bạn chọn',
    review_unanswered: 'Bạn chưa trả lời câu này.',
    review_q_right: 'Trả lời đúng',
    review_q_wrong: 'Trả lời sai',
    review_not_available: 'Đáp án chưa được công bố cho cuộc thi này.',
    back_result: 'Về kết quả bài thi',
    // phones and large text: the ready screen, the quiz's clock and review, share, codes
    text_size: 'Cỡ chữ lớn',
    ready_title: 'Sẵn sàng làm bài?',
    ready_questions: 'Bài gồm {n} câu hỏi trắc nghiệm, mỗi câu chọn một đáp án.',
    ready_prediction: 'Cuối bài có thêm một câu hỏi dự đoán.',
    ready_time: 'Thời gian làm bài: {t}.',
    ready_left: 'Bạn còn {n} lượt thi, tính cả lượt này.',
    ready_last: 'Đây là lượt thi cuối cùng của bạn.',
    ready_clock: 'Đồng hồ chỉ bắt đầu chạy khi bạn bấm “Bắt đầu tính giờ”, và vẫn chạy nếu bạn rời trang hay tắt máy.',
    ready_saved: 'Mỗi câu trả lời được lưu ngay khi bạn chọn, kể cả khi mạng chập chờn. Hết giờ, bài được tự động nộp.',
    start_clock: 'Bắt đầu tính giờ',
    under_1m: 'Còn dưới 1 phút',
    time_up_title: 'Hết giờ',
    ended_sending: 'Bài đang được tự động nộp với các câu trả lời đã lưu. Bạn không cần làm gì thêm.',
    ended_wait: 'Máy chủ sẽ tự đóng bài trong ít giây nữa, với các câu trả lời đã lưu. Bạn không cần làm gì thêm.',
    no_prediction: 'chưa nhập',
    not_answered: 'Chưa trả lời',
    answers_list: 'Bấm vào một câu để xem lại hoặc đổi đáp án.',
    logout_quiz: 'Bài đang làm vẫn tính giờ khi bạn đăng xuất, và sẽ tự nộp khi hết giờ với các câu đã lưu. Bạn vẫn muốn đăng xuất?',
    share: 'Chia sẻ',
    link_copied: 'Đã sao chép liên kết.',
    copy_failed: 'Không sao chép được. Hãy chép địa chỉ này: {text}',
  },
  en: {}, // loaded from en.js only when chosen: most readers never need it
};

export function addStrings(more) {
  for (const l of Object.keys(more)) Object.assign(dict[l], more[l]);
}

export function has(key) {
  return key in dict[lang];
}

/** t('score_line', {score: 3, count: 5}) */
export function t(key, vars) {
  const s = dict[lang][key] ?? dict.vi[key] ?? key;
  return vars ? s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? '')) : s;
}

let englishLoaded = false;
/** Loads the English texts when they are the reader's choice. */
export async function ready() {
  if (lang === 'en' && !englishLoaded) {
    const en = (await import('./en.js')).default;
    dict.en = { ...en, ...dict.en }; // keep texts that staff screens added already
    englishLoaded = true;
  }
}

export async function setLang(l) {
  lang = l === 'en' ? 'en' : 'vi';
  try { localStorage.setItem(KEY, lang); } catch { /* private mode: the choice lasts this page */ }
  await ready();
  document.documentElement.lang = lang;
}

/** The server's own message: already in the reader's language (api.js asks for it). */
export function serverText(message) {
  return String(message || '');
}

/** How long to wait, from a Retry-After: "45 giây", "90 giây"; a daily cap's hours as "3 giờ 5 phút". */
export function waitText(err) {
  const s = err.retryAfter || 5;
  return s < 120 ? `${num(s)} ${t('s')}` : duration(s * 1000);
}

/** A readable message for an ApiError. */
export function errorText(err) {
  const key = `e.${err.code}`;
  if (has(key)) return t(key, { s: err.retryAfter || 5, wait: waitText(err), n: err.details?.tries_left ?? 0 });
  return serverText(err.message) || t('e.internal_error');
}

/** A readable message for one entry of a 422's `fields`. */
export function fieldMessage(name, fe) {
  const plain = name.replace(/\[\d+\]/g, '');
  const index = name.match(/\[(\d+)\](?!.*\[)/); // `excluded[3]` → line 4
  const vars = { n: index ? Number(index[1]) + 1 : '' };
  for (const key of [`f.${plain}.${fe.code}`, `f.${fe.code}`]) if (has(key)) return t(key, vars);
  return serverText(fe.message);
}

// Formatting follows Vietnamese conventions in both languages (1.000.000 ₫,
// 08:00 01/12/2024), so amounts read the same as on the winners list and in
// the exports; dates are shown in the contest's time zone.
const cache = new Map();
function fmt(kind, opts) {
  const key = `${kind}|${JSON.stringify(opts)}`;
  if (!cache.has(key)) cache.set(key, kind === 'n' ? new Intl.NumberFormat('vi-VN', opts) : new Intl.DateTimeFormat('vi-VN', opts));
  return cache.get(key);
}

export const num = (n) => fmt('n', {}).format(n);
export const vnd = (n) => fmt('n', { style: 'currency', currency: 'VND', maximumFractionDigits: 0 }).format(n);
export const percent = (x) => fmt('n', { style: 'percent', maximumFractionDigits: 0 }).format(x);

/** A moment as the contest's people read it: "08:00 01/12/2024". */
export function dateTime(iso, timeZone) {
  if (!iso) return '';
  return fmt('d', { timeZone, hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(iso));
}

/**
 * 183042 ms → "3 phút 3 giây"; `precise` keeps the milliseconds ("3 phút 3,042 giây"),
 * which the ranking needs when time breaks a tie.
 */
export function duration(ms, precise = false) {
  const whole = Math.max(0, precise ? Math.floor(ms / 1000) : Math.round(ms / 1000));
  const hrs = Math.floor(whole / 3600), min = Math.floor((whole % 3600) / 60);
  const sec = whole % 60 + (precise ? (Math.max(0, ms) % 1000) / 1000 : 0);
  const parts = [];
  if (hrs) parts.push(`${hrs} ${t('h')}`);
  if (min) parts.push(`${min} ${t('m')}`);
  if (sec || !parts.length) parts.push(`${fmt('n', { maximumFractionDigits: 3 }).format(sec)} ${t('s')}`);
  return parts.join(' ');
}

/** A countdown clock: "09:05" or "1:09:05". */
export function clock(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hrs = Math.floor(total / 3600), min = Math.floor((total % 3600) / 60), sec = total % 60;
  const two = (x) => String(x).padStart(2, '0');
  return hrs ? `${hrs}:${two(min)}:${two(sec)}` : `${two(min)}:${two(sec)}`;
}
