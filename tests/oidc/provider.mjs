// A real OpenID Connect provider for Crane's sign-in tests: the npm package
// `oidc-provider` (the certified Node.js implementation) on a loopback port,
// with its own sign-in page (any login; the login is the subject), signing
// keys made at start, and PKCE required.
//
//   node provider.mjs --port 0 --client-id crane --client-secret S \
//        --redirect-uri http://127.0.0.1:8080/api/v1/auth/oidc/callback[,more]
//
// Prints `ready <issuer>` once it listens. The tests steer it through
// loopback-only control routes (never part of a real provider):
//   POST /__test/accounts {sub, name?, phone_number?, phone_number_verified?, address?}
//        the claims of one person (others sign in with a name and no phone);
//   POST /__test/tamper {mode}  how the next ID tokens are spoiled, to see
//        Crane refuse them: "none", "foreign_key" (signed by a key the provider
//        never published, under its published key id), "expired" (exp an hour
//        ago, properly signed), "wrong_audience" (issued to another client);
//   POST /__test/redirect {uri} one more redirect URI for the client (a test's
//        server learns its port after the provider has started);
//   POST /__test/rotate         a new signing key replaces the old one, in the
//        published keys too (a provider's key rotation);
//   GET  /__test/stats          how often its discovery and keys were fetched.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const port = Number(args.port || 0);
const clientId = args['client-id'] || 'crane';
const clientSecret = args['client-secret'] || 'secret';
let redirectUris = (args['redirect-uri'] || 'http://127.0.0.1:9/unused').split(',').filter(Boolean);

const accounts = new Map();
let tamper = 'none';
const stats = { discovery: 0, jwks: 0, token: 0, userinfo: 0 };

async function signingKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  jwk.kid = crypto.randomUUID();
  jwk.alg = 'RS256';
  jwk.use = 'sig';
  return jwk;
}

let key = await signingKey();
let issuer = '';
let provider = null;
let handler = null;

function build() {
  const p = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [key] },
    cookies: { keys: ['crane-test-provider-cookie-key'] },
    claims: {
      openid: ['sub'],
      profile: ['name'],
      phone: ['phone_number', 'phone_number_verified'],
      address: ['address'],
    },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    // A first-party citizen app asks no consent: the grant covers what was asked.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
    async findAccount(ctx, sub) {
      const claims = accounts.get(sub) || { name: 'Người Dùng Thử' };
      return { accountId: sub, async claims() { return { ...claims, sub }; } };
    },
    ttl: { IdToken: 600, AccessToken: 600, AuthorizationCode: 60, Interaction: 600, Session: 600, Grant: 600 },
  });
  p.use(async (ctx, next) => {
    if (ctx.path === '/.well-known/openid-configuration') stats.discovery += 1;
    if (ctx.path === '/jwks') stats.jwks += 1;
    if (ctx.path === '/token') stats.token += 1;
    if (ctx.path === '/me') stats.userinfo += 1;
    await next();
    if (ctx.path === '/token' && tamper !== 'none' && ctx.body && ctx.body.id_token) {
      ctx.body = { ...ctx.body, id_token: await spoil(ctx.body.id_token) };
    }
  });
  return p;
}

async function spoil(idToken) {
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  let signWith = key;
  if (tamper === 'foreign_key') signWith = { ...(await signingKey()), kid: key.kid };
  if (tamper === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  if (tamper === 'wrong_audience') claims.aud = 'another-client';
  const privateKey = await jose.importJWK(signWith, 'RS256');
  return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: signWith.kid, typ: 'JWT' }).sign(privateKey);
}

function body(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => { try { resolve(data ? JSON.parse(data) : {}); } catch (e) { reject(e); } });
  });
}

const server = http.createServer(async (req, res) => {
  if (req.url.startsWith('/__test/')) {
    try {
      const reply = (status, value) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(value)); };
      if (req.method === 'GET' && req.url === '/__test/stats') return reply(200, stats);
      const input = await body(req);
      if (req.url === '/__test/accounts') {
        const { sub, ...claims } = input;
        accounts.set(String(sub), claims);
        return reply(200, { sub });
      }
      if (req.url === '/__test/tamper') { tamper = input.mode || 'none'; return reply(200, { mode: tamper }); }
      if (req.url === '/__test/redirect') {
        redirectUris = [...new Set([...redirectUris, String(input.uri)])];
        provider = build();
        handler = provider.callback();
        return reply(200, { redirect_uris: redirectUris });
      }
      if (req.url === '/__test/rotate') {
        key = await signingKey();
        provider = build();
        handler = provider.callback();
        return reply(200, { kid: key.kid });
      }
      return reply(404, { error: 'unknown control route' });
    } catch (e) {
      res.writeHead(500); res.end(String(e)); return undefined;
    }
  }
  return handler(req, res);
});

server.listen(port, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  provider = build();
  handler = provider.callback();
  console.log(`ready ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
