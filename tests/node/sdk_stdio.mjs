// sdk_stdio.mjs - drive `skilld stdio` (or `skilld-fixture --stdio`) with the official MCP SDK
// client over StdioClientTransport. Usage: node sdk_stdio.mjs skilld|fixture BINARY
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ELICITING, expectElicitation, expectProgress } from './lib.mjs';

const [kind, bin] = process.argv.slice(2);
const args = kind === 'skilld' ? ['stdio', '--log-level', 'warn'] : ['--stdio'];

async function connect(capabilities = {}) {
  const transport = new StdioClientTransport({ command: bin, args, stderr: 'pipe', env: { PATH: process.env.PATH ?? '' } });
  const client = new Client({ name: 'skilld-sdk-test', version: '0.0.1' }, { capabilities });
  await client.connect(transport);
  return { client, transport };
}

test('initialize, tools/list, tools/call over stdio', async () => {
  const { client } = await connect();
  assert.ok(client.getServerCapabilities().tools);
  const { tools } = await client.listTools();
  const name = kind === 'skilld' ? 'route' : 'test_simple_text';
  assert.ok(tools.some((t) => t.name === name), `tool ${name} is listed`);
  const a = kind === 'skilld' ? { query: 'how do I resize the system disk of an ECS instance' } : {};
  const r = await client.callTool({ name, arguments: a });
  assert.notEqual(r.isError, true, JSON.stringify(r));
  assert.ok(r.content.some((c) => c.type === 'text' && c.text.length > 0));
  await client.ping();
  await client.close();
});

test('progress and cancellation over stdio', { skip: kind !== 'fixture' }, async () => {
  const { client } = await connect();
  await expectProgress(client);
  const ac = new AbortController();
  const call = client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
    signal: ac.signal,
    onprogress: () => ac.abort('test cancels'),
  });
  await assert.rejects(call);
  const again = await client.callTool({ name: 'test_simple_text', arguments: {} });
  assert.notEqual(again.isError, true);
  await client.close();
});

test('a form-mode elicitation from a tool handler reaches the client and its answer returns', { skip: kind !== 'fixture' }, async () => {
  const { client } = await connect(ELICITING);
  await expectElicitation(client);
  await client.close();
});
