// A stand-in SMS gateway for the browser tests: a real HTTP server on loopback
// that the Crane server delivers to (sms.provider = "http"), keeping every
// message so a test can read the code a citizen would get on their phone.
//
//   POST /sms {to, text, id} with `Authorization: Bearer <token>` → 200 (401 without the token)
//   GET /messages?to=+84912345678 → [{to, text, id, at}], oldest first
//
// Usage: SMS_SINK_TOKEN=… node sms-sink.mjs <port>   (the token is not on the command line, where ps shows it)
import http from 'node:http';

const port = Number(process.argv[2]);
const token = process.env.SMS_SINK_TOKEN;
if (!port || !token) {
  console.error('usage: SMS_SINK_TOKEN=… node sms-sink.mjs <port>');
  process.exit(2);
}

const messages = [];
const seen = new Set(); // the server repeats a message's id when it retries: keep one

function reply(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://sink');
  if (req.method === 'GET' && url.pathname === '/messages') {
    const to = url.searchParams.get('to');
    return reply(res, 200, to ? messages.filter((m) => m.to === to) : messages);
  }
  if (req.method !== 'POST' || url.pathname !== '/sms') return reply(res, 404, { error: 'not found' });
  if (req.headers.authorization !== `Bearer ${token}`) {
    req.resume();
    return reply(res, 401, { error: 'bad token' });
  }
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > 65536) req.destroy(); else chunks.push(c);
  });
  req.on('end', () => {
    let m;
    try { m = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { return reply(res, 400, { error: 'not JSON' }); }
    if (typeof m.to !== 'string' || typeof m.text !== 'string' || typeof m.id !== 'string') return reply(res, 400, { error: 'to, text and id are strings' });
    if (!seen.has(m.id)) {
      seen.add(m.id);
      messages.push({ to: m.to, text: m.text, id: m.id, at: Date.now() });
    }
    reply(res, 200, { ok: true });
  });
});

server.listen(port, '127.0.0.1', () => console.log(`sms sink listening on 127.0.0.1:${port}`));
process.on('SIGTERM', () => process.exit(0)); // nothing to flush: the messages live only for the test run
