// An MCP server behind OAuth 2.1, with its own authorization server, for
// the sign-in tests: protected resource metadata, authorization server
// metadata, dynamic client registration, an authorization endpoint that
// approves at once (redirecting to the client's loopback address), and a
// token endpoint that checks PKCE and hands out expiring access tokens and
// refresh tokens. The MCP endpoint (/mcp, stateless revision) answers only
// with a valid token. `POST /admin/revoke` revokes every token; `GET
// /admin/log` lists what happened. Prints `listening on PORT`.
// Env: TOKEN_TTL (seconds an access token lives, default 3600).
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';

const ttl = Number(process.env.TOKEN_TTL || 3600);
const log = [];
const clients = new Map(); // client_id -> redirect_uris
const codes = new Map(); // code -> {challenge, redirect, client}
const access = new Map(); // token -> {expires, revoked}
const refresh = new Map(); // token -> {revoked}
let issued = 0;
let base = '';

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

function grant() {
  issued += 1;
  const at = `at-${issued}-${randomBytes(6).toString('hex')}`;
  const rt = `rt-${issued}-${randomBytes(6).toString('hex')}`;
  access.set(at, { expires: Date.now() + ttl * 1000, revoked: false, n: issued });
  refresh.set(rt, { revoked: false });
  return { access_token: at, token_type: 'Bearer', expires_in: ttl, refresh_token: rt, scope: 'mcp' };
}

function mcp(req, res, body) {
  const auth = req.headers.authorization || '';
  const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
  const t = access.get(token);
  const msg = body ? JSON.parse(body) : {};
  if (!t || t.revoked || t.expires < Date.now()) {
    log.push(`401:${msg.method}`);
    return send(res, 401, { error: 'invalid_token' }, {
      'www-authenticate': `Bearer error="invalid_token", resource_metadata="${base}/.well-known/oauth-protected-resource/mcp", scope="mcp"`
    });
  }
  log.push(`mcp:${token}:${msg.method}`);
  if (msg.id === undefined) return send(res, 202);
  const ok = result => send(res, 200, { jsonrpc: '2.0', id: msg.id, result: { resultType: 'complete', ...result } });
  switch (msg.method) {
    case 'server/discover':
      return ok({ supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, serverInfo: { name: 'secured', version: '1' } });
    case 'tools/list':
      return ok({ tools: [{ name: 'whoami', description: 'Says which token was used', inputSchema: { type: 'object', properties: {} } }] });
    case 'tools/call':
      return ok({ content: [{ type: 'text', text: `token number ${t.n}` }] });
    default:
      return send(res, 200, { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } });
  }
}

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks).toString();
  const url = new URL(req.url, base);
  const issuer = `${base}/auth`;
  switch (`${req.method} ${url.pathname}`) {
    case 'POST /mcp':
      return mcp(req, res, body);
    case 'GET /.well-known/oauth-protected-resource/mcp':
      return send(res, 200, { resource: `${base}/mcp`, authorization_servers: [issuer], scopes_supported: ['mcp'] });
    case 'GET /.well-known/oauth-authorization-server/auth':
      return send(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        registration_endpoint: `${issuer}/register`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none'],
        scopes_supported: ['mcp', 'offline_access'],
        authorization_response_iss_parameter_supported: true
      });
    case 'POST /auth/register': {
      const r = JSON.parse(body);
      const id = `client-${clients.size + 1}`;
      clients.set(id, r.redirect_uris || []);
      log.push(`register:${(r.redirect_uris || []).join(',')}`);
      return send(res, 201, { client_id: id, redirect_uris: r.redirect_uris, token_endpoint_auth_method: 'none' });
    }
    case 'GET /auth/authorize': {
      const p = url.searchParams;
      const redirect = p.get('redirect_uri');
      const fail = why => { log.push(`authorize-refused:${why}`); send(res, 400, { error: why }); };
      if (!(clients.get(p.get('client_id')) || []).includes(redirect)) return fail('unknown client or redirect');
      if (p.get('code_challenge_method') !== 'S256' || !p.get('code_challenge')) return fail('no PKCE');
      if (p.get('resource') !== `${base}/mcp`) return fail('wrong resource');
      if (!/^http:\/\/127\.0\.0\.1:\d+\/callback$/.test(redirect)) return fail('not loopback');
      const code = randomBytes(8).toString('hex');
      codes.set(code, { challenge: p.get('code_challenge'), redirect, client: p.get('client_id') });
      log.push(`authorize:scope=${p.get('scope')}`);
      const to = new URL(redirect);
      to.searchParams.set('code', code);
      to.searchParams.set('state', p.get('state'));
      to.searchParams.set('iss', issuer);
      res.writeHead(302, { location: to.toString() });
      return res.end();
    }
    case 'POST /auth/token': {
      const p = new URLSearchParams(body);
      const bad = why => { log.push(`token-refused:${why}`); send(res, 400, { error: 'invalid_grant', error_description: why }); };
      if (p.get('grant_type') === 'authorization_code') {
        const c = codes.get(p.get('code'));
        codes.delete(p.get('code'));
        if (!c) return bad('unknown code');
        const verifier = p.get('code_verifier') || '';
        if (createHash('sha256').update(verifier).digest('base64url') !== c.challenge) return bad('PKCE verifier does not match');
        if (p.get('redirect_uri') !== c.redirect || p.get('client_id') !== c.client) return bad('redirect or client differs');
        log.push('token:authorization_code');
        return send(res, 200, grant());
      }
      if (p.get('grant_type') === 'refresh_token') {
        const r = refresh.get(p.get('refresh_token'));
        if (!r || r.revoked) return bad('refresh token revoked');
        r.revoked = true;
        log.push('token:refresh_token');
        return send(res, 200, grant());
      }
      return bad('unsupported grant');
    }
    case 'POST /admin/revoke':
      for (const t of access.values()) t.revoked = true;
      for (const t of refresh.values()) t.revoked = true;
      log.push('revoked');
      return send(res, 200, {});
    case 'GET /admin/log':
      return send(res, 200, log);
    default:
      return send(res, 404, { error: 'not found' });
  }
});
server.listen(0, '127.0.0.1', () => {
  base = `http://127.0.0.1:${server.address().port}`;
  console.log(`listening on ${server.address().port}`);
});
