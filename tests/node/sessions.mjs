// sessions.mjs - sessions that survive: real SDK clients keep working when their session
// outlives its TTL, is evicted by one-shot clients, or the server restarts (same
// --session-key-file) in the middle; forged or deleted ids are still refused; a failed
// initialize leaves no session; every expiry, eviction and rebuild is logged with a reason.
// Usage: node sessions.mjs skilld BINARY
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from './lib.mjs';

const [, binArg] = process.argv.slice(2);
const bin = resolve(binArg);
const dir = mkdtempSync(join(tmpdir(), 'skilld-sessions-'));
const QUERY = 'how do I attach a second ENI to my instance?';

after(() => rmSync(dir, { recursive: true, force: true }));

// The SDK clients that keep a session id over Streamable HTTP.
const SDKS = [
  ['sdk 1.12.3', 'sdk-1.12/client/index.js', 'sdk-1.12/client/streamableHttp.js'],
  ['sdk 1.32.2', '@modelcontextprotocol/sdk/client/index.js', '@modelcontextprotocol/sdk/client/streamableHttp.js'],
  ['sdk 2.4.0', '@modelcontextprotocol/client', '@modelcontextprotocol/client'],
];

async function connect([name, clientPath, httpPath], url) {
  const { Client } = await import(clientPath);
  const { StreamableHTTPClientTransport } = await import(httpPath);
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name: `sessions-${name}`, version: '1.0' }, { capabilities: {} });
  await client.connect(transport);
  return { client, transport };
}

async function callRoute(client) {
  const r = await client.callTool({ name: 'route', arguments: { query: QUERY } });
  assert.notEqual(r.isError, true, JSON.stringify(r));
  return r;
}

function post(url, body, headers = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
}

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize',
               params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'oneshot', version: '1' } } };

async function stopped(server) {
  const st = await server.stop();
  assert.deepEqual(st, { code: 0, signal: null }, `server log:\n${server.stderr()}`);
}

test('a session idle past its TTL is rebuilt from its id on the next call', async () => {
  const server = await startServer(bin, ['serve', '--listen', '127.0.0.1:0', '--session-ttl', '1']);
  try {
    for (const sdk of SDKS) {
      const { client, transport } = await connect(sdk, server.url);
      await callRoute(client);
      const sid = transport.sessionId;
      await sleep(2200);
      await callRoute(client); // 404 "Session not found" before
      assert.equal(transport.sessionId, sid, `${sdk[0]} kept its session id`);
      await client.close();
    }
    const log = server.stderr();
    assert.match(log, /mcp session [0-9a-f]{8} expired: idle for 1 s or more \(client sessions-sdk 1\.32\.2 1\.0/);
    assert.match(log, /mcp session [0-9a-f]{8} rebuilt: not held by this process .*\(client sessions-sdk 2\.4\.0 1\.0, protocol 2025-11-25/);
  } finally {
    await stopped(server);
  }
});

test('a restart in the middle of a session: same key file, the client keeps its id', async () => {
  const keyFile = join(dir, 'session.key');
  let server = await startServer(bin, ['serve', '--listen', '127.0.0.1:0', '--session-key-file', keyFile]);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600, 'the key file is created 0600');
  assert.match(server.stderr(), /session ids signed with the key in .*session\.key \(created\)/);
  const listen = new URL(server.base).host;
  const sessions = [];
  for (const sdk of SDKS) {
    const s = await connect(sdk, server.url);
    await callRoute(s.client);
    sessions.push({ ...s, sid: s.transport.sessionId, name: sdk[0] });
  }
  await stopped(server);
  server = await startServer(bin, ['serve', '--listen', listen, '--session-key-file', keyFile]);
  try {
    for (const s of sessions) {
      await callRoute(s.client);
      assert.equal(s.transport.sessionId, s.sid, `${s.name} kept its session id`);
      await s.client.close();
    }
    assert.equal((server.stderr().match(/ rebuilt: /g) || []).length, sessions.length);
  } finally {
    await stopped(server);
  }
  // Another key (another deployment) does not accept those ids.
  server = await startServer(bin, ['serve', '--listen', listen, '--session-key-file', join(dir, 'other.key')]);
  try {
    const res = await post(server.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': sessions[0].sid });
    assert.equal(res.status, 404);
  } finally {
    await stopped(server);
  }
});

test('forged, altered and deleted ids are 404; a failed initialize creates no session', async () => {
  const server = await startServer(bin, ['serve', '--listen', '127.0.0.1:0']);
  try {
    const init = await post(server.url, INIT);
    const sid = init.headers.get('mcp-session-id');
    assert.match(sid, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
    assert.equal((await post(server.url, list, { 'mcp-session-id': sid })).status, 200);
    const altered = sid.slice(0, 5) + (sid[5] === 'A' ? 'B' : 'A') + sid.slice(6);
    for (const bad of [altered, `${sid}x`, sid.split('.')[0], 'f'.repeat(32)]) {
      const res = await post(server.url, list, { 'mcp-session-id': bad });
      assert.equal(res.status, 404, bad);
      assert.equal((await res.json()).error.code, -32001);
    }
    const del = await fetch(server.url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
    assert.equal(del.status, 200);
    assert.equal((await post(server.url, list, { 'mcp-session-id': sid })).status, 404, 'deleted stays deleted');

    const open = async () => Number((await (await fetch(`${server.base}/metrics`)).text())
      .match(/^skilld_mcp_sessions_open (\d+)/m)[1]);
    const before = await open();
    const bad = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: 7 });
    assert.equal(bad.status, 200);
    assert.equal(bad.headers.get('mcp-session-id'), null);
    assert.equal((await bad.json()).error.code, -32602);
    assert.equal(await open(), before, 'a failed initialize leaves no session');
  } finally {
    await stopped(server);
  }
});

test('one-shot clients are evicted before a client that works; logged with the reason', async () => {
  const server = await startServer(bin, ['serve', '--listen', '127.0.0.1:0', '--max-sessions', '4']);
  try {
    const { client, transport } = await connect(SDKS[1], server.url);
    await callRoute(client);
    for (let i = 0; i < 12; i++) { // health checks and probes: initialize, nothing else
      const res = await post(server.url, INIT);
      assert.equal(res.status, 200);
      await res.text();
    }
    await callRoute(client);
    const log = server.stderr();
    const evictions = log.match(/ evicted: .*/g) || [];
    assert.ok(evictions.length >= 9, `evictions logged: ${evictions.length}`);
    for (const line of evictions) assert.match(line, /table full \(4 sessions\); no request after initialize/);
    assert.doesNotMatch(log, / rebuilt: /, 'the working session was never evicted');
    assert.ok(transport.sessionId);
    await client.close();
  } finally {
    await stopped(server);
  }
});
