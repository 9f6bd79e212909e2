// browser.mjs - browsers (CORS): a page in headless Chromium (Debian's chromium, driven by the
// pinned playwright-core) served from an --allow-origin origin connects to skilld with fetch:
// initialize, tools/list, tools/call route on /mcp, the same over /sse + /messages, and
// /api/route; a page from another origin fails ("Failed to fetch") and its preflight gets 403
// without CORS headers.
// Usage: node browser.mjs skilld BINARY
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer } from './lib.mjs';

const [, binArg] = process.argv.slice(2);
const bin = resolve(binArg);
const CHROMIUM = process.env.SKILLD_CHROMIUM || '/usr/bin/chromium';
const QUERY = 'how do I roll back a disk to a snapshot?';

// What the page runs: the MCP client of a web app, written against fetch and EventSource only.
const PAGE = `<!doctype html><meta charset="utf-8"><title>skilld browser test</title><script>
async function rpc(url, body, sid) {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (sid) headers['mcp-session-id'] = sid;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, sid: res.headers.get('mcp-session-id'), body: text ? JSON.parse(text) : null };
}
window.streamable = async (url, query) => {
  const init = await rpc(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {
    protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'browser-page', version: '1' } } });
  const sid = init.sid;
  const note = await rpc(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, sid);
  const list = await rpc(url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, sid);
  const call = await rpc(url, { jsonrpc: '2.0', id: 3, method: 'tools/call',
                                params: { name: 'route', arguments: { query } } }, sid);
  return { initStatus: init.status, sid, version: init.body.result.protocolVersion,
           noteStatus: note.status, tools: list.body.result.tools.map((t) => t.name),
           skill: call.body.result.structuredContent.skill.id };
};
window.legacy = (base, query) => new Promise((resolve, reject) => {
  const es = new EventSource(base + '/sse');
  const answers = {};
  let endpoint;
  es.onerror = () => reject(new Error('EventSource failed'));
  es.addEventListener('endpoint', async (ev) => {
    endpoint = new URL(ev.data, base + '/sse').href;
    const post = (m) => fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' },
                                          body: JSON.stringify(m) }).then((r) => r.status);
    // The answer may come on the stream before this POST's 202 does: keep the promise.
    answers.init = post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {
      protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'browser-sse', version: '1' } } });
  });
  es.addEventListener('message', async (ev) => {
    const m = JSON.parse(ev.data);
    const post = (x) => fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' },
                                          body: JSON.stringify(x) }).then((r) => r.status);
    if (m.id === 1) {
      answers.version = m.result.protocolVersion;
      await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
      // Its answer may come on the stream before this POST's 202 does: keep the promise.
      answers.call = post({ jsonrpc: '2.0', id: 2, method: 'tools/call',
                            params: { name: 'route', arguments: { query } } });
    } else if (m.id === 2) {
      answers.text = m.result.content[0].text.slice(0, 200);
      es.close();
      answers.initPost = await answers.init;
      answers.callPost = await answers.call;
      delete answers.init;
      delete answers.call;
      resolve(answers);
    }
  });
});
window.api = async (base, query) => {
  const res = await fetch(base + '/api/route', { method: 'POST', headers: { 'content-type': 'application/json' },
                                                 body: JSON.stringify({ query }) });
  return { status: res.status, skill: (await res.json()).skill.id };
};
window.attempt = async (fn, ...args) => {
  try { return { ok: true, value: await window[fn](...args) }; }
  catch (e) { return { ok: false, error: String(e) }; }
};
</script><p>skilld</p>`;

let pageApp;
let pageOther;
let server;
let browser;

function pageServer() {
  return new Promise((res) => {
    const srv = createServer((req, resp) => {
      resp.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      resp.end(PAGE);
    });
    srv.listen(0, '127.0.0.1', () => res(srv));
  });
}

before(async () => {
  pageApp = await pageServer();
  pageOther = await pageServer();
  server = await startServer(bin, ['serve', '--listen', '127.0.0.1:0',
                                   '--allow-origin', `http://app.test:${pageApp.address().port}`]);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is installed (scripts/deps.sh test)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--host-resolver-rules=MAP app.test 127.0.0.1, MAP other.test 127.0.0.1'],
  });
});

after(async () => {
  await browser?.close();
  pageApp?.close();
  pageOther?.close();
  const st = await server.stop();
  assert.deepEqual(st, { code: 0, signal: null }, `server log:\n${server.stderr()}`);
});

async function openPage(host, srv) {
  const page = await browser.newPage();
  await page.goto(`http://${host}:${srv.address().port}/`);
  return page;
}

test('a page on an allowed origin speaks MCP over /mcp, /sse and /api/route', async () => {
  const page = await openPage('app.test', pageApp);
  const r = await page.evaluate(([url, q]) => window.attempt('streamable', url, q), [server.url, QUERY]);
  assert.ok(r.ok, r.error);
  assert.equal(r.value.initStatus, 200);
  assert.match(r.value.sid, /\./, 'the page reads Mcp-Session-Id (Access-Control-Expose-Headers)');
  assert.equal(r.value.version, '2025-11-25');
  assert.equal(r.value.noteStatus, 202);
  assert.ok(r.value.tools.includes('route'));
  assert.equal(r.value.skill, 'ecs-manage-recovery');
  // the same page through the trailing-slash URL
  const slash = await page.evaluate(([url, q]) => window.attempt('streamable', url, q), [`${server.url}/`, QUERY]);
  assert.ok(slash.ok, slash.error);

  const legacy = await page.evaluate(([base, q]) => window.attempt('legacy', base, q), [server.base, QUERY]);
  assert.ok(legacy.ok, legacy.error);
  assert.equal(legacy.value.initPost, 202);
  assert.equal(legacy.value.callPost, 202);
  assert.equal(legacy.value.version, '2024-11-05');
  assert.match(legacy.value.text, /snapshot/i);

  const api = await page.evaluate(([base, q]) => window.attempt('api', base, q), [server.base, QUERY]);
  assert.ok(api.ok, api.error);
  assert.deepEqual(api.value, { status: 200, skill: 'ecs-manage-recovery' });
  await page.close();
});

test('a page on another origin cannot connect', async () => {
  const page = await openPage('other.test', pageOther);
  for (const fn of ['streamable', 'api']) {
    const target = fn === 'streamable' ? server.url : server.base;
    const r = await page.evaluate(([f, t, q]) => window.attempt(f, t, q), [fn, target, QUERY]);
    assert.equal(r.ok, false, `${fn} must fail`);
    assert.match(r.error, /Failed to fetch/);
  }
  await page.close();
  // What the browser saw: the preflight refused, no CORS headers on it.
  const origin = `http://other.test:${pageOther.address().port}`;
  const pre = await fetch(server.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
  assert.equal(pre.status, 403);
  assert.equal(pre.headers.get('access-control-allow-origin'), null);
  const ok = await fetch(server.url, { method: 'OPTIONS', headers: {
    origin: `http://app.test:${pageApp.address().port}`, 'access-control-request-method': 'POST',
    'access-control-request-headers': 'content-type, mcp-session-id' } });
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get('access-control-allow-origin'), `http://app.test:${pageApp.address().port}`);
  assert.match(ok.headers.get('access-control-allow-headers'), /Mcp-Session-Id/);
  assert.match(ok.headers.get('access-control-allow-headers'), /Last-Event-ID/);
  assert.equal(ok.headers.get('access-control-max-age'), '600');
});
