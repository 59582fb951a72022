// The answers of an attempt, kept in localStorage until the server has them, so
// that a dropped network, a sleeping tab or a reload never loses one. Each change
// is sent at once; failures are retried with backoff and when the phone comes
// back online. Queues outlive the quiz screen: leaving it does not stop a send.
// The prediction rides along once typed, so an attempt the server closes when
// time runs out keeps it.
import * as api from './api.js';

const PREFIX = 'crane.pending.';
const PRED = 'crane.pendpred.'; // a typed prediction the server has not confirmed
const stores = new Map();

function read(key, fallback) {
  try { return JSON.parse(localStorage.getItem(key)) ?? fallback; } catch { return fallback; }
}
function write(key, value) {
  try {
    if (value == null) localStorage.removeItem(key); else localStorage.setItem(key, JSON.stringify(value));
  } catch { /* storage full or disabled: the answer is still held in memory */ }
}

class AnswerStore {
  constructor(id) {
    this.id = id;
    this.pending = read(PREFIX + id, {}); // question id → option id, not yet confirmed by the server
    this.prediction = read(PRED + id, null); // a whole number not yet confirmed, or null
    this.predTimer = null;
    this.state = Object.keys(this.pending).length ? 'saving' : 'saved';
    this.listeners = new Set();
    this.delay = 1000;
    this.timer = null;
    this.sending = false;
    this.again = false;
    this.done = false;
  }

  get size() { return Object.keys(this.pending).length + (this.prediction == null ? 0 : 1); }

  set(state, detail) {
    this.state = state;
    for (const fn of this.listeners) fn(state, detail);
  }

  /** Records a choice locally first, then sends it. */
  choose(questionId, optionId) {
    if (this.done) return;
    this.pending[questionId] = optionId;
    write(PREFIX + this.id, this.pending);
    this.flush();
  }

  /** Records a typed prediction (a valid whole number) locally, then sends it once typing pauses. */
  predict(value) {
    if (this.done || value === this.prediction) return;
    this.prediction = value;
    write(PRED + this.id, value);
    clearTimeout(this.predTimer);
    this.predTimer = setTimeout(() => this.flush(), 800);
  }

  async flush() {
    if (this.done || !this.size) return;
    if (this.sending) { this.again = true; return; }
    clearTimeout(this.timer);
    this.sending = true;
    const batch = { ...this.pending };
    const pred = this.prediction;
    this.set(navigator.onLine === false ? 'offline' : 'saving');
    try {
      await api.saveAnswers(this.id, Object.entries(batch).map(([q, o]) => ({ question_id: q, option_id: o })), pred ?? undefined);
      // Drop only what was confirmed: a choice changed meanwhile is sent next.
      for (const [q, o] of Object.entries(batch)) if (this.pending[q] === o) delete this.pending[q];
      write(PREFIX + this.id, Object.keys(this.pending).length ? this.pending : null);
      if (this.prediction === pred) { this.prediction = null; write(PRED + this.id, null); }
      this.delay = 1000;
      this.set(this.size ? 'saving' : 'saved');
    } catch (err) {
      if (err.code === 'attempt_expired' || err.code === 'attempt_submitted') {
        this.finish();
        this.set('closed', err);
      } else if (err.status === 401) {
        this.set('session', err); // kept; sent again after signing in
      } else if (err.status === 422 || err.status === 404) {
        // Answers the server can never accept: keeping them would retry forever.
        this.finish();
        this.set('saved');
      } else {
        this.set(err.offline ? 'offline' : 'retrying', err);
        this.retryLater(err.retryAfter);
      }
    } finally {
      this.sending = false;
      if (this.again) { this.again = false; this.flush(); }
    }
  }

  retryLater(retryAfter) {
    clearTimeout(this.timer);
    const wait = retryAfter ? retryAfter * 1000 : this.delay;
    this.delay = Math.min(this.delay * 2, 30000);
    this.timer = setTimeout(() => this.flush(), wait + Math.random() * 500);
  }

  /** The attempt is closed: nothing more to send. */
  finish() {
    this.done = true;
    clearTimeout(this.timer);
    clearTimeout(this.predTimer);
    this.pending = {};
    this.prediction = null;
    write(PREFIX + this.id, null);
    write(PRED + this.id, null);
    stores.delete(this.id);
  }
}

/** The one store of an attempt. */
export function answerStore(id) {
  if (!stores.has(id)) stores.set(id, new AnswerStore(id));
  return stores.get(id);
}

// The network is back, or the tab woke up: send what waits, at once.
function flushAll() {
  for (const s of stores.values()) { s.delay = 1000; s.flush(); }
}
window.addEventListener('online', flushAll);
document.addEventListener('visibilitychange', () => { if (!document.hidden) flushAll(); });

// Answers left unsent by an earlier visit start on their way as soon as the app loads.
try {
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key && key.startsWith(PREFIX)) answerStore(key.slice(PREFIX.length));
    if (key && key.startsWith(PRED)) answerStore(key.slice(PRED.length));
  }
} catch { /* storage disabled */ }
setTimeout(flushAll, 0);

/** Small per-attempt notes (position, prediction draft) that survive a reload. */
export const note = {
  get: (id, what, fallback) => read(`crane.${what}.${id}`, fallback),
  set: (id, what, value) => write(`crane.${what}.${id}`, value),
};
