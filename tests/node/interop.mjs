// interop.mjs - the interop matrix: skilld driven by several generations of MCP clients from
// npm, pinned by package-lock.json, over every transport each of them speaks, the 2025 era and
// the 2026-07-28 (stateless) one. Every cell connects, lists tools (route must be there) and
// calls `route`; the modern cells also call an ECS tool (and Inspector 2.12 verifies the
// skills). The table printed at the end (client, transport, protocol version, milliseconds) is
// what README's interop figures come from.
// Usage: node interop.mjs skilld BINARY
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { serverArgs, startServer } from './lib.mjs';

const [kind, binArg] = process.argv.slice(2);
const bin = resolve(binArg);
const require = createRequire(import.meta.url);
const run = promisify(execFile);
const QUERY = 'my ECS instance cannot be reached over SSH';
let server;
let home;
const rows = [];

before(async () => {
  const [cmd, args] = serverArgs(kind, bin);
  server = await startServer(cmd, args);
  home = mkdtempSync(join(tmpdir(), 'skilld-interop-'));
});

after(async () => {
  const st = await server.stop();
  rmSync(home, { recursive: true, force: true });
  console.log('\ninterop matrix (client | transport | protocol | ms):');
  for (const r of rows) console.log(`  ${r.client} | ${r.transport} | ${r.version} | ${r.ms}`);
  console.log(`  ${rows.length} cells passed`);
  assert.deepEqual(st, { code: 0, signal: null }, `server log:\n${server.stderr()}`);
});

// Record the protocol version the server answered initialize with, whatever the SDK generation
// keeps of it: wrap the handler the client installs on its transport.
function spyVersion(transport, seen) {
  let handler;
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get: () => handler,
    set: (h) => {
      handler = h && ((msg, extra) => {
        if (msg?.result?.protocolVersion) seen.version = msg.result.protocolVersion;
        return h(msg, extra);
      });
    },
  });
}

// The SDK generations: module paths of Client and each transport.
const SDKS = [
  // 1.0.x uses the global EventSource, which Node lacks: its README says to install one.
  { name: 'sdk 1.0.4', client: 'sdk-1.0/client/index.js', sse: 'sdk-1.0/client/sse.js',
    stdio: 'sdk-1.0/client/stdio.js', want: '2024-11-05', globalEventSource: true },
  { name: 'sdk 1.12.3', client: 'sdk-1.12/client/index.js', http: 'sdk-1.12/client/streamableHttp.js',
    sse: 'sdk-1.12/client/sse.js', stdio: 'sdk-1.12/client/stdio.js', want: '2025-03-26' },
  { name: 'sdk 1.32.2', client: '@modelcontextprotocol/sdk/client/index.js',
    http: '@modelcontextprotocol/sdk/client/streamableHttp.js',
    sse: '@modelcontextprotocol/sdk/client/sse.js', stdio: '@modelcontextprotocol/sdk/client/stdio.js',
    want: '2025-11-25' },
  { name: 'sdk 2.4.0 (@modelcontextprotocol/client)', client: '@modelcontextprotocol/client',
    http: '@modelcontextprotocol/client', sse: '@modelcontextprotocol/client',
    stdio: '@modelcontextprotocol/client/stdio', want: '2025-11-25' },
];

const TRANSPORT_CLASS = { http: 'StreamableHTTPClientTransport', sse: 'SSEClientTransport', stdio: 'StdioClientTransport' };

async function makeTransport(sdk, how) {
  const mod = await import(sdk[how]);
  const Cls = mod[TRANSPORT_CLASS[how]];
  if (how === 'http') return new Cls(new URL(server.url));
  if (how === 'sse') return new Cls(new URL(`${server.base}/sse`));
  return new Cls({ command: bin, args: ['stdio', '--log-level', 'warn'], stderr: 'ignore',
                   env: { PATH: process.env.PATH, HOME: home } });
}

// Connect, list tools, call route; returns the protocol version the server answered.
async function exercise(Client, transport, name) {
  const seen = {};
  spyVersion(transport, seen);
  const client = new Client({ name, version: '0.0.1' }, { capabilities: {} });
  await client.connect(transport);
  const { tools } = await client.listTools();
  assert.ok(tools.some((t) => t.name === 'route'), `${name}: route is listed`);
  for (const t of tools) assert.equal(t.inputSchema.type, 'object');
  const r = await client.callTool({ name: 'route', arguments: { query: QUERY } });
  assert.notEqual(r.isError, true, JSON.stringify(r));
  assert.match(r.content.find((c) => c.type === 'text').text, /SSH|ssh/);
  await client.close();
  return seen.version;
}

for (const sdk of SDKS) {
  for (const how of ['http', 'sse', 'stdio']) {
    if (!sdk[how]) continue;
    test(`${sdk.name} over ${how}`, async () => {
      const { Client } = await import(sdk.client);
      if (sdk.globalEventSource) globalThis.EventSource ??= (await import('eventsource')).EventSource;
      const t0 = Date.now();
      const version = await exercise(Client, await makeTransport(sdk, how), `interop-${sdk.name}`);
      // Over the 2024-11-05 transport a newer SDK still asks for its own version: the
      // transport is old, the protocol need not be.
      assert.equal(version, sdk.want, `${sdk.name} over ${how} negotiated ${version}`);
      rows.push({ client: sdk.name, transport: how === 'http' ? 'streamable http' : how === 'sse' ? 'http+sse (/sse)' : 'stdio', version, ms: Date.now() - t0 });
    });
  }
}

// ---- SDK 2.x pinned to the 2026-07-28 (stateless) era: no initialize, per-request _meta ----

const ECS_READ = 'ecs_describe_regions';

for (const how of ['http', 'stdio']) {
  test(`sdk 2.4.0 (@modelcontextprotocol/client) pinned to 2026-07-28 over ${how}`, async () => {
    const mod = await import('@modelcontextprotocol/client');
    const sdk = { http: '@modelcontextprotocol/client', stdio: '@modelcontextprotocol/client/stdio' };
    const t0 = Date.now();
    const client = new mod.Client({ name: 'interop-modern', version: '0.0.1' },
      { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(await makeTransport(sdk, how));
    assert.equal(client.getProtocolEra(), 'modern');
    const version = client.getNegotiatedProtocolVersion();
    assert.equal(version, '2026-07-28');
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'route') && tools.some((t) => t.name === ECS_READ));
    const r = await client.callTool({ name: 'route', arguments: { query: QUERY } });
    assert.notEqual(r.isError, true, JSON.stringify(r));
    const e = await client.callTool({ name: ECS_READ, arguments: {} });
    assert.equal(e.structuredContent.status, 'ok', JSON.stringify(e));
    await client.close();
    rows.push({ client: 'sdk 2.4.0 (@modelcontextprotocol/client), pinned', transport: how === 'http' ? 'streamable http' : 'stdio', version, ms: Date.now() - t0 });
  });
}

// ---- Inspector 2.12 CLI with protocolEra "modern" in its config: route, an ECS tool, and its
// own SEP-2640 check of every skill (--verify: conformance, frontmatter, digests) ----------

const inspector2 = join(dirname(require.resolve('@modelcontextprotocol/inspector/package.json')),
  'clients', 'launcher', 'build', 'index.js');

async function inspectorModern(server_, ...args) {
  const config = join(home, 'inspector-modern.json');
  writeFileSync(config, JSON.stringify({ mcpServers: {
    http: { type: 'http', url: server.url, protocolEra: 'modern' },
    stdio: { type: 'stdio', command: bin, args: ['stdio', '--log-level', 'warn'], protocolEra: 'modern' },
  } }));
  const { stdout } = await run(process.execPath, [inspector2, '--cli', '--config', config,
    '--server', server_, ...args], {
    env: { PATH: `${dirname(process.execPath)}:${process.env.PATH}`, HOME: home,
      MCP_INSPECTOR_SECRET_STORE: 'memory' },
    timeout: 60000,
  });
  return stdout;
}

for (const how of ['http', 'stdio']) {
  test(`inspector 2.12 CLI (protocolEra modern) over ${how}`, async () => {
    const t0 = Date.now();
    const init = JSON.parse(await inspectorModern(how, '--method', 'initialize', '--format', 'json'));
    const version = init.result.protocolVersion;
    assert.equal(version, '2026-07-28');
    const r = JSON.parse(await inspectorModern(how, '--method', 'tools/call', '--tool-name', 'route',
      '--tool-arg', `query=${QUERY}`, '--format', 'json'));
    assert.notEqual(r.result.isError, true, JSON.stringify(r));
    const e = JSON.parse(await inspectorModern(how, '--method', 'tools/call', '--tool-name', ECS_READ,
      '--format', 'json'));
    assert.equal(e.result.structuredContent.status, 'ok');
    // --verify exits non-zero when a skill fails its checks; each line is one skill's report.
    const reports = (await inspectorModern(how, '--method', 'skills/list', '--verify'))
      .trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(reports.length, 9);
    for (const rep of reports) {
      assert.deepEqual(rep.conformance, [], rep.name);
      assert.ok(rep.files.every((f) => f.status === 'verified'), rep.name);
    }
    rows.push({ client: 'inspector 2.12 cli (modern)', transport: how === 'http' ? 'streamable http' : 'stdio', version, ms: Date.now() - t0 });
  });
}

// ---- Inspector CLI (its own process per call; run from its build/ directory, see notes) ----

const inspectorDir = join(dirname(require.resolve('@modelcontextprotocol/inspector-cli/package.json')), 'build');

async function inspector(target, ...args) {
  const { stdout } = await run(process.execPath, ['index.js', ...target, ...args], {
    cwd: inspectorDir, env: { PATH: `${dirname(process.execPath)}:${process.env.PATH}`, HOME: home },
    timeout: 60000,
  });
  return JSON.parse(stdout);
}

for (const [how, target] of [
  ['streamable http', () => [server.url, '--transport', 'http']],
  ['http+sse (/sse)', () => [`${server.base}/sse`, '--transport', 'sse']],
  ['stdio', () => [bin, 'stdio', '--log-level', 'warn']],
]) {
  test(`inspector-cli 1.0.3 over ${how}`, async () => {
    const t0 = Date.now();
    const list = await inspector(target(), '--method', 'tools/list');
    assert.ok(list.tools.some((t) => t.name === 'route'));
    const r = await inspector(target(), '--method', 'tools/call', '--tool-name', 'route',
                              '--tool-arg', `query=${QUERY}`);
    assert.notEqual(r.isError, true, JSON.stringify(r));
    rows.push({ client: 'inspector-cli 1.0.3', transport: how, version: '(not shown)', ms: Date.now() - t0 });
  });
}

// ---- mcp-remote: a stdio proxy in front of skilld's HTTP, driven by the SDK's stdio client ----

const mcpRemote = join(dirname(require.resolve('mcp-remote/package.json')), 'dist', 'proxy.js');

for (const [mode, path] of [['http-only', '/mcp'], ['http-first', '/mcp'], ['sse-only', '/sse'],
                            ['sse-only', '/mcp']]) {
  test(`mcp-remote 0.15.1 --transport ${mode} ${path}`, async () => {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [mcpRemote, `${server.base}${path}`, '--transport', mode],
      env: { PATH: process.env.PATH, HOME: home, MCP_REMOTE_CONFIG_DIR: join(home, 'mcp-auth') },
      stderr: 'ignore',
    });
    const t0 = Date.now();
    const version = await exercise(Client, transport, `interop-mcp-remote-${mode}`);
    assert.ok(version, 'an initialize result came through');
    rows.push({ client: 'mcp-remote 0.15.1', transport: `${mode} ${path}`, version, ms: Date.now() - t0 });
  });
}
