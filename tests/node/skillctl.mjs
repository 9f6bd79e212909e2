// skillctl.mjs - drives build/skillctl as a person (or a script) would, and checks its output and
// exit codes against a server:
//   stub       tests/node/skillctl_stub.mjs: the ECS contract (plans, tokens, denials, progress,
//              cancellation, /api/route with execute), auth, limits, hostile text
//   fixture    skilld-fixture: the real HTTP transport with progress, logs, errors, resumption
//   skilld     skilld serve: ask, tools, call route/get_skill, errors
//   skilld-ecs skilld serve's ECS tools (plan, --yes, denial, progress, Ctrl-C); exits 77
//              (skipped, with the reason) when the skilld under test offers no ecs_ tools
//   skilld-do  skilld serve's /api/route with execute, and do over MCP; exits 77 when its
//              answers have no action
// Usage: node skillctl.mjs KIND SKILLCTL [SERVER_BINARY]
// Terminal cases run skillctl under script(1) so that it has a TTY to ask on.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer } from './lib.mjs';

const [kind, skillctl, serverBin] = process.argv.slice(2);
const here = new URL('.', import.meta.url).pathname;
const data = JSON.parse(readFileSync(join(here, 'skillctl_stub_data.json'), 'utf8'));
const SKIP = 77;

// ---- Running skillctl ---------------------------------------------------------------------------

// The environment of every run: nothing of ours inherited, the server's URL set.
function env(extra = {}) {
  const e = { ...process.env };
  for (const k of Object.keys(e)) if (k.startsWith('SKILLD_') || k === 'NO_COLOR') delete e[k];
  return { ...e, SKILLD_URL: server?.base, ...extra };
}

// Run skillctl with args; resolves { code, signal, out, err } (text).
// opts: env, input (stdin text), onSpawn(child) and onStderr(text, child) to act while it runs.
function run(args, opts = {}) {
  return new Promise((resolve) => {
    const input = opts.input === undefined ? 'ignore' : 'pipe'; // not a terminal either way
    const child = spawn(skillctl, args, { env: env(opts.env), stdio: [input, 'pipe', 'pipe'] });
    opts.onSpawn?.(child);
    let out = '';
    let err = '';
    const raw = [];
    child.stdout.on('data', (c) => { raw.push(c); out += c.toString('utf8'); });
    child.stderr.on('data', (c) => { err += c.toString('utf8'); opts.onStderr?.(err, child); });
    if (child.stdin) {
      child.stdin.on('error', () => {}); // skillctl may exit before reading it
      child.stdin.end(opts.input);
    }
    child.on('close', (code, signal) => resolve({ code, signal, out, err, raw: Buffer.concat(raw) }));
  });
}

const quote = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;

// Run skillctl on a terminal (script(1) gives it a pty): stdout and stderr arrive together.
function runTty(args, { input = '', env: extra = {} } = {}) {
  const cmd = [skillctl, ...args].map(quote).join(' ');
  const r = spawnSync('script', ['-qec', `stty cols 100; ${cmd}`, '/dev/null'], {
    input, env: env({ TERM: 'xterm', ...extra }), encoding: 'utf8', timeout: 30000,
  });
  if (r.error) throw new Error(`script(1) is needed for the terminal cases: ${r.error.message}`);
  return { code: r.status, out: r.stdout };
}

// Every byte skillctl writes must be valid UTF-8.
function validUtf8(buf) {
  try { new TextDecoder('utf-8', { fatal: true }).decode(buf); return true; } catch { return false; }
}

const has = (text, part, what) => assert.ok(text.includes(part), `${what ?? 'output'} lacks ${JSON.stringify(part)}:\n${text}`);
const lacks = (text, part, what) => assert.ok(!text.includes(part), `${what ?? 'output'} has ${JSON.stringify(part)}:\n${text}`);
const exits = (r, code) => assert.equal(r.code, code, `exit ${r.code} (want ${code})\nstdout:\n${r.out}\nstderr:\n${r.err}`);

async function stubLog() {
  const res = await fetch(`${server.base}/_stub/log`);
  return res.json();
}

// Register a test only for the server kinds it is about.
const testFor = (kinds, name, fn) => kinds.includes(kind) && test(name, fn);

// ---- Servers ------------------------------------------------------------------------------------

let server;
let authStub;
const node = process.execPath;

before(async () => {
  if (kind === 'stub') {
    server = await startServer(node, [join(here, 'skillctl_stub.mjs')]);
    authStub = await startServer(node, [join(here, 'skillctl_stub.mjs'), '--token', 'S3CRET-bearer-value']);
  } else if (kind === 'fixture') {
    server = await startServer(serverBin, ['--listen', '127.0.0.1:0']);
  } else if (kind.startsWith('skilld')) {
    server = await startServer(serverBin, ['serve', '--listen', '127.0.0.1:0']);
  } else {
    throw new Error(`unknown kind ${kind}`);
  }
});
after(async () => {
  await server?.stop();
  await authStub?.stop();
});

// ---- Everywhere: usage ----------------------------------------------------------------------------

testFor(['stub', 'skilld'], 'help and usage errors', async () => {
  let r = await run(['--help']);
  exits(r, 0);
  has(r.out, 'Exit codes:');
  has(r.out, 'SKILLD_URL');
  for (const cmd of ['ask', 'tools', 'call', 'do']) {
    const h = await run(['help', cmd]);
    exits(h, 0);
    has(h.out, `usage: skillctl [OPTIONS] ${cmd}`);
    const h2 = await run([cmd, '--help']);
    assert.equal(h2.out, h.out);
  }
  has((await run(['help', 'call'])).out, 'NAME=VALUE');
  r = await run([]);
  exits(r, 2);
  r = await run(['frobnicate']);
  exits(r, 2);
  has(r.err, "no command 'frobnicate'");
  r = await run(['--nope', 'ask', 'x']);
  exits(r, 2);
  has(r.err, "unknown option '--nope'");
  r = await run(['ask', '--url', 'http://x', 'hello']);
  exits(r, 2);
  has(r.err, 'is a global option: put it before the command');
  r = await run(['ask']);
  exits(r, 2);
  has(r.err, 'ask needs a question');
  r = await run(['--url', 'ftp://127.0.0.1', 'ask', 'x']);
  exits(r, 2);
  has(r.err, 'must start with http:// or https://');
  r = await run(['--url', 'http://user:pw@127.0.0.1:1', 'ask', 'x']);
  exits(r, 2);
  lacks(r.err, 'pw@');
  r = await run(['--timeout', '0', 'ask', 'x']);
  exits(r, 2);
  r = await run(['ask', 'is anyone there'], { env: { SKILLD_URL: 'http://127.0.0.1:1' } });
  exits(r, 1);
  has(r.err, 'is skilld running at http://127.0.0.1:1?');
  has((await run(['--version'])).out, 'skillctl ');
});

// ---- The stub: the ECS contract -------------------------------------------------------------------

const OPEN = 'open port 443 on sg-bp1web00000000000000 to the world';
const SG = ['ecs_authorize_security_group', 'SecurityGroupId=sg-bp1web00000000000000', 'IpProtocol=tcp',
  'PortRange=22/22', 'SourceCidrIp=0.0.0.0/0', 'Priority=1'];

testFor(['stub'], 'stub: ask over /api/route and MCP', async () => {
  let r = await run(['ask', OPEN]);
  exits(r, 0);
  has(r.out, 'Skill        ecs-configure-instance');
  has(r.out, 'Confidence   0.95');
  assert.ok(validUtf8(r.raw));
  lacks(r.out, '\x1b', 'stdout (not a terminal)');
  r = await run(['ask', '--json', OPEN]);
  exits(r, 0);
  assert.equal(JSON.parse(r.out).skill.id, 'ecs-configure-instance');
  r = await run(['ask', OPEN], { env: { SKILLD_MCP: '1' } });
  exits(r, 0);
  assert.ok((await stubLog()).requests.at(-2).body.includes('"tools/call"'), 'SKILLD_MCP=1 asks over MCP');
  has(r.out, 'Skill        ecs-configure-instance');
  r = await run(['ask', 'what', 'is', 'the', 'weather', 'in', 'paris']);
  exits(r, 4);
  has(r.out, 'Out of scope');
  r = await run(['--mcp', 'ask', '--json', 'what is the weather in paris']);
  exits(r, 4);
  assert.equal(JSON.parse(r.out).skill, null);
});

testFor(['stub'], 'stub: limits and hostile text', async () => {
  let r = await run(['ask', 'stub: huge answer']);
  exits(r, 1);
  has(r.err, 'larger than 8 MiB; refused');
  r = await run(['ask', 'stub: escape']);
  exits(r, 0);
  assert.ok(validUtf8(r.raw));
  for (const bad of ['\x1b', '\x07', '\u009b']) lacks(r.out, bad);
  has(r.out, 'Warning');
  r = await run(['call', 'stub_escape']);
  exits(r, 0);
  for (const bad of ['\x1b', '\x07', '\u009b']) lacks(r.out, bad);
  has(r.out, 'clean[2J]0;pwned text 31m end');
  // Even on a terminal with colour on, the server's sequences are gone; only ours remain.
  const t = runTty(['ask', 'stub: escape']);
  lacks(t.out, '\x1b[2J');
  lacks(t.out, '\x1b]0;');
  lacks(t.out, '\x1b[5m');
  r = await run(['--timeout', '1', 'ask', 'stub: slow']);
  exits(r, 1);
  has(r.err, 'did not answer POST /api/route within 1 s');
  let sent = false;
  const t0 = Date.now();
  r = await run(['ask', 'stub: slow'], {
    onStderr: () => {}, env: { SKILLD_QUIET: '1' },
    onSpawn: (child) => setTimeout(() => { sent = true; child.kill('SIGINT'); }, 500),
  });
  assert.ok(sent);
  exits(r, 130);
  assert.ok(Date.now() - t0 < 5000, 'Ctrl-C ends a waiting request promptly');
  r = await run(['call', 'stub_big_event']);
  exits(r, 1);
  has(r.err, 'an SSE event from skilld is larger than 4194304 bytes');
});

testFor(['stub'], 'stub: tools, both pages, with their kinds', async () => {
  let r = await run(['tools']);
  exits(r, 0);
  for (const t of data.tools) has(r.out, t.name);
  assert.match(r.out, /^ecs_delete_instance +DESTRUCTIVE, open-world +Delete an instance$/m);
  assert.match(r.out, /^ecs_authorize_security_group +changes, idempotent, open-world /m);
  assert.match(r.out, /^route +read-only, idempotent +Route an ECS question$/m);
  r = await run(['tools', '--json']);
  assert.equal(JSON.parse(r.out).length, data.tools.length);
  r = await run(['tools', 'ecs_authorize_security_group']);
  exits(r, 0);
  has(r.out, 'IpProtocol* (string: tcp | udp | icmp | gre | all)');
  has(r.out, 'Call it      skillctl call ecs_authorize_security_group SecurityGroupId=... IpProtocol=... PortRange=...');
  r = await run(['tools', 'ecs_authorize']);
  exits(r, 2);
  has(r.err, "offers no tool named 'ecs_authorize' (did you mean ecs_authorize_security_group?)");
});

testFor(['stub'], 'stub: arguments are typed by the schema and checked before sending', async () => {
  let r = await run(['call', 'ecs_describe_instances', 'InstanceIds=i-bp1web01000000000000']);
  exits(r, 0);
  has(r.out, 'OK           ecs_describe_instances -> DescribeInstances');
  has(r.out, '"InstanceName": "web-01"');
  const calls = (await stubLog()).requests.filter((q) => q.body.includes('"tools/call"'));
  const sent = JSON.parse(calls.at(-1).body).params;
  assert.deepEqual(sent.arguments, { InstanceIds: ['i-bp1web01000000000000'] });
  assert.ok(typeof sent._meta.progressToken === 'string');
  const before = calls.length;
  r = await run(['call', ...SG.slice(0, -1), 'Priority=high']);
  exits(r, 2);
  has(r.err, "argument 'Priority' must be an integer, not 'high'");
  r = await run(['call', 'ecs_authorize_security_group', 'SecurityGroupId=sg-1', 'IpProtocol=xyz', 'PortRange=1/1']);
  exits(r, 2);
  has(r.err, "argument 'IpProtocol' must be one of");
  r = await run(['call', 'ecs_authorize_security_group', 'SecurityGroupId=sg-1']);
  exits(r, 2);
  has(r.err, "missing required argument 'IpProtocol'");
  r = await run(['call', 'ecs_describe_instances', 'Bogus=1']);
  exits(r, 2);
  has(r.err, "the tool takes no argument 'Bogus'; it takes: RegionId, InstanceIds, PageSize, confirmation_token");
  const after = (await stubLog()).requests.filter((q) => q.body.includes('"tools/call"')).length;
  assert.equal(after, before, 'nothing is sent for bad arguments');
});

testFor(['stub'], 'stub: a plan without a terminal stops with exit 5 and executes nothing', async () => {
  const executed = (await stubLog()).executed.length;
  let r = await run(['call', ...SG]);
  exits(r, 5);
  has(r.out, 'Plan         ecs_authorize_security_group -> AuthorizeSecurityGroup (not executed)');
  has(r.out, 'aliyun ecs AuthorizeSecurityGroup --RegionId cn-hangzhou --SecurityGroupId sg-bp1web00000000000000');
  has(r.out, '✓ dry_run passed');
  has(r.out, '! posture.world_open: 22/22 becomes reachable from any address (0.0.0.0/0)');
  lacks(r.out, 'ct1.', 'the rendered plan (confirmation token)');
  has(r.err, 'confirmation needed');
  has(r.err, '--yes');
  r = await run(['call', '--json', ...SG]);
  exits(r, 5);
  const env = JSON.parse(r.out);
  assert.equal(env.status, 'planned');
  has(r.err, 'Plan         ecs_authorize_security_group', 'stderr (the plan for a person)');
  assert.equal((await stubLog()).executed.length, executed, 'nothing executed');
});

testFor(['stub'], 'stub: --yes executes with the token of the plan, same arguments', async () => {
  let r = await run(['call', '--yes', ...SG]);
  exits(r, 0);
  has(r.out, 'Plan         ecs_authorize_security_group');
  has(r.out, 'Executed     ecs_authorize_security_group -> AuthorizeSecurityGroup');
  const log = await stubLog();
  const last = log.executed.at(-1);
  assert.ok(last.caller.startsWith('mcp:'));
  assert.deepEqual(last.arguments, { SecurityGroupId: 'sg-bp1web00000000000000', IpProtocol: 'tcp',
    PortRange: '22/22', SourceCidrIp: '0.0.0.0/0', Priority: 1 });
  r = await run(['call', '--json', '--yes', '--args', '{"SecurityGroupId":"sg-bp1web00000000000000","IpProtocol":"tcp"}',
    'ecs_authorize_security_group', 'PortRange=80/80']);
  exits(r, 0);
  assert.equal(JSON.parse(r.out).status, 'executed', 'one JSON document: the final outcome');
  assert.equal(log.problems.length, 0, `protocol problems: ${log.problems}`);
});

testFor(['stub'], 'stub: denied exits 3, failed exits 1', async () => {
  let r = await run(['call', 'ecs_stop_instance', 'InstanceId=i-bp1db010000000000000']);
  exits(r, 3);
  has(r.out, 'Denied       ecs_stop_instance -> StopInstance');
  has(r.out, '✗ policy.deny: the policy denies ecs:StopInstance');
  r = await run(['call', '--yes', 'ecs_stop_instance', 'InstanceId=i-bp1gone0000000000000']);
  exits(r, 1);
  has(r.out, 'Error        InvalidInstanceId.NotFound: The specified InstanceId does not exist. (RequestId REQ-FAILED-1)');
});

testFor(['stub'], 'stub: confirming on a terminal', async () => {
  let executed = (await stubLog()).executed.length;
  let t = runTty(['call', ...SG], { input: 'y\n' });
  assert.equal(t.code, 0, t.out);
  has(t.out, 'Execute this plan? [y/N]');
  has(t.out, 'Executed');
  assert.equal((await stubLog()).executed.length, ++executed);
  t = runTty(['call', ...SG], { input: 'n\n' });
  assert.equal(t.code, 5, t.out);
  has(t.out, 'not confirmed; nothing was executed');
  assert.equal((await stubLog()).executed.length, executed);
  // A destructive plan wants the word "yes".
  const del = ['call', 'ecs_delete_instance', 'InstanceId=i-bp1batch010000000000'];
  t = runTty(del, { input: 'y\n' });
  assert.equal(t.code, 5, t.out);
  has(t.out, "This plan is DESTRUCTIVE. Type 'yes' to execute it:");
  assert.equal((await stubLog()).executed.length, executed);
  t = runTty(del, { input: 'yes\n' });
  assert.equal(t.code, 0, t.out);
  has(t.out, 'Executed');
  // Ctrl-C at the prompt (the terminal turns ^C into SIGINT): exit 130, nothing executed.
  executed = (await stubLog()).executed.length;
  const cmd = [skillctl, 'call', ...SG].map(quote).join(' ');
  const c = spawnSync('bash', ['-c', `(sleep 1.5; printf '\\003') | script -qec ${quote(cmd)} /dev/null`],
    { env: env({ TERM: 'xterm' }), encoding: 'utf8', timeout: 30000 });
  assert.equal(c.status, 130, c.stdout);
  has(c.stdout, 'interrupted');
  assert.equal((await stubLog()).executed.length, executed);
  // Colour on a terminal, none with NO_COLOR.
  t = runTty(['ask', OPEN]);
  has(t.out, '\x1b[0;1mSkill\x1b[0m');
  t = runTty(['ask', OPEN], { env: { NO_COLOR: '1' } });
  lacks(t.out, '\x1b[');
});

testFor(['stub'], 'stub: progress and log lines while a call runs; --quiet', async () => {
  const cmd = ['call', '--yes', 'ecs_run_command', 'InstanceId=i-bp1web01000000000000', 'CommandContent=df -h', 'Type=RunShellScript'];
  let r = await run(cmd);
  exits(r, 0);
  has(r.err, 'skillctl: progress   0% instance 1 of 1: running (0/3)');
  has(r.err, 'skillctl: progress  67% instance 1 of 1: running (2/3)');
  has(r.err, 'skilld [info] stub: step 1');
  has(r.out, 'Executed     ecs_run_command -> RunCommand');
  // The server's requests on that stream were answered: ping with {}, roots/list refused.
  const { responses } = await stubLog();
  const ping = responses.find((m) => String(m.id).startsWith('srv-ping-'));
  const roots = responses.find((m) => String(m.id).startsWith('srv-roots-'));
  assert.deepEqual(ping?.result, {}, JSON.stringify(responses));
  assert.equal(roots?.error?.code, -32601, JSON.stringify(responses));
  r = await run(['--quiet', ...cmd]);
  exits(r, 0);
  lacks(r.err, 'progress');
  lacks(r.err, 'skilld [info]');
});

testFor(['stub'], 'stub: Ctrl-C cancels the running call and exits 130', async () => {
  let sent = false;
  const t0 = Date.now();
  const r = await run(['call', '--yes', 'ecs_run_command', 'InstanceId=i-bp1web01000000000000',
    'CommandContent=sleep 600', 'Type=RunShellScript'], {
    onStderr: (text, child) => {
      if (!sent && text.includes('progress')) { sent = true; child.kill('SIGINT'); }
    },
  });
  assert.ok(sent, 'progress was shown before the interrupt');
  exits(r, 130);
  assert.ok(Date.now() - t0 < 20000, 'exits promptly');
  has(r.err, 'interrupted');
  const log = await stubLog();
  const call = log.requests.filter((q) => q.body.includes('sleep 600') && q.body.includes('confirmation_token')).at(-1);
  const id = JSON.parse(call.body).id;
  assert.ok(log.cancelled.some((c) => c.requestId === id), `notifications/cancelled for request ${id}: ${JSON.stringify(log.cancelled)}`);
  const sid = log.requests.filter((q) => q.method === 'DELETE').length;
  assert.ok(sid > 0, 'the session was ended with DELETE');
});

testFor(['stub'], 'stub: do over /api/route', async () => {
  const executed = (await stubLog()).executed.length;
  let r = await run(['do', OPEN]);
  exits(r, 5);
  has(r.out, 'Skill        ecs-configure-instance');
  has(r.out, 'Plan         ecs_authorize_security_group -> AuthorizeSecurityGroup (not executed)');
  lacks(r.out, '## ', 'a command shows its plan, not the whole answer');
  r = await run(['do', '--yes', OPEN]);
  exits(r, 0);
  has(r.out, 'Executed     ecs_authorize_security_group');
  const log = await stubLog();
  assert.equal(log.executed.length, executed + 1);
  assert.ok(log.executed.at(-1).caller.startsWith('http:'));
  const routes = log.requests.filter((q) => q.path === '/api/route').slice(-2).map((q) => JSON.parse(q.body));
  assert.equal(routes[0].execute, true);
  assert.equal(routes[0].confirmation_token, undefined);
  assert.ok(routes[1].confirmation_token.startsWith('ct1.'));
  assert.equal(routes[1].query, OPEN);
  r = await run(['do', '--json', '--yes', OPEN]);
  exits(r, 0);
  assert.equal(JSON.parse(r.out).action.status, 'executed');
  r = await run(['do', 'stop instance i-bp1db010000000000000']);
  exits(r, 3);
  has(r.out, 'policy.deny');
  r = await run(['do', 'reboot my instance']);
  exits(r, 1);
  has(r.out, 'Missing      InstanceId');
  r = await run(['do', 'how many disks can I attach to one instance']);
  exits(r, 1);
  has(r.err, 'found no command to carry out');
  r = await run(['do', 'what is the weather in paris']);
  exits(r, 4);
  has(r.out, 'Out of scope');
  const t = runTty(['do', 'delete instance i-bp1batch010000000000'], { input: 'yes\n' });
  assert.equal(t.code, 0, t.out);
  has(t.out, "Type 'yes' to execute it:");
});

testFor(['stub'], 'stub: do over MCP', async () => {
  let r = await run(['--mcp', 'do', '--yes', 'delete instance i-bp1batch010000000000']);
  exits(r, 0);
  has(r.out, 'Effect       DESTRUCTIVE');
  has(r.out, 'Executed     ecs_delete_instance -> DeleteInstance');
  r = await run(['--mcp', 'do', 'delete instance i-bp1batch010000000000'], { env: {} });
  exits(r, 5);
  r = await run(['--mcp', 'do', 'reboot my instance']);
  exits(r, 1);
  has(r.err, "suggests the tool 'ecs_reboot_instance' but does not offer it");
  r = await run(['--mcp', 'do', 'what is the weather in paris']);
  exits(r, 4);
});

testFor(['stub'], 'stub: bearer token sent, never printed', async () => {
  const secret = 'S3CRET-bearer-value';
  const url = authStub.base;
  let r = await run(['ask', OPEN], { env: { SKILLD_URL: url } });
  exits(r, 1);
  has(r.err, 'HTTP 401');
  has(r.err, 'set SKILLD_TOKEN');
  r = await run(['tools'], { env: { SKILLD_URL: url, SKILLD_TOKEN: 'WRONG-token-value' } });
  exits(r, 1);
  lacks(r.err + r.out, 'WRONG-token-value');
  r = await run(['tools'], { env: { SKILLD_URL: url, SKILLD_TOKEN: secret } });
  exits(r, 0);
  lacks(r.err + r.out, secret);
  const dir = mkdtempSync(join(tmpdir(), 'skillctl-'));
  try {
    writeFileSync(join(dir, 'token'), `${secret}\n`, { mode: 0o600 });
    r = await run(['--token-file', join(dir, 'token'), 'call', '--yes', ...SG], { env: { SKILLD_URL: url } });
    exits(r, 0);
    lacks(r.err + r.out, secret);
    r = await run(['--token-file', join(dir, 'nope'), 'ask', 'x'], { env: { SKILLD_URL: url } });
    exits(r, 2);
    has(r.err, 'cannot read the token file');
  } finally {
    rmSync(dir, { recursive: true });
  }
  const res = await fetch(`${url}/_stub/log`);
  const log = await res.json();
  assert.ok(log.requests.some((q) => q.auth === 'right'));
  assert.ok(log.requests.filter((q) => q.auth === 'right').every((q) => q.path === '/mcp' || q.path === '/api/route'));
});

// ---- skilld-fixture: the real transport ----------------------------------------------------------

testFor(['fixture'], 'fixture: progress, logs, errors and a resumed stream', async () => {
  let r = await run(['call', 'test_tool_with_progress']);
  exits(r, 0);
  has(r.err, 'skillctl: progress  50% step 1 of 2');
  has(r.out, 'The progress tool reported 0, 50 and 100 of 100.');
  r = await run(['call', 'test_tool_with_logging']);
  exits(r, 0);
  has(r.err, 'skilld [info] conformance-fixtures: logging tool: begin');
  r = await run(['call', 'test_reconnection']);
  exits(r, 0);
  has(r.out, 'Reconnection worked: this result arrived on the resumed stream.');
  r = await run(['call', 'test_error_handling']);
  exits(r, 1);
  has(r.err, 'test_error_handling failed: This tool fails on purpose');
  r = await run(['call', 'json_schema_2020_12_tool', 'name=n', 'address={"street":"s","city":"c"}']);
  exits(r, 0);
  has(r.out, '"address":{"street":"s","city":"c"}');
  r = await run(['call', 'test_image_content']);
  exits(r, 0);
  has(r.out, '[image image/png,');
});

// ---- skilld serve: what it offers today -----------------------------------------------------------

const ENI = 'how do I attach a second ENI to my instance?';

testFor(['skilld'], 'skilld: ask', async () => {
  let r = await run(['ask', ENI]);
  exits(r, 0);
  has(r.out, 'Skill        ecs-configure-instance');
  assert.match(r.out, /^Confidence   0\.\d\d$/m);
  assert.ok(validUtf8(r.raw));
  r = await run(['ask', '--json', ENI]);
  assert.equal(JSON.parse(r.out).skill.id, 'ecs-configure-instance');
  r = await run(['ask', '怎么给实例绑定第二块弹性网卡']);
  exits(r, 0);
  has(r.out, 'Skill        ecs-configure-instance');
  assert.ok(validUtf8(r.raw));
  r = await run(['ask', 'share image m-bp1webgolden00000000 with 15 accounts']);
  exits(r, 0);
  assert.match(r.out, /^Warning      15 accounts exceeds the limit of 10/m);
  r = await run(['--mcp', 'ask', ENI]);
  exits(r, 0);
  has(r.out, 'Skill        ecs-configure-instance');
  r = await run(['ask', 'what is the weather in paris today']);
  exits(r, 4);
  has(r.out, 'Out of scope');
  r = await run(['ask', 'x'.repeat(5000)]);
  exits(r, 1);
  has(r.err, 'HTTP 413');
  has(r.err, "field 'query' is 5000 characters");
  const t = runTty(['ask', ENI]);
  assert.equal(t.code, 0);
  has(t.out, '\x1b[0;1mSkill\x1b[0m');
});

testFor(['skilld'], 'skilld: tools and call', async () => {
  let r = await run(['tools']);
  exits(r, 0);
  assert.match(r.out, /^route +read-only, idempotent +Route an ECS question$/m);
  assert.match(r.out, /^get_skill +read-only, idempotent /m);
  r = await run(['tools', 'route']);
  has(r.out, 'query* (string)');
  r = await run(['call', 'route', `query=${ENI}`]);
  exits(r, 0);
  assert.match(r.out, /^Configure instance networking/m);
  r = await run(['call', 'get_skill', 'skill=ecs-manage-images']);
  exits(r, 0);
  has(r.out, 'Manage custom images');
  r = await run(['call', 'get_skill', 'skill=nope']);
  exits(r, 1);
  has(r.err, "get_skill failed: unknown skill 'nope'");
  r = await run(['call', 'route']);
  exits(r, 2);
  has(r.err, "missing required argument 'query'");
  r = await run(['call', 'no_such_tool']);
  exits(r, 2);
});

// ---- skilld serve with ECS tools (skipped until they land) ----------------------------------------

testFor(['skilld-ecs'], 'skilld-ecs: ECS tools over MCP', async () => {
  const list = await run(['tools', '--json']);
  exits(list, 0);
  const ecs = JSON.parse(list.out).filter((x) => x.name.startsWith('ecs_'));
  if (!ecs.length) {
    console.log('SKIP: skilld offers no ecs_ tools yet (tools/list has only ' +
      `${JSON.parse(list.out).map((x) => x.name).join(', ')}); the ECS cases run once they land`);
    process.exit(SKIP);
  }
  for (const name of ['ecs_describe_instances', 'ecs_stop_instance', 'ecs_authorize_security_group', 'ecs_run_command']) {
    assert.ok(ecs.some((x) => x.name === name), `skilld offers ${name} (DESIGN.md: ecs_ + the API action)`);
  }
  let r = await run(['tools']);
  assert.match(r.out, /^ecs_delete_instance +DESTRUCTIVE/m);
  assert.match(r.out, /^ecs_describe_instances +read-only/m);
  // DescribeInstances takes InstanceIds as JSON text (a string in its schema): sent as typed.
  r = await run(['call', 'ecs_describe_instances', 'InstanceIds=["i-bp1web01000000000000"]']);
  exits(r, 0);
  has(r.out, 'OK           ecs_describe_instances -> DescribeInstances');
  has(r.out, 'Backend      sim');
  has(r.out, '"InstanceId": "i-bp1web01000000000000"');
  const stop = ['ecs_stop_instance', 'InstanceId=i-bp1web02000000000000'];
  r = await run(['call', ...stop]);
  exits(r, 5);
  has(r.out, 'Plan         ecs_stop_instance -> StopInstance (not executed)');
  has(r.out, 'aliyun ecs StopInstance');
  has(r.err, 'confirmation needed');
  r = await run(['call', '--yes', ...stop]);
  exits(r, 0);
  has(r.out, 'Executed     ecs_stop_instance -> StopInstance');
  has(r.out, 'RequestId');
  // The guardrails deny SSH open to the world: exit 3 with the rule.
  r = await run(['call', 'ecs_authorize_security_group', 'SecurityGroupId=sg-bp1web00000000000000',
    'IpProtocol=tcp', 'PortRange=22/22', 'SourceCidrIp=0.0.0.0/0']);
  exits(r, 3);
  has(r.out, 'posture.admin_port_open');
  // A command that waits reports progress; Ctrl-C during it cancels and exits 130.
  const runCmd = ['call', '--yes', 'ecs_run_command', 'InstanceId=i-bp1web01000000000000', 'CommandContent=uptime', 'wait=true'];
  r = await run(runCmd);
  exits(r, 0);
  has(r.err, 'skillctl: progress');
  has(r.out, 'Executed     ecs_run_command -> RunCommand');
  has(r.out, '"InvocationStatus": "Success"');
  let sent = false;
  r = await run(runCmd, { onStderr: (text, child) => {
    if (!sent && text.includes('skillctl: progress')) { sent = true; child.kill('SIGINT'); }
  } });
  assert.ok(sent, 'progress was shown');
  exits(r, 130);
  has(r.err, 'interrupted');
});

testFor(['skilld-do'], 'skilld-do: do over /api/route and over MCP', async () => {
  const open = 'open port 443 on sg-bp1web00000000000000 to 0.0.0.0/0';
  const res = await fetch(`${server.base}/api/route`, { method: 'POST', body: JSON.stringify({ query: open, execute: true }) });
  const body = await res.json();
  if (!('action' in body)) {
    // What skillctl says about such a skilld is checked, then the case is reported skipped.
    const r = await run(['do', open]);
    exits(r, 1);
    has(r.err, 'does not carry out commands from /api/route');
    console.log("SKIP: skilld's /api/route answers without an 'action' for \"execute\": true; the do cases run once it has one");
    process.exit(SKIP);
  }
  let r = await run(['do', open]);
  exits(r, 5);
  has(r.out, 'Skill        ecs-configure-instance');
  has(r.out, 'Plan         ecs_authorize_security_group -> AuthorizeSecurityGroup (not executed)');
  r = await run(['do', '--yes', open]);
  exits(r, 0);
  has(r.out, 'Executed     ecs_authorize_security_group -> AuthorizeSecurityGroup');
  r = await run(['do', '--json', '--yes', open.replace('443', '8443')]);
  exits(r, 0);
  assert.equal(JSON.parse(r.out).action.status, 'executed');
  r = await run(['do', 'open port 22 on sg-bp1web00000000000000 to 0.0.0.0/0']);
  exits(r, 3);
  has(r.out, 'posture.admin_port_open');
  r = await run(['do', 'what is the weather in paris today']);
  exits(r, 4);
  const t = runTty(['do', open.replace('443', '9443')], { input: 'y\n' });
  assert.equal(t.code, 0, t.out);
  has(t.out, 'Execute this plan? [y/N]');
  has(t.out, 'Executed');
  r = await run(['--mcp', 'do', '--yes', open.replace('443', '10443')]);
  exits(r, 0);
  has(r.out, 'Executed     ecs_authorize_security_group -> AuthorizeSecurityGroup');
});
