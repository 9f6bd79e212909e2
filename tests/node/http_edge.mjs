// http_edge.mjs - bad input and plain endpoints over raw HTTP (node:http, so Host and Origin
// can be forged), then a graceful stop with a request in flight.
// Usage: node http_edge.mjs skilld|fixture BINARY
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { serverArgs, startServer } from './lib.mjs';

const [kind, bin] = process.argv.slice(2);
const [cmd, args] = serverArgs(kind, bin);
let server;
let port;

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'edge', version: '1' } } };
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

// One request; resolves { status, headers, text, json } (json undefined when not JSON).
function request(method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const post = (body, headers = {}) =>
  request('POST', '/mcp', { headers: { ...JSON_HEADERS, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function newSession() {
  const r = await post(INIT);
  assert.equal(r.status, 200, r.text);
  const sid = r.headers['mcp-session-id'];
  assert.ok(sid);
  const n = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': sid });
  assert.equal(n.status, 202);
  assert.equal(n.text, '');
  return sid;
}

async function stillServes() {
  const h = await request('GET', '/healthz');
  assert.equal(h.status, 200);
  assert.equal(h.json.status, 'ok');
}

before(async () => {
  server = await startServer(cmd, args);
  port = Number(new URL(server.base).port);
});

after(async () => {
  const st = await server.stop();
  assert.deepEqual(st, { code: 0, signal: null }, server.stderr());
});

// Each row: a name, a request maker (given a live session id) and what must come back.
const badInput = [
  ['malformed JSON', () => post('{"jsonrpc": "2.0", "id": 1,'), 400, -32700],
  ['wrong jsonrpc version', (sid) => post({ jsonrpc: '1.0', id: 1, method: 'ping' }, { 'mcp-session-id': sid }), 400, -32600],
  ['unknown method', (sid) => post({ jsonrpc: '2.0', id: 7, method: 'no/such/method' }, { 'mcp-session-id': sid }), 200, -32601],
  ['2 MiB body', () => post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(2 * 1024 * 1024) } })), 413, -32600],
  ['missing session', () => post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), 400, -32000],
  ['unknown session', () => post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': 'f'.repeat(32) }), 404, -32001],
  ['foreign Origin', () => post(INIT, { origin: 'http://evil.example.com' }), 403, -32000],
  ['foreign Host', () => post(INIT, { host: 'evil.example.com' }), 403, -32000],
  ['Origin that only contains localhost', () => post(INIT, { origin: 'http://localhost.evil.com' }), 403, -32000],
  ['unsupported MCP-Protocol-Version', (sid) => post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': sid, 'mcp-protocol-version': '1999-01-01' }), 400, -32000],
  ['non-JSON Content-Type', () => post(INIT, { 'content-type': 'text/plain' }), 415, -32000],
  ['Accept allows neither JSON nor SSE', () => post(INIT, { accept: 'text/html' }), 406, -32000],
];

for (const [name, make, status, code] of badInput) {
  test(`bad input: ${name} -> ${status} ${code}`, async () => {
    const sid = await newSession();
    const r = await make(sid);
    assert.equal(r.status, status, r.text);
    assert.match(r.headers['content-type'], /application\/json/);
    assert.equal(r.json.jsonrpc, '2.0');
    assert.equal(r.json.error.code, code, r.text);
    if (code === -32000 || code === -32001) assert.equal('id' in r.json, false, 'transport errors carry no id');
    await stillServes();
  });
}

test('any supported MCP-Protocol-Version is accepted on a 2025-11-25 session', async () => {
  const sid = await newSession();
  for (const v of ['2025-03-26', '2025-06-18', '2025-11-25']) {
    const r = await post({ jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': sid, 'mcp-protocol-version': v });
    assert.equal(r.status, 200, `${v}: ${r.text}`);
    assert.deepEqual(r.json.result, {});
  }
});

test('Accept with only one type is served leniently', async () => {
  const sid = await newSession();
  const j = await post({ jsonrpc: '2.0', id: 3, method: 'ping' }, { 'mcp-session-id': sid, accept: 'application/json' });
  assert.equal(j.status, 200);
  assert.match(j.headers['content-type'], /application\/json/);
  const s = await post({ jsonrpc: '2.0', id: 4, method: 'ping' }, { 'mcp-session-id': sid, accept: 'text/event-stream' });
  assert.equal(s.status, 200);
  assert.match(s.headers['content-type'], /text\/event-stream/);
  assert.match(s.text, /event: message\ndata: \{[^\n]*"id":4[^\n]*\}\n\n$/);
});

test('initialize with a stale session id opens a fresh session', async () => {
  const r = await post(INIT, { 'mcp-session-id': 'a'.repeat(32) });
  assert.equal(r.status, 200);
  assert.ok(r.headers['mcp-session-id'] && r.headers['mcp-session-id'] !== 'a'.repeat(32));
});

test('GET without Last-Event-ID is 405; DELETE ends a session', async () => {
  const sid = await newSession();
  const g = await request('GET', '/mcp', { headers: { accept: 'text/event-stream', 'mcp-session-id': sid } });
  assert.equal(g.status, 405);
  assert.match(g.headers.allow, /GET/);
  const d = await request('DELETE', '/mcp', { headers: { 'mcp-session-id': sid } });
  assert.equal(d.status, 200);
  const again = await post({ jsonrpc: '2.0', id: 5, method: 'ping' }, { 'mcp-session-id': sid });
  assert.equal(again.status, 404);
  const d2 = await request('DELETE', '/mcp', { headers: { 'mcp-session-id': sid } });
  assert.equal(d2.status, 404);
});

test('/healthz, 404 and 405 answer JSON', async () => {
  const h = await request('GET', '/healthz');
  assert.equal(h.status, 200);
  assert.equal(h.json.status, 'ok');
  assert.equal(typeof h.json.backend, 'string');
  assert.equal(typeof h.json.version, 'string');
  if (kind === 'skilld') {
    // The default backend is the embedded simulator, reached by the real signed client.
    assert.equal(h.json.backend, 'sim');
    assert.match(h.json.backend_status, /^ok: [1-9]\d* regions visible/);
  }
  const nf = await request('GET', '/no/such/page');
  assert.equal(nf.status, 404);
  assert.equal(nf.json.error.code, 'not_found');
  const na = await request('POST', '/healthz', { headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(na.status, 405);
  assert.equal(na.headers.allow, 'GET');
  assert.equal(na.json.error.code, 'method_not_allowed');
  const put = await request('PUT', '/mcp', { headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(put.status, 405);
  assert.equal(put.headers.allow, 'GET, POST, DELETE');
  // Refusals carry the error table's names: a foreign Origin is ERR_DENIED (403 "denied").
  const foreign = await request('GET', '/healthz', { headers: { origin: 'http://evil.example.com' } });
  assert.equal(foreign.status, 403);
  assert.equal(foreign.json.error.code, 'denied');
});

test('/api/route answers curl -d bodies and the skill page its url names', async () => {
  if (kind !== 'skilld') return;
  // What `curl -d '{"query":...}'` sends: JSON labelled as a form.
  const r = await request('POST', '/api/route', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: JSON.stringify({ query: '怎么给实例绑定第二块弹性网卡' }) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.skill.id, 'ecs-configure-instance');
  const page = await request('GET', r.json.skill.url);
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type'], /^text\/markdown/);
  assert.match(page.text, /^# /);
  const notJson = await request('POST', '/api/route', {
    headers: { 'content-type': 'text/plain' }, body: 'how do I attach an ENI' });
  assert.equal(notJson.status, 415);
  assert.equal(notJson.json.error.code, 'unsupported_media_type');
  const long = await request('POST', '/api/route', {
    headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'x'.repeat(5000) }) });
  assert.equal(long.status, 413);
  const unknown = await request('GET', '/api/route?q=disk&product=rds');
  assert.equal(unknown.status, 404);
  assert.match(unknown.json.error.message, /known products: ecs/);
});

// The unknown-skill 404 echoes the name from the URL: the answer must stay valid UTF-8 JSON
// whether the unescaped name is not UTF-8 or its echo limit falls inside a character.
test('an unknown skill page answers valid UTF-8 JSON whatever bytes its URL holds', async () => {
  if (kind !== 'skilld') return;
  const raw = (path) => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts) }));
    }).on('error', reject);
  });
  const names = ['%FF%FE', 'a'.repeat(63) + encodeURIComponent('地图'), encodeURIComponent('地') + 'x'];
  for (const name of names) {
    const r = await raw(`/skills/ecs/${name}`);
    assert.equal(r.status, 404, name);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(r.body);
    assert.match(JSON.parse(text).error.message, /unknown skill '.*'; known skills: /, name);
  }
  const kept = await raw(`/skills/ecs/${encodeURIComponent('地')}x`);
  assert.match(JSON.parse(kept.body.toString('utf8')).error.message, /unknown skill '地x'/);
});

test('/metrics is Prometheus text with the three metrics', async () => {
  await newSession();
  await request('GET', '/healthz');
  const m = await request('GET', '/metrics');
  assert.equal(m.status, 200);
  assert.match(m.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const lines = m.text.trimEnd().split('\n');
  for (const line of lines) {
    assert.match(line, /^(# (HELP|TYPE) \S+ .+|[a-z_]+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? [0-9.e+-]+)$/, line);
  }
  assert.ok(lines.some((l) => /^skilld_http_requests_total\{endpoint="\/healthz",status="200"\} [1-9]/.test(l)));
  assert.ok(lines.some((l) => /^skilld_http_request_duration_seconds_bucket\{endpoint="\/mcp",le="\+Inf"\} [1-9]/.test(l)));
  assert.ok(lines.some((l) => /^skilld_http_request_duration_seconds_count\{endpoint="\/mcp"\} [1-9]/.test(l)));
  const open = lines.find((l) => l.startsWith('skilld_mcp_sessions_open '));
  assert.ok(Number(open.split(' ')[1]) >= 1, open);
});

test('SIGTERM: stops accepting, finishes the request in flight, exits 0', async () => {
  const own = await startServer(cmd, args);
  const ownPort = Number(new URL(own.base).port);
  const body = JSON.stringify(INIT);
  const half = Math.floor(body.length / 2);
  const sock = net.connect(ownPort, '127.0.0.1');
  await new Promise((resolve) => sock.on('connect', resolve));
  let reply = '';
  sock.setEncoding('utf8');
  sock.on('data', (c) => { reply += c; });
  const closed = new Promise((resolve) => sock.on('close', resolve));
  // Expect: 100-continue makes the server answer once it has run the first access-handler
  // call for our request, so the request is known to be in flight before the signal.
  sock.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${ownPort}\r\nContent-Type: application/json\r\n` +
             `Accept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\n` +
             'Expect: 100-continue\r\nConnection: close\r\n\r\n');
  while (!/100 Continue\r\n\r\n/.test(reply)) await new Promise((resolve) => sock.once('data', resolve));
  reply = '';
  sock.write(body.slice(0, half));
  own.proc.kill('SIGTERM');
  await own.waitFor(/shutting down/);
  sock.write(body.slice(half));
  await closed;
  assert.match(reply, /^HTTP\/1\.1 200 /, reply);
  assert.match(reply, /"protocolVersion":"2025-11-25"/);
  const st = await own.exited;
  assert.deepEqual(st, { code: 0, signal: null }, own.stderr());
});
