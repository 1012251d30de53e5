'use strict';
// app.js: a small web application over pg_mfa, with Node's own http module and node-postgres (pg).
//
// Sign-up, TOTP enrollment (the QR code is pg_mfa's provisioning_svg), recovery codes, two-step login,
// "remember this device for 30 days", logout, and a page of payouts that a row-level security policy shows
// only to a session whose second factor was checked in the last 5 minutes (step-up).
//
// The application keeps no state of its own: the browser holds pg_mfa's tokens in HttpOnly cookies, and
// every request that needs a user runs in one transaction that starts with `SELECT mfa.begin_request($1)`,
// after which mfa.user_id() is the user and the policies of the app's tables apply. Every value is a bind
// parameter ($1, $2...): no SQL is built from strings.
//
// Configuration, from the environment:
//   PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD   the database, as the application's role: a role with
//                          pg_mfa's client rights (mfa.grant_client) and rights on the payouts table only
//   HOST, PORT             where to listen (127.0.0.1:3000)
//   PUBLIC_ORIGIN          the origin browsers use for the app (http://HOST:PORT). POSTs from any other
//                          origin are refused. With https:// the cookies are Secure and named __Host-...
//   PG_MFA_REALM           the pg_mfa realm of the app's users (default)
//
// Usage: see README.md (schema.sql creates the payouts table; run starts everything for a test).

const http = require('node:http');
const { Pool } = require('pg');

const HOST = process.env.HOST || '127.0.0.1';
const PORT = Number(process.env.PORT || 3000);
const ORIGIN = new URL(process.env.PUBLIC_ORIGIN || `http://${HOST}:${PORT}`).origin;
const REALM = process.env.PG_MFA_REALM || 'default';
const SECURE = ORIGIN.startsWith('https:');

// Cookies. Over https they are Secure and carry the __Host- prefix (the browser then refuses them unless
// Secure, Path=/ and host-only). Over plain http (a laptop, the test) a Secure cookie would not be sent back.
const COOKIE_PREFIX = SECURE ? '__Host-' : '';
const SESSION_COOKIE = `${COOKIE_PREFIX}session`;  // the kss_ session token
const LOGIN_COOKIE = `${COOKIE_PREFIX}login`;      // the kli_ token between the password and the code
const DEVICE_COOKIE = `${COOKIE_PREFIX}device`;    // the kdt_ token of a remembered device
const DEVICE_DAYS = 30;

const pool = new Pool({ max: 10 });
pool.on('error', (err) => console.error(`idle database connection failed: ${err.code || ''} ${err.message}`));

// ---------------------------------------------------------------------------------------------------------
// Database

// inTransaction: runs fn(client) inside BEGIN ... COMMIT on one pooled connection (ROLLBACK if it throws)
// and returns what fn returned.
async function inTransaction(fn) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

// asUser: a transaction in the request context of the session token (mfa.begin_request): fn(client) sees
// mfa.user_id(), mfa.aal() and mfa.mfa_age(), and the policies of the app's tables follow them. Returns null
// without running fn when the token is not a live session (no cookie, expired, logged out, revoked).
async function asUser(token, fn) {
  if (!token) {
    return null;
  }
  return inTransaction(async (client) => {
    const { rows } = await client.query('SELECT mfa.begin_request($1) AS live', [token]);
    return rows[0].live ? fn(client) : null;
  });
}

// ---------------------------------------------------------------------------------------------------------
// HTTP helpers

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function parseCookies(req) {
  const cookies = {};
  for (const part of (req.headers.cookie || '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) {
      try {
        cookies[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        // A malformed cookie (not ours: ours are URI-encoded) is ignored.
      }
    }
  }
  return cookies;
}

function cookie(name, value, maxAgeSeconds) {
  const attributes = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (SECURE) {
    attributes.push('Secure');
  }
  if (maxAgeSeconds !== undefined) {
    attributes.push(`Max-Age=${maxAgeSeconds}`);
  }
  return attributes.join('; ');
}

function clearCookie(name) {
  return cookie(name, '', 0);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10000) {
      throw Object.assign(new Error('request body too large'), { status: 413 });
    }
  }
  return new URLSearchParams(body);
}

// CSRF: every POST must come from a page of this app. Browsers send Origin with every POST (Chromium,
// Firefox and Safari do, for same-origin forms too), and a page elsewhere cannot forge it; Referer is the
// fallback for a client that sends no Origin; neither: refused. SameSite=Lax cookies are the second layer
// (another site's form POST carries no cookie), but SameSite is per site, not per origin: a sibling
// subdomain is "same site", so Lax alone would not do.
function sameOrigin(req) {
  const origin = req.headers.origin;
  if (origin) {
    return origin === ORIGIN;
  }
  try {
    return new URL(req.headers.referer).origin === ORIGIN;
  } catch {
    return false;
  }
}

function send(res, status, html, headers = {}) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    // Pages show secrets (QR code, recovery codes): nobody keeps a copy.
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    ...headers,
  });
  res.end(html);
}

function redirect(res, location, cookies = []) {
  res.writeHead(303, { Location: location, 'Set-Cookie': cookies, 'Cache-Control': 'no-store' });
  res.end();
}

function page(title, body, signedIn = false) {
  const nav = signedIn
    ? '<a href="/">Home</a> · <a href="/payouts">Payouts</a> · <a href="/enroll">Two-step login</a> · '
      + '<form method="post" action="/logout" class="inline"><button id="logout">Log out</button></form>'
    : '<a href="/">Home</a> · <a href="/login">Log in</a> · <a href="/signup">Sign up</a>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · pg_mfa example</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 40em; margin: 2em auto; padding: 0 1em; }
label { display: block; margin: .6em 0; } input[type=text], input[type=password] { font: inherit; width: 16em; }
.error { color: #a00; } .qr svg { width: 200px; height: 200px; } code { font-size: 1.1em; }
form.inline { display: inline; } table { border-collapse: collapse; } td, th { padding: .2em .8em; border-bottom: 1px solid #ccc; }
</style></head>
<body><nav>${nav}</nav><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

function errorLine(message) {
  return message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '';
}

// ---------------------------------------------------------------------------------------------------------
// Pages

async function home(req, res, cookies) {
  const info = await asUser(cookies[SESSION_COOKIE], async (client) => {
    const { rows } = await client.query(
      `SELECT i.user_id, i.aal, i.methods, i.expires_at,
              (SELECT count(*) FROM mfa.list_credentials(i.user_id) AS c
                WHERE c.type = 'totp' AND c.state = 'active') AS devices,
              mfa.recovery_codes_remaining(i.user_id) AS recovery_codes
       FROM mfa.session_info($1) AS i`, [cookies[SESSION_COOKIE]]);
    return rows[0];
  });
  if (!info) {
    send(res, 200, page('pg_mfa example', '<p>A small web application over pg_mfa. '
      + '<a href="/signup">Sign up</a> or <a href="/login">log in</a>.</p>'));
    return;
  }
  const twoStep = Number(info.devices) > 0
    ? `<p>Two-step login is on (${escapeHtml(info.devices)} device(s), ${escapeHtml(info.recovery_codes)} recovery codes left).</p>`
    : '<p>Two-step login is off. <a href="/enroll">Set up an authenticator app</a>.</p>';
  send(res, 200, page('Signed in', `<p id="status">User ${escapeHtml(info.user_id)}, assurance
    <strong id="aal">${escapeHtml(info.aal)}</strong> (${escapeHtml(info.methods.join(', '))}), session until
    ${escapeHtml(info.expires_at.toISOString())}.</p>${twoStep}`, true));
}

// The sign-up and login forms: a username and a password (autocomplete tells a password manager which).
function credentialsForm(signingUp, message) {
  const [title, action, autocomplete] = signingUp
    ? ['Sign up', 'signup', 'new-password'] : ['Log in', 'login', 'current-password'];
  return page(title, `${errorLine(message)}
<form method="post" action="/${action}">
  <label>Username <input type="text" name="username" autocomplete="username" required></label>
  <label>Password <input type="password" name="password" autocomplete="${autocomplete}" required></label>
  <button id="${action}">${title}</button>
</form>`);
}

const signupForm = (message = '') => credentialsForm(true, message);
const loginForm = (message = '') => credentialsForm(false, message);

async function signup(req, res) {
  const form = await readForm(req);
  const username = form.get('username') || '';
  const password = form.get('password') || '';
  try {
    await pool.query('SELECT mfa.create_user($1, $2, $3)', [username, password, REALM]);
  } catch (err) {
    // 23505: the name is taken; 22023: an invalid name or a password too short or long. pg_mfa's messages
    // never contain the password.
    if (err.code === '23505') {
      send(res, 409, signupForm('That username is taken.'));
      return;
    }
    if (err.code === '22023') {
      send(res, 400, signupForm(err.message));
      return;
    }
    throw err;
  }
  // No device yet: the password alone logs in (full_login).
  const login = await passwordStep(req, username, password, null);
  redirect(res, login.result === 'full_login' ? '/enroll' : '/login', sessionCookies(login));
}

async function passwordStep(req, username, password, deviceToken) {
  // client: the peer's address. Behind a reverse proxy, use the address it reports (and trust only the proxy).
  const { rows } = await pool.query(
    'SELECT result, token, expires_at FROM mfa.authenticate_password($1, $2, $3, client => $4, device_token => $5)',
    [username, password, REALM, req.socket.remoteAddress || null, deviceToken || null]);
  return rows[0];
}

// secondsUntil: a cookie's Max-Age for a token that expires at the given time.
function secondsUntil(expiresAt) {
  return Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
}

function sessionCookies(login) {
  if (login.result !== 'full_login') {
    return [];
  }
  return [cookie(SESSION_COOKIE, login.token, secondsUntil(login.expires_at)), clearCookie(LOGIN_COOKIE)];
}

async function login(req, res, cookies) {
  const form = await readForm(req);
  const result = await passwordStep(req, form.get('username') || '', form.get('password') || '',
    cookies[DEVICE_COOKIE]);
  if (result.result === 'full_login') {
    redirect(res, '/', sessionCookies(result));
  } else if (result.result === 'needs_mfa') {
    redirect(res, '/login/code', [cookie(LOGIN_COOKIE, result.token, secondsUntil(result.expires_at))]);
  } else if (result.result === 'needs_enrollment') {
    // The realm requires two-step login and the user has no device: this example does not cover it (see
    // README.md: complete_mfa with the kli_ token and a new device's first code).
    send(res, 403, loginForm('This account must set up two-step login first; ask an administrator.'));
  } else {
    // Unknown user, wrong password, throttled: one answer for all, as pg_mfa gives one.
    send(res, 401, loginForm('Wrong username or password.'));
  }
}

function codeForm(message = '') {
  return page('Two-step login', `${errorLine(message)}
<form method="post" action="/login/code">
  <label>Code from your authenticator app, or a recovery code
    <input type="text" name="code" autocomplete="one-time-code" required autofocus></label>
  <label><input type="checkbox" name="remember" value="yes"> Remember this device for ${DEVICE_DAYS} days</label>
  <button id="verify">Continue</button>
</form>`);
}

async function secondStep(req, res, cookies) {
  const form = await readForm(req);
  const kli = cookies[LOGIN_COOKIE];
  if (!kli) {
    redirect(res, '/login');
    return;
  }
  const { rows } = await pool.query('SELECT result, token, expires_at FROM mfa.complete_mfa($1, $2)',
    [kli, form.get('code') || '']);
  const done = rows[0];
  if (done.result !== 'full_login') {
    // A wrong code leaves the kli_ token usable for a few more tries (the realm's limit).
    send(res, 401, codeForm('That code is not right.'));
    return;
  }
  const set = sessionCookies(done);
  if (form.get('remember') === 'yes') {
    const device = await pool.query('SELECT mfa.remember_device($1) AS token', [done.token]);
    set.push(cookie(DEVICE_COOKIE, device.rows[0].token, DEVICE_DAYS * 24 * 3600));
  }
  redirect(res, '/', set);
}

async function enrollPage(req, res, cookies) {
  const devices = await asUser(cookies[SESSION_COOKIE], async (client) => {
    const { rows } = await client.query(
      `SELECT name, state, verified_at FROM mfa.list_credentials(mfa.user_id())
       WHERE type = 'totp' ORDER BY credential_id`);
    return rows;
  });
  if (!devices) {
    redirect(res, '/login');
    return;
  }
  const list = devices.map((d) => `<li>${escapeHtml(d.name)}: ${escapeHtml(d.state)}</li>`).join('');
  send(res, 200, page('Two-step login', `${list ? `<ul>${list}</ul>` : '<p>No authenticator app yet.</p>'}
<form method="post" action="/enroll">
  <label>Name of the device <input type="text" name="name" value="Phone" required maxlength="100"></label>
  <button id="enroll">Set up an authenticator app</button>
</form>`, true));
}

function verifyForm(credentialId, message = '') {
  return `${errorLine(message)}
<form method="post" action="/enroll/verify">
  <input type="hidden" name="credential_id" value="${escapeHtml(credentialId)}">
  <label>Code shown by the app <input type="text" name="code" autocomplete="one-time-code" required></label>
  <button id="verify">Verify</button>
</form>`;
}

async function enroll(req, res, cookies) {
  const form = await readForm(req);
  const credential = await asUser(cookies[SESSION_COOKIE], async (client) => {
    const { rows } = await client.query(
      'SELECT credential_id, otp_secret, provisioning_svg FROM mfa.totp_create_credential(mfa.user_id(), $1)',
      [form.get('name') || 'Phone']);
    return rows[0];
  });
  if (!credential) {
    redirect(res, '/login');
    return;
  }
  // The secret and the QR code are returned once, by this call: shown now, never stored by the app.
  // provisioning_svg is pg_mfa's own SVG (paths only, no text from the user), so it goes into the page as is.
  const secret = credential.otp_secret.replace(/(.{4})/g, '$1 ').trim();
  send(res, 200, page('Scan the QR code', `<p>Scan this code with your authenticator app
(or type the secret), then enter the code it shows.</p>
<div class="qr" id="qr">${credential.provisioning_svg}</div>
<p>Secret: <code id="secret">${escapeHtml(secret)}</code></p>
${verifyForm(credential.credential_id)}`, true));
}

async function verify(req, res, cookies) {
  const form = await readForm(req);
  const token = cookies[SESSION_COOKIE];
  const outcome = await asUser(token, async (client) => {
    // Only an enrollment of this session's user: the credential id comes from the browser.
    const { rows } = await client.query(
      `SELECT mfa.totp_verify(c.credential_id, $2, keep_session => $3) AS ok
       FROM mfa.list_credentials(mfa.user_id()) AS c
       WHERE c.credential_id = $1 AND c.type = 'totp' AND c.state = 'new'`,
      [form.get('credential_id') || '0', form.get('code') || '', token]);
    if (!rows.length || !rows[0].ok) {
      return { ok: false, known: rows.length > 0 };
    }
    // The device is active (and the user's other sessions ended). Recovery codes for the day the phone is
    // lost, in the same transaction: shown once, on this page.
    const codes = await client.query('SELECT mfa.generate_recovery_codes(mfa.user_id()) AS code');
    return { ok: true, codes: codes.rows.map((r) => r.code) };
  });
  if (!outcome) {
    redirect(res, '/login');
  } else if (!outcome.ok) {
    const body = outcome.known
      ? verifyForm(form.get('credential_id'), 'That code is not right: try the next one the app shows.')
      : `${errorLine('No such enrollment (it may have expired).')}<p><a href="/enroll">Start again</a></p>`;
    send(res, 400, page('Scan the QR code', body, true));
  } else {
    const list = outcome.codes.map((c) => `<li><code>${escapeHtml(c)}</code></li>`).join('');
    send(res, 200, page('Recovery codes', `<p>Your authenticator app is set up. Keep these recovery codes
somewhere safe (print them, or keep them in a password manager): each logs you in once if you lose the
phone. They are shown only now.</p><ol id="recovery-codes">${list}</ol>
<p><a href="/" id="done">I have saved them</a></p>`, true));
  }
}

// The payouts page. The policy of table payouts (schema.sql) shows the user's rows only at aal2 with a
// second factor checked less than 5 minutes ago; mfa.aal() and mfa.mfa_age() tell the page why rows are
// hidden, so it can offer a step-up instead of an empty list.
const FRESH_SECONDS = 5 * 60;

async function payoutsPage(res, token, message = '', status = 200) {
  const view = await asUser(token, async (client) => {
    const context = await client.query(
      'SELECT mfa.aal() AS aal, extract(epoch FROM mfa.mfa_age())::float8 AS age');
    const payouts = await client.query(
      'SELECT payout_id, amount, recipient, created_at FROM payouts ORDER BY payout_id');
    return { ...context.rows[0], payouts: payouts.rows };
  });
  if (!view) {
    redirect(res, '/login');
    return;
  }
  const fresh = view.aal === 'aal2' && view.age !== null && view.age < FRESH_SECONDS;
  if (!fresh) {
    const why = view.aal === 'aal2'
      ? `Your last code was checked ${Math.floor(view.age / 60)} minutes ago.`
      : 'This session has not checked a second factor.';
    send(res, status, page('Payouts', `<p id="step-up-needed">${escapeHtml(why)} Payouts are shown for 5 minutes
after a code.</p>${errorLine(message)}
<form method="post" action="/payouts/step-up">
  <label>Code from your authenticator app, or a recovery code
    <input type="text" name="code" autocomplete="one-time-code" required></label>
  <button id="step-up">Show payouts</button>
</form>`, true));
    return;
  }
  const rows = view.payouts.map((p) => `<tr><td>${escapeHtml(p.payout_id)}</td><td>${escapeHtml(p.amount)}</td>
<td>${escapeHtml(p.recipient)}</td><td>${escapeHtml(p.created_at.toISOString())}</td></tr>`).join('');
  send(res, status, page('Payouts', `<p>Visible for ${Math.floor((FRESH_SECONDS - view.age) / 60)} more minutes.</p>
<table id="payouts"><tr><th>#</th><th>Amount</th><th>Recipient</th><th>Created</th></tr>${rows}</table>
<h2>New payout</h2>${errorLine(message)}
<form method="post" action="/payouts">
  <label>Amount <input type="text" name="amount" inputmode="decimal" pattern="[0-9]+(\\.[0-9]{1,2})?" required></label>
  <label>Recipient <input type="text" name="recipient" required maxlength="100"></label>
  <label>Code from your authenticator app, or a recovery code
    <input type="text" name="code" autocomplete="one-time-code" required></label>
  <button id="create-payout">Send payout</button>
</form>`, true));
}

async function stepUp(req, res, cookies) {
  const form = await readForm(req);
  const token = cookies[SESSION_COOKIE];
  // BEGIN; begin_request; step_up; COMMIT: the session's new second-factor time commits (a wrong code is
  // counted by pg_mfa whatever this transaction does).
  const ok = await asUser(token, async (client) => {
    const { rows } = await client.query('SELECT mfa.step_up($1, $2) AS ok', [token, form.get('code') || '']);
    return rows[0].ok;
  });
  if (ok === null) {
    redirect(res, '/login');
  } else if (ok) {
    redirect(res, '/payouts');
  } else {
    await payoutsPage(res, token, 'That code is not right.', 401);
  }
}

async function createPayout(req, res, cookies) {
  const form = await readForm(req);
  const token = cookies[SESSION_COOKIE];
  const amount = form.get('amount') || '';
  const recipient = (form.get('recipient') || '').trim();
  if (!/^[0-9]{1,9}(\.[0-9]{1,2})?$/.test(amount) || !recipient || recipient.length > 100) {
    await payoutsPage(res, token, 'Give an amount (like 12.50) and a recipient.', 400);
    return;
  }
  // The step-up and the write commit together or not at all: a wrong code writes nothing, and a failed
  // INSERT does not use the code up. The policy's WITH CHECK sees the step-up at once (same transaction).
  const outcome = await asUser(token, async (client) => {
    const { rows } = await client.query('SELECT mfa.step_up($1, $2) AS ok', [token, form.get('code') || '']);
    if (!rows[0].ok) {
      return 'wrong code';  // nothing was written: the COMMIT commits nothing
    }
    await client.query('INSERT INTO payouts (user_id, amount, recipient) VALUES (mfa.user_id(), $1, $2)',
      [amount, recipient]);
    return 'created';
  });
  if (outcome === null) {
    redirect(res, '/login');
  } else if (outcome === 'created') {
    redirect(res, '/payouts');
  } else {
    await payoutsPage(res, token, 'That code is not right: no payout was made.', 401);
  }
}

async function logout(req, res, cookies) {
  await readForm(req);
  if (cookies[SESSION_COOKIE]) {
    await pool.query('SELECT mfa.logout($1)', [cookies[SESSION_COOKIE]]);
  }
  // The remembered device's cookie stays: the next login from this browser skips the second step.
  redirect(res, '/', [clearCookie(SESSION_COOKIE), clearCookie(LOGIN_COOKIE)]);
}

// ---------------------------------------------------------------------------------------------------------
// Routing

const routes = {
  'GET /': home,
  'GET /signup': (req, res) => send(res, 200, signupForm()),
  'POST /signup': signup,
  'GET /login': (req, res) => send(res, 200, loginForm()),
  'POST /login': login,
  'GET /login/code': (req, res, cookies) => (cookies[LOGIN_COOKIE]
    ? send(res, 200, codeForm()) : redirect(res, '/login')),
  'POST /login/code': secondStep,
  'GET /enroll': enrollPage,
  'POST /enroll': enroll,
  'POST /enroll/verify': verify,
  'GET /payouts': (req, res, cookies) => payoutsPage(res, cookies[SESSION_COOKIE]),
  'POST /payouts/step-up': stepUp,
  'POST /payouts': createPayout,
  'POST /logout': logout,
};

const server = http.createServer(async (req, res) => {
  const path = new URL(req.url, ORIGIN).pathname;
  const handler = routes[`${req.method} ${path}`];
  try {
    if (!handler) {
      send(res, 404, page('Not found', '<p>No such page.</p>'));
    } else if (req.method === 'POST' && !sameOrigin(req)) {
      send(res, 403, page('Forbidden', '<p>This form was not sent from this site.</p>'));
    } else {
      await handler(req, res, parseCookies(req));
    }
  } catch (err) {
    // The SQLSTATE and message only: never a request body, a cookie or a query's parameters.
    console.error(`${req.method} ${path}: ${err.code || ''} ${err.message}`);
    if (!res.headersSent) {
      send(res, err.status || 500, page('Error', '<p>Something went wrong.</p>'));
    }
  }
});

server.listen(PORT, HOST, () => console.log(`pg_mfa example listening on ${ORIGIN}`));

function shutdown() {
  server.close(() => pool.end().then(() => process.exit(0)));
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
