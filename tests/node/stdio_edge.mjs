// stdio_edge.mjs - the stdio transport on raw lines: parse errors answered (not dropped), CRLF
// tolerated, an over-long line refused with -32600, nothing but JSON-RPC on stdout, and exit
// status 0 once stdin ends. Usage: node stdio_edge.mjs skilld|fixture BINARY
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

const [kind, bin] = process.argv.slice(2);
const args = kind === 'skilld' ? ['stdio'] : ['--stdio'];
const MAX_LINE = 16 * 1024 * 1024; // STDIO_MAX_LINE in server/http/http.h

function run(input) {
  return new Promise((resolve) => {
    const p = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (c) => { out += c; });
    p.stderr.on('data', (c) => { err += c; });
    p.on('exit', (code, signal) => resolve({ code, signal, out, err }));
    for (const chunk of input) p.stdin.write(chunk);
    p.stdin.end();
  });
}

test('stdio: errors, CRLF, long lines, clean EOF', async () => {
  const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'edge', version: '1' } } });
  const r = await run([
    'this is not json\n',
    `${init}\r\n`,
    '\n',
    '{"jsonrpc":"2.0","method":"notifications/initialized"}\n',
    `{"jsonrpc":"2.0","id":2,"method":"ping","params":{"pad":"${'x'.repeat(MAX_LINE)}"}}\n`,
    '{"jsonrpc":"2.0","id":3,"method":"no/such/method"}\n',
    '{"jsonrpc":"2.0","id":4,"method":"ping"}', // the last line has no newline
  ]);
  assert.deepEqual([r.code, r.signal], [0, null], r.err);
  const lines = r.out.split('\n');
  assert.equal(lines.pop(), '', 'stdout ends with a newline');
  const msgs = lines.map((l) => JSON.parse(l));
  const byId = (id) => msgs.find((m) => m.id === id);
  const noId = msgs.filter((m) => !('id' in m));
  assert.deepEqual(noId.map((m) => m.error.code).sort(), [-32700, -32600].sort(), r.out.slice(0, 2000));
  assert.equal(byId(1).result.protocolVersion, '2025-06-18');
  assert.equal(byId(2), undefined, 'the over-long request is refused as a whole');
  assert.equal(byId(3).error.code, -32601);
  assert.deepEqual(byId(4).result, {});
  assert.equal(msgs.length, 5);
});
