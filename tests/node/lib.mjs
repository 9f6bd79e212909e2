// lib.mjs - helpers shared by the Node tests: start a skilld binary, find the port it logged,
// stop it and collect its exit status. The server's stderr is kept for assertions.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

// Start `cmd args...` and resolve once it logs "listening on http://HOST:PORT".
// Returns { url, base, proc, stderr(), waitFor(re), stop(signal) }.
export function startServer(cmd, args, { env } = {}) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: env ?? process.env });
  let text = '';
  const waiters = [];
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => {
    text += chunk;
    for (const w of [...waiters]) {
      const m = text.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (re) => new Promise((resolve, reject) => {
    const m = text.match(re);
    if (m) return resolve(m);
    waiters.push({ re, resolve });
    exited.then((st) => reject(new Error(`server exited (${JSON.stringify(st)}) before logging ${re}:\n${text}`)));
  });
  return waitFor(/(?:^|\s)listening on (http:\/\/[^\s]+)/m).then((m) => ({
    base: m[1],
    url: `${m[1]}/mcp`,
    proc,
    stderr: () => text,
    waitFor,
    exited,
    // Send a signal (SIGTERM by default) and resolve with { code, signal } once it exits.
    stop: (sig = 'SIGTERM') => { proc.kill(sig); return exited; },
  }));
}

// Which server a test drives: argv `skilld PATH` (skilld serve) or `fixture PATH`.
export function serverArgs(kind, bin) {
  if (kind === 'skilld') return [bin, ['serve', '--listen', '127.0.0.1:0']];
  if (kind === 'fixture') return [bin, ['--listen', '127.0.0.1:0']];
  throw new Error(`unknown server kind ${kind}`);
}

// Call the fixture's progress tool and check the notifications reach onprogress in order.
// The fixture sends 0, 50, 100. The SDK dispatches notifications a microtask late, so the last
// one may lose the race with the response that follows it at once; two must arrive.
export async function expectProgress(client) {
  const seen = [];
  const r = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, {
    onprogress: (p) => seen.push(p.progress),
  });
  assert.notEqual(r.isError, true);
  assert.ok(seen.length >= 2, `progress seen: ${seen}`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], `non-decreasing: ${seen}`);
}

// The client capabilities a form-mode elicitation needs.
export const ELICITING = { elicitation: { form: {} } };

// A form-mode elicitation/create sent from a tool handler (the fixture's test_elicitation, by
// mcp_call_request) reaches the SDK client's handler, and the client's answer comes back
// into the tool's result. The client must have been made with ELICITING capabilities.
export async function expectElicitation(client) {
  const seen = [];
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    seen.push(req.params);
    return { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } };
  });
  const r = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who is asking?' } });
  assert.notEqual(r.isError, true, JSON.stringify(r));
  assert.equal(seen.length, 1, 'one elicitation/create reached the client');
  assert.equal(seen[0].mode, 'form');
  assert.equal(seen[0].message, 'Who is asking?');
  assert.deepEqual(Object.keys(seen[0].requestedSchema.properties).sort(), ['email', 'username']);
  const text = r.content.find((c) => c.type === 'text')?.text;
  assert.equal(text, 'Elicitation answered: action=accept content={"username":"ada","email":"ada@example.com"}');
}
