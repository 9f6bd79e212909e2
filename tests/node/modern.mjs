// modern.mjs - skilld in the stateless era (MCP 2026-07-28) next to the 2025 versions on the
// same /mcp and the same stdio binary: the official SDK 2.x client pinned to 2026-07-28 (and
// in auto mode) over Streamable HTTP and stdio; the guardrails' confirmation as a multi
// round-trip question (accepted: executed; declined: denied; no elicitation: plan and token);
// progress and log messages of a long Cloud Assistant run in both eras; the wire itself with
// fetch (server/discover, header rules, removed methods, subscriptions/listen); and the
// skills extension (skills/list, digests of every file, the same bytes over plain HTTP).
// Usage: node modern.mjs SKILLD_BINARY
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyHTTP } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startServer } from './lib.mjs';

const [bin] = process.argv.slice(2);
const MODERN = '2026-07-28';
const PIN = { mode: { pin: MODERN } };
const WEB1 = 'i-bp1web01000000000000', WEB2 = 'i-bp1web02000000000000';
const dir = mkdtempSync(join(tmpdir(), 'skilld-modern-'));
let server;

before(async () => {
  server = await startServer(bin, ['serve', '--listen', '127.0.0.1:0', '--key-dir', join(dir, 'keys')]);
});

after(async () => {
  const st = await server.stop();
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(st, { code: 0, signal: null }, `server log:\n${server.stderr()}`);
});

// A 2.x client; elicit: the answer to each elicitation (null: no elicitation capability).
async function modernClient(transport, { elicit = null, negotiation = PIN } = {}) {
  const caps = elicit ? { elicitation: { form: {} } } : {};
  const c = new Client({ name: 'skilld-modern-test', version: '0.0.1' },
    { capabilities: caps, versionNegotiation: negotiation });
  const asked = [];
  if (elicit) {
    c.setRequestHandler('elicitation/create', async (req) => {
      asked.push(req.params);
      return elicit;
    });
  }
  await c.connect(transport);
  return { c, asked };
}

const http = () => new StreamableHTTPClientTransport(new URL(server.url));
const stdio = () => new StdioClientTransport({ command: bin, args: ['stdio', '--log-level', 'warn'],
  stderr: 'ignore', env: { PATH: process.env.PATH, HOME: dir } });

// SDK 2.x takes (params, options); 1.x takes (params, resultSchema, options).
async function tool(c, name, args, options) {
  const r = c instanceof Client ? await c.callTool({ name, arguments: args }, options)
    : await c.callTool({ name, arguments: args }, undefined, options);
  assert.ok(r.structuredContent, `${name}: ${JSON.stringify(r)}`);
  return r.structuredContent;
}

test('SDK 2.x pinned to 2026-07-28 over HTTP: discover, tools, route, an ECS read', async () => {
  const { c } = await modernClient(http());
  assert.equal(c.getProtocolEra(), 'modern');
  assert.equal(c.getNegotiatedProtocolVersion(), MODERN);
  const { tools } = await c.listTools();
  assert.ok(tools.some((t) => t.name === 'route'));
  assert.ok(tools.filter((t) => t.name.startsWith('ecs_')).length >= 80);
  const r = await tool(c, 'route', { query: 'how do I share a custom image with another account' });
  assert.equal(r.skill.id, 'ecs-manage-images');
  const d = await tool(c, 'ecs_describe_instances', {});
  assert.equal(d.status, 'ok');
  assert.ok(d.result.Instances.Instance.length > 0);
  await c.close();
});

test('auto negotiation picks the 2026-07-28 era on HTTP and on stdio', async () => {
  for (const t of [http, stdio]) {
    const { c } = await modernClient(t(), { negotiation: { mode: 'auto' } });
    assert.equal(c.getProtocolEra(), 'modern');
    assert.ok((await c.listTools()).tools.some((x) => x.name === 'route'));
    await c.close();
  }
});

// A harmless change (a saved Cloud Assistant command), named uniquely per call.
let made = 0;
const newCommand = () => ({ Name: `modern-test-${++made}`, Type: 'RunShellScript',
  CommandContent: 'uptime' });

test('a change is confirmed by a multi round-trip question over HTTP and stdio', async () => {
  for (const t of [http, stdio]) {
    // Accepted: the retried call runs it.
    const yes = await modernClient(t(), { elicit: { action: 'accept', content: { approve: true } } });
    const r = await tool(yes.c, 'ecs_create_command', newCommand());
    assert.equal(r.status, 'executed', JSON.stringify(r));
    assert.match(r.result.CommandId, /^c-/);
    assert.equal(yes.asked.length, 1);
    assert.match(yes.asked[0].message, /ecs_create_command/);
    assert.deepEqual(yes.asked[0].requestedSchema.required, ['approve']);
    await yes.c.close();
    // Declined: denied, nothing sent.
    const no = await modernClient(t(), { elicit: { action: 'decline' } });
    const d = await tool(no.c, 'ecs_create_command', newCommand());
    assert.equal(d.status, 'denied');
    assert.ok(d.reasons.some((x) => x.rule === 'confirmation.declined'), JSON.stringify(d));
    await no.c.close();
  }
});

test('without elicitation a modern client gets the plan, and its token runs it', async () => {
  const { c } = await modernClient(http());
  const args = newCommand();
  const plan = await tool(c, 'ecs_create_command', args);
  assert.equal(plan.status, 'planned');
  const done = await tool(c, 'ecs_create_command', { ...args,
    confirmation_token: plan.confirmation_token });
  assert.equal(done.status, 'executed');
  await c.close();
});

// A Cloud Assistant run that waits: progress per poll and log lines at the client's level.
async function longRun(c, options) {
  return tool(c, 'ecs_run_command', { InstanceId: [WEB1, WEB2], CommandContent: 'sleep 2; uptime',
    wait: true }, options);
}

test('progress and log messages of a long run reach a 2026-07-28 client', async () => {
  const { c } = await modernClient(http(), { elicit: { action: 'accept', content: { approve: true } } });
  const logs = [];
  c.setNotificationHandler('notifications/message', (n) => { logs.push(n.params); });
  const progress = [];
  const r = await c.callTool({ name: 'ecs_run_command', arguments: { InstanceId: [WEB1, WEB2],
    CommandContent: 'sleep 2; uptime', wait: true },
  _meta: { 'io.modelcontextprotocol/logLevel': 'info' } }, { onprogress: (p) => progress.push(p) });
  assert.equal(r.structuredContent.status, 'executed', JSON.stringify(r.structuredContent));
  assert.equal(r.structuredContent.result.Finished, true);
  assert.ok(progress.length >= 1, `progress: ${JSON.stringify(progress)}`);
  assert.equal(progress.at(-1).total, 2);
  assert.ok(logs.some((l) => /started; waiting/.test(l.data)), JSON.stringify(logs));
  assert.ok(logs.some((l) => /2 of 2 instances finished/.test(l.data)), JSON.stringify(logs));
  // Without a logLevel in _meta no log message is sent at all.
  logs.length = 0;
  await longRun(c);
  assert.equal(logs.length, 0);
  await c.close();
});

test('progress and log messages of a long run reach a 2025-11-25 session', async () => {
  const c = new LegacyClient({ name: 'skilld-legacy-test', version: '0.0.1' },
    { capabilities: { elicitation: {} } });
  c.setRequestHandler((await import('@modelcontextprotocol/sdk/types.js')).ElicitRequestSchema,
    async () => ({ action: 'accept', content: { approve: true } }));
  await c.connect(new LegacyHTTP(new URL(server.url)));
  const logs = [];
  c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { logs.push(n.params); });
  await c.setLoggingLevel('info');
  const progress = [];
  const r = await longRun(c, { onprogress: (p) => progress.push(p) });
  assert.equal(r.status, 'executed');
  assert.ok(progress.length >= 1);
  assert.ok(logs.some((l) => /instances finished/.test(l.data)), JSON.stringify(logs));
  await c.setLoggingLevel('error'); // below error: nothing of a successful run
  logs.length = 0;
  await longRun(c);
  assert.equal(logs.length, 0, JSON.stringify(logs));
  await c.close();
});

// ---- The wire, with fetch ---------------------------------------------------------------------

const META = { 'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {} };

function post(method, params, headers = {}, id = 1) {
  return fetch(server.url, { method: 'POST', headers: { 'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': MODERN,
    'Mcp-Method': method, ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id, method, params }) });
}

test('the 2026-07-28 wire: discover, header rules, removed methods, one endpoint for both eras', async () => {
  let r = await post('server/discover', { _meta: META });
  assert.equal(r.status, 200);
  const d = (await r.json()).result;
  assert.deepEqual(d.supportedVersions, [MODERN]);
  assert.equal(d.resultType, 'complete');
  assert.equal(d._meta['io.modelcontextprotocol/serverInfo'].name, 'skilld');
  assert.deepEqual(d.capabilities.extensions['io.modelcontextprotocol/skills'], { directoryRead: true });
  assert.equal(r.headers.get('mcp-session-id'), null);
  r = await post('tools/list', { _meta: META }, { 'Mcp-Method': 'prompts/list' }, 2);
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.code, -32020);
  r = await post('ping', { _meta: META }, {}, 3);
  assert.equal(r.status, 404);
  assert.deepEqual((await r.json()).error.code, -32601);
  r = await post('tools/list', { _meta: { ...META, 'io.modelcontextprotocol/protocolVersion': '2030-01-01' } },
    { 'MCP-Protocol-Version': '2030-01-01' }, 4);
  assert.equal(r.status, 400);
  const err = (await r.json()).error;
  assert.equal(err.code, -32022);
  assert.deepEqual(err.data, { supported: [MODERN], requested: '2030-01-01' });
  // A legacy client on the same endpoint: initialize and a session, exactly as before.
  r = await fetch(server.url, { method: 'POST', headers: { 'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 5,
    method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {},
      clientInfo: { name: 'old', version: '1' } } }) });
  assert.equal(r.status, 200);
  assert.ok(r.headers.get('mcp-session-id'));
  const text = await r.text();
  assert.match(text, /"protocolVersion":"2025-06-18"/);
  assert.doesNotMatch(text, /resultType/);
});

test('subscriptions/listen acknowledges the filter and tags its stream', async () => {
  const ctl = new AbortController();
  const r = await fetch(server.url, { method: 'POST', signal: ctl.signal, headers: {
    'Content-Type': 'application/json', Accept: 'application/json, text/event-stream',
    'MCP-Protocol-Version': MODERN, 'Mcp-Method': 'subscriptions/listen' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 'sub-7', method: 'subscriptions/listen',
    params: { _meta: META, notifications: { toolsListChanged: true,
      resourceSubscriptions: ['skill://ecs-manage-images/SKILL.md'] } } }) });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/event-stream/);
  const reader = r.body.getReader();
  let text = '';
  while (!/\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  ctl.abort();
  const ack = JSON.parse(text.match(/data: (.*)/)[1]);
  assert.equal(ack.method, 'notifications/subscriptions/acknowledged');
  assert.equal(ack.params._meta['io.modelcontextprotocol/subscriptionId'], 'sub-7');
  assert.deepEqual(ack.params.notifications,
    { resourceSubscriptions: ['skill://ecs-manage-images/SKILL.md'] });
});

test('the skills extension: nine skills, digests of every file, the same bytes over HTTP', async () => {
  const { c } = await modernClient(http());
  const list = (await (await post('skills/list', { _meta: META })).json()).result;
  assert.equal(list.resultType, 'complete');
  const skills = list.skills;
  assert.equal(skills.length, 9);
  for (const s of skills) {
    const name = s.frontmatter.name;
    assert.equal(s.uri, `skill://${name}/SKILL.md`);
    assert.ok(s.frontmatter.description.length > 20);
    assert.ok(s.resources.length >= 6);
    for (const f of s.resources) {
      const read = await c.readResource({ uri: f.uri });
      const bytes = Buffer.from(read.contents[0].text, 'utf8');
      assert.equal(f.size, bytes.length, f.uri);
      assert.equal(f.digest, `sha256:${createHash('sha256').update(bytes).digest('hex')}`, f.uri);
      // The same file downloaded as a folder for hosts that load skills from disk.
      const path = f.uri.slice(`skill://${name}/`.length);
      const got = await fetch(`${server.base}/skills/ecs/${name}/${path}`);
      assert.equal(got.status, 200);
      assert.match(got.headers.get('content-type'), /text\/markdown/);
      assert.ok(Buffer.from(await got.arrayBuffer()).equals(bytes), `${name}/${path}`);
    }
    const manifest = await (await fetch(`${server.base}/skills/ecs/${name}/`)).json();
    assert.deepEqual(manifest.files.map((f) => f.digest), s.resources.map((f) => f.digest));
  }
  const zh = await c.readResource({ uri: 'skill://ecs-manage-images/references/zh.md' });
  assert.match(zh.contents[0].text, /管理自定义镜像/);
  assert.equal((await fetch(`${server.base}/skills/ecs/ecs-manage-images/nope.md`)).status, 404);
  // The existing pages are still where they were.
  assert.equal((await fetch(`${server.base}/skills/ecs/ecs-manage-images`)).status, 200);
  assert.equal((await fetch(`${server.base}/skills/ecs/ecs-manage-images.json`)).status, 200);
  await c.close();
});
