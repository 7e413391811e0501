#!/usr/bin/env node
// The OpenID provider the aws-login tests log in at: npm's certified `oidc-provider` (installed
// into .stack/oidc by tests/stack/install.sh), configured here for a CLI.
//
//   node tests/oidc/op.mjs --state-dir DIR [--knobs JSON] [--die-with-parent]
//
// Listens on 127.0.0.1 (kernel-chosen port), writes DIR/oidc.json ({issuer, pid}) when ready,
// logs one JSON line per authorization, device authorization, token grant, revocation and login
// to DIR/oidc.log.jsonl (never a code, token, verifier, password or secret). Knobs: POST /_control
// (see KNOBS). The README beside this file has the clients, users and knobs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';

const MODULES = new URL('../../.stack/oidc/node_modules/', import.meta.url);

const USERS = {
  alice: { password: 'alice-pw-O1', email: 'alice@example.test', name: 'Alice Example' },
  // No email: the CLI must fall back to `sub` for the role session name.
  bob: { password: 'bob-pw-O2', name: 'Bob Example' },
};
const LOOPBACK_REDIRECTS = ['http://127.0.0.1/callback', 'http://[::1]/callback', 'http://localhost/callback'];
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const CLIENT_COMMON = {
  application_type: 'native', // loopback redirects match on any port (RFC 8252 §7.3)
  response_types: ['code'],
  grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT],
  redirect_uris: LOOPBACK_REDIRECTS,
  scope: 'openid email profile offline_access',
};
const CLIENTS = [
  { client_id: 'cli-native', token_endpoint_auth_method: 'none', ...CLIENT_COMMON },
  { client_id: 'cli-secret', client_secret: 'cli-secret-pw', token_endpoint_auth_method: 'client_secret_basic',
    ...CLIENT_COMMON },
];
// Machine clients (issue 17): client credentials only, access tokens addressed to STS.
const MACHINE_COMMON = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'sts deploy' };
// svc-jwt signs its client assertions with either of two keys made per run (see machineKeys);
// no token_endpoint_auth_signing_alg, so RS256 and ES256 are both taken.
const machineClients = (jwks) => [
  { client_id: 'svc-jwt', token_endpoint_auth_method: 'private_key_jwt', jwks, ...MACHINE_COMMON },
  // client_secret_basic registered; oidc-provider takes client_secret_post for it as well.
  { client_id: 'svc-secret', client_secret: 'svc-secret-pw', token_endpoint_auth_method: 'client_secret_basic',
    ...MACHINE_COMMON },
  // A person's client that proves itself with the same keys (a browser or device sign-in whose
  // code, refresh and device requests each carry a client assertion).
  { client_id: 'cli-jwt', token_endpoint_auth_method: 'private_key_jwt', jwks, ...CLIENT_COMMON },
  // The token-exchange server's own client, for introspecting opaque subject tokens.
  { client_id: 'exchange-rs', client_secret: 'exchange-rs-pw', token_endpoint_auth_method: 'client_secret_basic',
    grant_types: [], response_types: [], redirect_uris: [] },
];

// name -> [default, validator returning the value or throwing an Error with the reason]
const KNOBS = {
  auto_login: [null, (v) => { if (v !== null && !USERS[v]) throw new Error(`must be null or one of ${Object.keys(USERS)}`); return v; }],
  deny: [false, (v) => { if (typeof v !== 'boolean') throw new Error('must be true or false'); return v; }],
  id_token_ttl: [3600, (v) => { if (!Number.isInteger(v) || v < 1) throw new Error('must be an integer >= 1'); return v; }],
  device_slow_down: [0, (v) => { if (!Number.isInteger(v) || v < 0) throw new Error('must be an integer >= 0'); return v; }],
  jwt_access_tokens: [false, (v) => { if (typeof v !== 'boolean') throw new Error('must be true or false'); return v; }],
  // false: discovery names no device_authorization_endpoint (an issuer without the device grant).
  device_endpoint: [true, (v) => { if (typeof v !== 'boolean') throw new Error('must be true or false'); return v; }],
  device_code_ttl: [600, (v) => { if (!Number.isInteger(v) || v < 1) throw new Error('must be an integer >= 1'); return v; }],
  // null: the device answer has no interval (as oidc-provider sends it); else this many seconds.
  device_interval: [null, (v) => { if (v !== null && (!Number.isInteger(v) || v < 1)) throw new Error('must be null or an integer >= 1'); return v; }],
  // Seconds the OP's clock is off (negative: behind), so what it issues is already expired.
  clock_skew: [0, (v) => { if (!Number.isInteger(v) || Math.abs(v) > 86400) throw new Error('must be an integer within ±86400'); return v; }],
  // null, or {user: [role ARNs]}: the ID token's `aws_roles` claim for that user (roles_claim).
  id_token_roles: [null, (v) => {
    const ok = v === null || (typeof v === 'object' && !Array.isArray(v)
      && Object.values(v).every((r) => Array.isArray(r) && r.every((a) => typeof a === 'string')));
    if (!ok) throw new Error('must be null or {"user": ["role ARN", ...]}');
    return v;
  }],
};
// The resource a JWT access token is for when jwt_access_tokens is on.
const RESOURCE = 'urn:aws-login:test:web-identity';
// The resource machine clients' access tokens are for: STS, which takes them as web identities.
const STS_RESOURCE = 'urn:aws-login:test:sts';
const STS_AUDIENCE = 'sts.amazonaws.com';
// Actions rather than settings: done when posted, not kept.
const ACTIONS = {
  kid_rotate: (v) => { if (v !== true) throw new Error('must be true'); rotate(); },
};

const { values: args } = parseArgs({
  options: { 'state-dir': { type: 'string' }, knobs: { type: 'string', default: '{}' }, 'die-with-parent': { type: 'boolean' } },
});
if (!args['state-dir']) fail('op.mjs: --state-dir is required');
const stateDir = path.resolve(args['state-dir']);
fs.mkdirSync(stateDir, { recursive: true });
const knobs = Object.fromEntries(Object.entries(KNOBS).map(([k, [d]]) => [k, d]));
try { applyControl(JSON.parse(args.knobs)); } catch (e) { fail(`op.mjs: --knobs: ${e.message}`); }

// clock_skew: oidc-provider and its cookies take the time from Date.now; the log keeps the true one.
const trueNow = Date.now;
Date.now = () => trueNow() + knobs.clock_skew * 1000;

const logPath = path.join(stateDir, 'oidc.log.jsonl');
// Synchronous so a client that got its answer finds its line.
const log = (record) => fs.appendFileSync(logPath, `${JSON.stringify({ ts: trueNow() / 1000, ...record })}\n`);

// Where start-up time goes, on stderr (which a test that timed out prints): a start that was
// once slower than the harness's limit under heavy load left nothing to say why.
const started = trueNow();
const phase = (what) => process.stderr.write(`oidc-op: ${what} after ${trueNow() - started} ms\n`);

// Every key is made here, one after another on this thread, before oidc-provider loads: a start
// that made them in libuv's threads while the import ran hung once in CI with the import done
// and no key made. Nothing of ours now runs OpenSSL on two threads at once.
const svcJwks = machineKeys();
let keys = [newKey()];
phase('keys made');
const { Provider, errors } = await import(new URL('oidc-provider/lib/index.js', MODULES).href);
phase('oidc-provider loaded');
let provider; // rebuilt by kid_rotate; state lives in oidc-provider's module-wide memory adapter
let app;

function fail(message) { process.stderr.write(`${message}\n`); process.exit(2); }

function newKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: `op-${crypto.randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' };
}

// svc-jwt's key pairs: private PEMs into the state dir (0600) for the tests to sign with, the
// public halves registered. svc-wrong.pem is a key the OP does not know.
function machineKeys() {
  const pairs = [
    ['svc-rs256', crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['svc-es256', crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['svc-wrong', crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ];
  const registered = [];
  for (const [kid, { privateKey, publicKey }] of pairs) {
    const file = path.join(stateDir, `${kid}.pem`);
    fs.writeFileSync(`${file}.tmp`, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    fs.renameSync(`${file}.tmp`, file);
    if (kid !== 'svc-wrong') registered.push({ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' });
  }
  return { keys: registered };
}

// A new signing key first (so it signs), the old one kept in the JWKS as a real rotation does.
function rotate() {
  keys = [newKey(), keys[0]];
  build(provider.issuer);
}

function applyControl(changes) {
  if (changes === null || typeof changes !== 'object' || Array.isArray(changes)) throw new Error('control body must be a JSON object');
  const checked = {};
  for (const [name, value] of Object.entries(changes)) {
    if (KNOBS[name]) checked[name] = KNOBS[name][1](value);
    else if (!ACTIONS[name]) throw new Error(`unknown knob ${JSON.stringify(name)}; known: ${[...Object.keys(KNOBS), ...Object.keys(ACTIONS)]}`);
  }
  Object.assign(knobs, checked);
  for (const [name, value] of Object.entries(changes)) if (ACTIONS[name]) ACTIONS[name](value);
}

const page = (title, body) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head>`
  + `<body><h1>${title}</h1>${body}</body></html>`;
const loginForm = (uid, note = '') => page('Sign in', `${note}<form method="post" action="/interaction/${uid}/login">`
  + '<input id="login" name="login" autocomplete="username"><input id="password" name="password" type="password">'
  + '<button id="submit" type="submit">Sign in</button></form>');

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

function config() {
  return {
    clients: [...CLIENTS, ...machineClients(svcJwks)],
    jwks: { keys },
    cookies: { keys: ['aws-login-test-only'] },
    scopes: ['openid', 'email', 'profile', 'offline_access', 'sts', 'deploy'],
    claims: { openid: ['sub', 'aws_roles'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: false, // the ID token carries email (the CLI names the session after it)
    pkce: { required: () => true },
    // Refresh tokens on the auth-code grant too, without prompt=consent.
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: 3600, AuthorizationCode: 60, DeviceCode: () => knobs.device_code_ttl, Grant: 86400, Interaction: 600,
      RefreshToken: 86400, Session: 86400, IdToken: () => knobs.id_token_ttl, ClientCredentials: 3600,
    },
    async findAccount(ctx, sub) {
      const u = USERS[sub];
      if (!u) return undefined;
      const roles = knobs.id_token_roles?.[sub];
      return { accountId: sub, claims: async () => ({ sub, name: u.name, ...(u.email ? { email: u.email, email_verified: true } : {}), ...(roles ? { aws_roles: roles } : {}) }) };
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false }, // its pages load a web font from the internet
      revocation: { enabled: true },
      introspection: { enabled: true },
      clientCredentials: { enabled: true },
      // jwt_access_tokens: access tokens are RS256 JWTs whose aud is the client, so STS takes
      // them as it takes ID tokens (web_identity_token = access_token). Off: opaque ones.
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx, client, oneOf) => oneOf
          ?? (client.grantTypeAllowed('client_credentials') ? STS_RESOURCE : undefined)
          ?? (knobs.jwt_access_tokens ? RESOURCE : undefined),
        useGrantedResource: async () => true,
        async getResourceServerInfo(ctx, resource, client) {
          if (resource === STS_RESOURCE && client.grantTypeAllowed('client_credentials')) {
            return { scope: 'sts deploy', audience: STS_AUDIENCE, accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg: 'RS256' } } };
          }
          if (resource !== RESOURCE) throw new errors.InvalidTarget();
          return { scope: 'sts', audience: client.clientId, accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg: 'RS256' } } };
        },
      },
      deviceFlow: {
        enabled: true,
        async userCodeInputSource(ctx, form, out) {
          if (out?.error) ctx.state.opError = out.error;
          ctx.body = page('Device sign-in', `${out?.error ? `<p id="error">${out.error}</p>` : ''}${form}`
            + '<button id="continue" type="submit" form="op.deviceInputForm">Continue</button>');
        },
        async userCodeConfirmSource(ctx, form, client, deviceInfo, userCode) {
          ctx.body = page('Confirm device', `<code id="user_code">${userCode}</code>${form}`
            + '<button id="confirm" type="submit" form="op.deviceConfirmForm">Continue</button>'
            + '<button id="abort" type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Deny</button>');
        },
        async successSource(ctx) { ctx.body = page('Device sign-in complete', '<p id="done">You may close this page.</p>'); },
      },
    },
    async renderError(ctx, out) {
      ctx.state.opError = out.error;
      ctx.type = 'html';
      ctx.body = page('Error', `<p id="error">${out.error}</p>`);
    },
  };
}

// The login and consent steps: a form, or none with auto_login; consent is always given.
async function interaction(ctx, next) {
  const m = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!m) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  let result;
  if (knobs.deny) {
    result = { error: 'access_denied', error_description: 'The user denied the request' };
    log({ event: 'login', outcome: 'denied' });
  } else if (details.prompt.name === 'login') {
    let user = knobs.auto_login;
    if (ctx.method === 'POST' && m[2]) {
      const form = new URLSearchParams(await readBody(ctx.req));
      const login = form.get('login');
      if (!USERS[login] || USERS[login].password !== form.get('password')) {
        log({ event: 'login', outcome: 'bad_credentials' });
        ctx.status = 401;
        ctx.type = 'html';
        ctx.body = loginForm(details.uid, '<p id="error">Wrong user name or password.</p>');
        return undefined;
      }
      user = login;
    }
    if (!user) {
      ctx.type = 'html';
      ctx.body = loginForm(details.uid);
      return undefined;
    }
    log({ event: 'login', user, outcome: ctx.method === 'POST' ? 'form' : 'auto' });
    result = { login: { accountId: user } };
  } else {
    const grant = details.grantId ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) grant.addResourceScope(indicator, scopes.join(' '));
    result = { consent: { grantId: await grant.save() } };
  }
  const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  ctx.status = 303;
  ctx.redirect(to);
  return undefined;
}

// device_slow_down: the next N device-code polls are told to slow down (the real OP never does).
async function slowDown(ctx, next) {
  if (!(ctx.method === 'POST' && ctx.path === '/token' && knobs.device_slow_down > 0)) return next();
  const raw = await readBody(ctx.req);
  if (new URLSearchParams(raw).get('grant_type') !== DEVICE_GRANT) {
    ctx.req.body = raw; // oidc-provider parses a body read upstream from here
    return next();
  }
  knobs.device_slow_down -= 1;
  log({ event: 'token', grant_type: DEVICE_GRANT, client_id: new URLSearchParams(raw).get('client_id'), outcome: 'slow_down', status: 400 });
  ctx.status = 400;
  ctx.body = { error: 'slow_down', error_description: 'polling too fast (test knob device_slow_down)' };
  return undefined;
}

// device_endpoint and device_interval: what discovery and the device answer say, changed after
// oidc-provider made them.
async function deviceKnobs(ctx, next) {
  await next();
  if (ctx.path === '/.well-known/openid-configuration' && !knobs.device_endpoint && ctx.body) {
    delete ctx.body.device_authorization_endpoint;
  }
  if (ctx.path === '/device/auth' && ctx.status === 200 && knobs.device_interval !== null && ctx.body) {
    ctx.body.interval = knobs.device_interval;
  }
}

const EVENTS = { '/auth': 'authorization', '/device/auth': 'device_authorization', '/token': 'token', '/token/revocation': 'revocation' };

// One line per request to the endpoints tests count, with what it asked and how it ended.
async function logRequests(ctx, next) {
  await next();
  const event = EVENTS[ctx.path];
  if (!event) return;
  const params = ctx.oidc?.params ?? {};
  let outcome = ctx.body?.error ?? ctx.state.opError ?? (ctx.status < 400 ? 'ok' : `http_${ctx.status}`);
  const record = { event, client_id: ctx.oidc?.client?.clientId ?? params.client_id ?? null, status: ctx.status };
  if (event === 'authorization') {
    const location = ctx.response.get('Location');
    const back = location ? new URL(location, provider.issuer) : null;
    if (back?.searchParams.get('error')) outcome = back.searchParams.get('error');
    Object.assign(record, { scope: params.scope ?? null, prompt: params.prompt ?? null,
      code_challenge_method: params.code_challenge_method ?? null, redirect_uri: params.redirect_uri ?? null });
  }
  if (event === 'device_authorization') record.scope = params.scope ?? null;
  if (event === 'token') record.grant_type = params.grant_type ?? null;
  // Why a client was refused (oidc-provider's error_detail: no token or key material in it).
  if (ctx.state.errorDetail) record.detail = ctx.state.errorDetail;
  if (event === 'revocation') record.token_type_hint = params.token_type_hint ?? null;
  log({ ...record, outcome });
}

function build(issuer) {
  provider = new Provider(issuer, config());
  provider.on('grant.error', (ctx, err) => { ctx.state.errorDetail = err.error_detail; });
  provider.use(logRequests);
  provider.use(deviceKnobs);
  provider.use(slowDown);
  provider.use(interaction);
  app = provider.callback();
}

async function control(req, res) {
  let status = 200;
  let answer;
  try {
    if (req.method === 'POST') applyControl(JSON.parse((await readBody(req)) || '{}'));
    answer = { ...knobs, signing_kid: keys[0].kid };
  } catch (e) {
    status = 400;
    answer = { error: e.message };
  }
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(`${JSON.stringify(answer)}\n`);
}

const server = http.createServer((req, res) => {
  if (new URL(req.url, 'http://x').pathname === '/_control') {
    control(req, res);
  } else {
    app(req, res);
  }
});
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  build(issuer);
  const ready = path.join(stateDir, 'oidc.json');
  // Atomically, so a reader sees all of it or nothing.
  fs.writeFileSync(`${ready}.tmp`, `${JSON.stringify({ issuer, pid: process.pid })}\n`);
  fs.renameSync(`${ready}.tmp`, ready);
  phase(`ready at ${issuer}`);
});

if (args['die-with-parent']) {
  // Stop when whoever started us is gone, so a killed test run leaves no server behind.
  const parent = process.ppid;
  setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 500);
}
