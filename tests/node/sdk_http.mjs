// sdk_http.mjs - drive a running skilld over Streamable HTTP with the official MCP SDK client.
// Usage: node sdk_http.mjs skilld|fixture BINARY
//   skilld:  initialize, tools/list, tools/call of the real `route` tool, DELETE ends the session
//   fixture: the same with fixture tools, plus progress (onprogress), cancellation
//            (AbortController fired from the first progress notification) and a form-mode
//            elicitation answered by the client
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ELICITING, expectElicitation, expectProgress, serverArgs, startServer } from './lib.mjs';

const [kind, bin] = process.argv.slice(2);
let server;

async function connect(capabilities = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(server.url));
  const client = new Client({ name: 'skilld-sdk-test', version: '0.0.1' }, { capabilities });
  const errors = [];
  await client.connect(transport);
  transport.onerror = (e) => errors.push(e);
  return { client, transport, errors };
}

before(async () => {
  const [cmd, args] = serverArgs(kind, bin);
  server = await startServer(cmd, args);
});

after(async () => {
  const st = await server.stop();
  assert.deepEqual(st, { code: 0, signal: null }, `server log:\n${server.stderr()}`);
});

test('initialize gives a session, server info and capabilities', async () => {
  const { client, transport } = await connect();
  assert.match(transport.sessionId, /^[\x21-\x7e]+$/);
  assert.equal(transport.protocolVersion, '2025-11-25');
  assert.ok(client.getServerCapabilities().tools);
  assert.equal(typeof client.getServerVersion().name, 'string');
  await client.close();
});

test('tools/list and tools/call', async () => {
  const { client, transport } = await connect();
  const { tools } = await client.listTools();
  for (const t of tools) {
    assert.equal(t.inputSchema.type, 'object', t.name);
    assert.ok(t.description, t.name);
  }
  const name = kind === 'skilld' ? 'route' : 'test_simple_text';
  assert.ok(tools.some((t) => t.name === name), `tool ${name} is listed`);
  const args = kind === 'skilld' ? { query: 'my ECS instance cannot be reached over SSH' } : {};
  const r = await client.callTool({ name, arguments: args });
  assert.notEqual(r.isError, true, JSON.stringify(r));
  assert.ok(r.content.length > 0 && r.content.some((c) => c.type === 'text' && c.text.length > 0));
  const sid = transport.sessionId;
  await transport.terminateSession();
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid },
    body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
  });
  assert.equal(res.status, 404, 'a deleted session answers 404');
  await client.close();
});

test('progress notifications reach onprogress', { skip: kind !== 'fixture' }, async () => {
  const { client } = await connect();
  await expectProgress(client);
  await client.close();
});

test('cancellation with AbortController, then the session still works', { skip: kind !== 'fixture' }, async () => {
  const { client } = await connect();
  const ac = new AbortController();
  const call = client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
    signal: ac.signal,
    onprogress: () => ac.abort('test cancels'),
  });
  await assert.rejects(call, (e) => /abort|cancel/i.test(String(e?.message ?? e)) || e === 'test cancels');
  const r = await client.callTool({ name: 'test_simple_text', arguments: {} });
  assert.notEqual(r.isError, true);
  await client.close();
});

test('a form-mode elicitation from a tool handler reaches the client and its answer returns', { skip: kind !== 'fixture' }, async () => {
  const { client } = await connect(ELICITING);
  await expectElicitation(client);
  await client.close();
});
