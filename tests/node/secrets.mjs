// secrets.mjs - secrets never leak. A full scenario with real-looking credentials: an external
// simulator started with an AccessKey pair of our choosing; `skilld serve --backend aliyun
// --ecs-endpoint` at it with that pair and an STS token in the environment, --mode confirm, an
// audit log, a confirmation key file and a session key file, at log level debug; a second
// serve with a wrong secret (signature errors, a failed start-up check); `skilld stdio` with
// the same environment. It exercises /api/route (plain and with execute), MCP tools (reads,
// plans, executions, a replayed token, denials, backend errors, a password argument, a key pair
// whose private key goes to --key-dir), /metrics, /healthz, skill pages and the simulator's
// request log, then searches everything that came out — HTTP answers, stdout and stderr of
// every process, the audit log, the request log — for the AccessKey secret, the STS token, the
// confirmation key, the session key and the password (raw, JSON-escaped, percent-encoded,
// Base64, and any 16-character piece of them), and for every confirmation token anywhere but
// the answers (HTTP, stdio) that carried them. Usage: node secrets.mjs SKILLD_BINARY
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RawMcp, Transcript, http, startServe, startSim } from './ops_lib.mjs';

const [bin] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'skilld-secrets-'));

// Real-looking values: an AccessKey secret and an STS token with the characters that encodings
// change (+, /, =), hex keys like the ones skilld writes, and a password.
const AK_ID = 'LTAI5tSkilldLeakTest0001';
const AK_SECRET = `Zq7+Kx2/${randomBytes(12).toString('base64').replace(/=/g, 'Q')}Lm4N`;
const WRONG_SECRET = `Wr0ng+Secret/${randomBytes(9).toString('base64')}`;
const STS_TOKEN = `CAIS${randomBytes(90).toString('base64')}`;
const CONFIRM_KEY = randomBytes(32).toString('hex');
const SESSION_KEY = randomBytes(32).toString('hex');
const PASSWORD = `Sk!lld-Pw-${randomBytes(6).toString('hex')}`;

const confirmKeyFile = join(dir, 'confirm.key');
const sessionKeyFile = join(dir, 'session.key');
const audit = join(dir, 'audit.jsonl');
const keyDir = join(dir, 'keys');
writeFileSync(confirmKeyFile, `${CONFIRM_KEY}\n`, { mode: 0o600 });
writeFileSync(sessionKeyFile, `${SESSION_KEY}\n`, { mode: 0o600 });

const transcript = new Transcript();
const tokens = [];
let sim, serve, wrong;
let stdioOut = '', stdioErr = '';

const credsEnv = (secret) => ({ ...process.env, ALIBABA_CLOUD_ACCESS_KEY_ID: AK_ID,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: secret, ALIBABA_CLOUD_SECURITY_TOKEN: STS_TOKEN,
  HOME: dir });

function serveArgs(extra = []) {
  return ['serve', '--listen', '127.0.0.1:0', '--backend', 'aliyun', '--ecs-endpoint',
    `127.0.0.1:${sim.port}`, '--mode', 'confirm', '--log-level', 'debug', '--replica-id', 'leak-test',
    ...extra];
}

before(async () => {
  sim = await startSim(bin, ['--access-key-id', AK_ID, '--access-key-secret', AK_SECRET,
    '--transition-ms', '200']);
  serve = await startServe(bin, serveArgs(['--audit-log', audit, '--confirm-key-file',
    confirmKeyFile, '--session-key-file', sessionKeyFile, '--key-dir', keyDir]),
  { env: credsEnv(AK_SECRET) });
  wrong = await startServe(bin, serveArgs(), { env: credsEnv(WRONG_SECRET) });
});

after(async () => {
  await wrong?.stop();
  const st = await serve?.stop();
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(st, { code: 0, signal: null });
});

const WEB_SG = 'sg-bp1web00000000000000';

test('the scenario: route, MCP reads, plans, executions, denials and errors', async () => {
  const base = serve.base;
  // /api/route, GET and POST, with and without execute.
  let r = await http(transcript, 'GET', `${base}/api/route?q=${encodeURIComponent('open 443 on ' + WEB_SG)}`);
  assert.equal(r.status, 200);
  r = await http(transcript, 'POST', `${base}/api/route`, { headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `open port 8444 on ${WEB_SG} to 10.0.0.0/8`, execute: true }) });
  assert.equal(r.status, 200);
  const routed = JSON.parse(r.body).action;
  assert.equal(routed.status, 'planned', JSON.stringify(routed));
  tokens.push(routed.confirmation_token);
  r = await http(transcript, 'POST', `${base}/api/route`, { headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `open port 8444 on ${WEB_SG} to 10.0.0.0/8`, execute: true,
                           confirmation_token: routed.confirmation_token }) });
  assert.equal(r.status, 200);
  r = await http(transcript, 'POST', `${base}/api/route`, { headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `open 3389 on ${WEB_SG} to 0.0.0.0/0`, execute: true }) });
  assert.equal(JSON.parse(r.body).action.status, 'denied');
  await http(transcript, 'POST', `${base}/api/route`, { headers: { 'content-type': 'text/plain' }, body: 'not json' });

  const mcp = new RawMcp(base, transcript, { name: 'secrets-test' });
  const init = await mcp.initialize();
  assert.ok(init.result, JSON.stringify(init));
  assert.ok(mcp.session);
  await mcp.request('tools/list', {});
  await mcp.tool('route', { query: 'how do I reset an instance password?' });
  await mcp.request('resources/read', { uri: 'skill://ecs/ecs-launch-instance' });
  assert.equal((await mcp.tool('ecs_describe_instances', {})).status, 'ok');
  assert.equal((await mcp.tool('ecs_describe_regions', {})).status, 'ok');

  // A plan, its execution, the same token again (single use), a forged one.
  const args = { SecurityGroupId: WEB_SG, IpProtocol: 'tcp', PortRange: '9443/9443',
                 SourceCidrIp: '192.168.0.0/16', Description: 'leak test' };
  const plan = await mcp.tool('ecs_authorize_security_group', args);
  assert.equal(plan.status, 'planned', JSON.stringify(plan));
  tokens.push(plan.confirmation_token);
  const done = await mcp.tool('ecs_authorize_security_group', { ...args, confirmation_token: plan.confirmation_token });
  assert.equal(done.status, 'executed', JSON.stringify(done));
  const again = await mcp.tool('ecs_authorize_security_group', { ...args, confirmation_token: plan.confirmation_token });
  assert.equal(again.status, 'denied');
  const forged = await mcp.tool('ecs_authorize_security_group', { ...args,
    confirmation_token: plan.confirmation_token.slice(0, -4) + 'AAAA' });
  assert.equal(forged.status, 'denied');

  // A password argument: planned and executed, never shown.
  const launch = { ImageId: 'm-bp1webgolden00000000', InstanceType: 'ecs.g7.large',
    VSwitchId: 'vsw-bp1demoh000000000000', SecurityGroupId: WEB_SG, InstanceName: 'leak-test',
    Amount: 1, Password: PASSWORD };
  const lp = await mcp.tool('ecs_run_instances', launch);
  assert.equal(lp.status, 'planned', JSON.stringify(lp));
  assert.equal(lp.arguments.Password, '<redacted>');
  tokens.push(lp.confirmation_token);
  const ld = await mcp.tool('ecs_run_instances', { ...launch, confirmation_token: lp.confirmation_token });
  assert.equal(ld.status, 'executed', JSON.stringify(ld));

  // A key pair: the private key goes to --key-dir only.
  const kp = await mcp.tool('ecs_create_key_pair', { KeyPairName: 'leak-test' });
  tokens.push(kp.confirmation_token);
  const kd = await mcp.tool('ecs_create_key_pair', { KeyPairName: 'leak-test', confirmation_token: kp.confirmation_token });
  assert.equal(kd.status, 'executed', JSON.stringify(kd));

  // Denials and backend errors.
  assert.equal((await mcp.tool('ecs_authorize_security_group', { SecurityGroupId: WEB_SG, IpProtocol: 'tcp',
    PortRange: '22/22', SourceCidrIp: '0.0.0.0/0', Description: 'ssh' })).status, 'denied');
  assert.equal((await mcp.tool('ecs_run_command', { InstanceId: ['i-bp1web01000000000000'],
    CommandContent: 'cat ~/.aliyun/config.json; echo $ALIBABA_CLOUD_ACCESS_KEY_SECRET' })).status, 'denied');
  const missing = await mcp.tool('ecs_describe_security_group_attribute', { SecurityGroupId: 'sg-bp1missing0000000000' });
  assert.equal(missing.status, 'failed', JSON.stringify(missing));
  await mcp.request('tools/call', { name: 'ecs_no_such_tool', arguments: {} });
  await mcp.close();

  // The same through the replica with the wrong secret: signature errors.
  const w = new RawMcp(wrong.base, transcript, { name: 'secrets-wrong' });
  await w.initialize();
  const failed = await w.tool('ecs_describe_instances', {});
  assert.equal(failed.status, 'failed', JSON.stringify(failed));
  const wp = await w.tool('ecs_authorize_security_group', args);
  assert.notEqual(wp.status, 'executed');
  await w.close();

  for (const b of [base, wrong.base]) {
    assert.equal((await http(transcript, 'GET', `${b}/healthz`)).status, 200);
    assert.equal((await http(transcript, 'GET', `${b}/metrics`)).status, 200);
    await http(transcript, 'GET', `${b}/skills/ecs/ecs-launch-instance`);
  }
  const hz = JSON.parse((await http(transcript, 'GET', `${wrong.base}/healthz`)).body);
  assert.match(hz.backend_status, /unreachable|Signature|Incomplete|Invalid/i, JSON.stringify(hz));
});

test('skilld stdio with the same environment', async () => {
  const p = spawn(bin, ['stdio', '--backend', 'aliyun', '--ecs-endpoint', `127.0.0.1:${sim.port}`,
    '--mode', 'confirm', '--log-level', 'debug', '--confirm-key-file', confirmKeyFile],
  { env: credsEnv(AK_SECRET), stdio: ['pipe', 'pipe', 'pipe'] });
  p.stdout.setEncoding('utf8').on('data', (c) => { stdioOut += c; });
  p.stderr.setEncoding('utf8').on('data', (c) => { stdioErr += c; });
  const send = (m) => p.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`);
  send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {},
    clientInfo: { name: 'secrets-stdio', version: '1' } } });
  send({ method: 'notifications/initialized' });
  send({ id: 2, method: 'tools/call', params: { name: 'ecs_describe_instances', arguments: {} } });
  send({ id: 3, method: 'tools/call', params: { name: 'ecs_stop_instance',
    arguments: { InstanceId: 'i-bp1web02000000000000' } } });
  const until = Date.now() + 20000;
  while (!/"id":3/.test(stdioOut) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  p.stdin.end();
  await new Promise((r) => p.on('exit', r));
  const plan = stdioOut.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((m) => m.id === 3);
  assert.equal(plan?.result?.structuredContent?.status, 'planned', stdioOut);
  tokens.push(plan.result.structuredContent.confirmation_token);
});

// The spellings a secret could leak in: as is, JSON-escaped, percent-encoded, Base64, and any
// 16-character piece (a truncated or wrapped log line).
function spellings(s) {
  const out = new Set([s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s),
    Buffer.from(s).toString('base64').replace(/=+$/, '')]);
  for (let i = 0; i + 16 <= s.length; i++) out.add(s.slice(i, i + 16));
  return [...out];
}

function findLeaks(haystacks, secrets) {
  const leaks = [];
  for (const [where, text] of Object.entries(haystacks))
    for (const [what, value] of Object.entries(secrets))
      for (const form of spellings(value))
        if (text.includes(form)) {
          leaks.push(`${what} (as "${form}") in ${where}`);
          break;
        }
  return leaks;
}

test('no secret anywhere in what came out', async () => {
  await serve.stop();
  await wrong.stop();
  const simLog = await http(null, 'GET', `${sim.base}/_sim/requests?since=0`);
  await sim.stop();
  const auditText = readFileSync(audit, 'utf8');
  assert.ok(auditText.split('\n').filter(Boolean).length >= 10, 'the audit log recorded the scenario');
  assert.ok(auditText.includes('"replica":"leak-test"'));
  const keyFiles = readdirSync(keyDir);
  assert.deepEqual(keyFiles, ['leak-test.pem'], 'the private key went to --key-dir');
  assert.ok(readFileSync(join(keyDir, 'leak-test.pem'), 'utf8').includes('PRIVATE KEY'));
  const privateKey = readFileSync(join(keyDir, 'leak-test.pem'), 'utf8')
    .split('\n').filter((l) => l && !l.startsWith('-----')).join('');

  const http_answers = transcript.text();
  const outputs = {
    'serve stderr': serve.stderr(), 'serve stdout': serve.stdout(),
    'wrong-secret serve stderr': wrong.stderr(), 'wrong-secret serve stdout': wrong.stdout(),
    'simulator output': sim.output(), 'stdio stderr': stdioErr,
    'audit log': auditText, 'simulator request log': simLog.body,
  };
  const secrets = { 'AccessKey secret': AK_SECRET, 'wrong AccessKey secret': WRONG_SECRET,
    'STS token': STS_TOKEN, 'confirmation key': CONFIRM_KEY, 'session key': SESSION_KEY,
    password: PASSWORD, 'private key': privateKey.slice(0, 64) };
  const answers = { 'HTTP answers': http_answers, 'stdio answers (stdout)': stdioOut };
  assert.deepEqual(findLeaks({ ...answers, ...outputs }, secrets), []);

  // Confirmation tokens belong in the answer that issued them and nowhere else.
  assert.ok(tokens.length >= 5 && tokens.every((t) => typeof t === 'string' && t.length > 20), JSON.stringify(tokens));
  const tokenMap = Object.fromEntries(tokens.map((t, i) => [`confirmation token ${i}`, t]));
  assert.deepEqual(findLeaks(outputs, tokenMap), []);
  // The search works on this data: the tokens are found where they belong.
  assert.equal(findLeaks({ all: http_answers + stdioOut }, tokenMap).length, tokens.length,
               'every token is in the answer that issued it');
  // And what was exercised reached the simulator, signed with the secret.
  const actions = JSON.parse(simLog.body).requests.map((q) => q.action);
  for (const a of ['DescribeRegions', 'DescribeInstances', 'AuthorizeSecurityGroup', 'RunInstances', 'CreateKeyPair'])
    assert.ok(actions.includes(a), `${a} in ${actions}`);
});
