// replicas.mjs - several `skilld serve` replicas behind a real nginx (Debian's package, run as
// our own process on loopback with deploy/nginx/skilld.conf, ports filled in), all pointing at
// one external simulator with --ecs-endpoint, sharing --session-key-file and
// --confirm-key-file, each with its own --replica-id and audit log. Checks: an MCP session
// opened on one replica is served by the others; a plan made on one replica executes on
// another; a token spent on one replica is refused there again, and sent to a third replica it
// changes nothing (same token, same ClientToken: the simulator answers the first result), and
// for an action ECS cannot deduplicate (no ClientToken) the shared --confirm-spent-dir refuses it;
// audit records carry the replica that wrote them; the HTTP+SSE stream and its messages stay
// on one replica through nginx, unbuffered; and a replica killed (SIGKILL) in the middle of a
// load of confirmed changes loses none and doubles none. Usage: node replicas.mjs SKILLD_BINARY
// (skipped, exit 77, when nginx is not installed).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { RawMcp, Transcript, http, startServe, startSim } from './ops_lib.mjs';

const [bin] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const exampleConf = join(here, '..', '..', 'deploy', 'nginx', 'skilld.conf');
const nginxBin = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
if (!nginxBin) {
  console.log('skipped: nginx is not installed (scripts/deps.sh test installs it)');
  process.exit(77);
}

const dir = mkdtempSync(join(tmpdir(), 'skilld-replicas-'));
const AK_ID = 'LTAI5tSkilldReplicas001';
const AK_SECRET = randomBytes(18).toString('base64');
const env = { ...process.env, ALIBABA_CLOUD_ACCESS_KEY_ID: AK_ID,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: AK_SECRET, HOME: dir };
const sessionKey = join(dir, 'session.key');
const confirmKey = join(dir, 'confirm.key');
const policy = join(dir, 'policy.json');
// The load below makes hundreds of changes a minute from a handful of sessions.
writeFileSync(policy, JSON.stringify({ enabled: true, rules: [], rate_limit: { per_minute: 100000, burst: 10000 } }));
const REPLICAS = ['r1', 'r2', 'r3'];
const audit = (id) => join(dir, `audit-${id}.jsonl`);

let sim, nginx, lb, nginxErr = '';
const replicas = {};
const transcript = new Transcript();

function replicaArgs(id) {
  return ['serve', '--listen', '127.0.0.1:0', '--backend', 'aliyun', '--ecs-endpoint', `127.0.0.1:${sim.port}`,
    '--mode', 'confirm', '--replica-id', id, '--session-key-file', sessionKey, '--confirm-key-file', confirmKey,
    '--audit-log', audit(id), '--policy', policy, '--log-level', 'warn',
    '--confirm-spent-dir', join(dir, 'spent')];
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitHttp(url, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.status === 200) return;
    } catch { /* not up yet */ }
    if (Date.now() > end) throw new Error(`${url} did not answer: ${nginxErr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  sim = await startSim(bin, ['--access-key-id', AK_ID, '--access-key-secret', AK_SECRET, '--transition-ms', '200']);
  for (const id of REPLICAS) replicas[id] = await startServe(bin, replicaArgs(id), { env });
  // The repository's example, with this run's ports.
  const ports = REPLICAS.map((id) => new URL(replicas[id].base).port);
  const lbPort = await freePort();
  const conf = readFileSync(exampleConf, 'utf8')
    .replace(/server 127\.0\.0\.1:808([1-3])/g, (m, n) => `server 127.0.0.1:${ports[Number(n) - 1]}`)
    .replace('listen 127.0.0.1:8080;', `listen 127.0.0.1:${lbPort};`);
  const live = conf.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
  assert.ok(!/127\.0\.0\.1:808[0-3]\b/.test(live), 'every example port was replaced');
  writeFileSync(join(dir, 'skilld.conf'), conf);
  mkdirSync(join(dir, 'tmp'));
  writeFileSync(join(dir, 'nginx.conf'), `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 1024; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  include ${dir}/skilld.conf;
}
`);
  const t = spawnSync(nginxBin, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { encoding: 'utf8' });
  assert.equal(t.status, 0, `nginx -t: ${t.stderr}`);
  nginx = spawn(nginxBin, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
                { stdio: ['ignore', 'ignore', 'pipe'] });
  nginx.stderr.setEncoding('utf8').on('data', (c) => { nginxErr += c; });
  lb = `http://127.0.0.1:${lbPort}`;
  await waitHttp(`${lb}/healthz`);
});

after(async () => {
  if (nginx) {
    const gone = new Promise((r) => nginx.on('exit', r));
    nginx.kill('SIGQUIT');
    await gone;
  }
  for (const r of Object.values(replicas)) if (r.proc.exitCode === null && r.proc.signalCode === null) await r.stop();
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const auditOf = (id) => readFileSync(audit(id), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

// A client pointed at one replica (or the balancer) that can be moved to another, keeping its
// session id.
function clientAt(base, name) {
  return new RawMcp(base, transcript, { name });
}
function moveTo(c, base) { c.url = `${base}/mcp`; }

test('nginx answers for every replica; /healthz names the replica', async () => {
  const seen = new Set();
  for (let i = 0; i < 9; i++) {
    const r = await http(transcript, 'GET', `${lb}/healthz`);
    assert.equal(r.status, 200);
    seen.add(JSON.parse(r.body).replica);
  }
  assert.deepEqual([...seen].sort(), REPLICAS, 'round robin reaches all three');
});

test('an MCP session opened on one replica is served by the others', async () => {
  const c = clientAt(replicas.r1.base, 'sessions');
  await c.initialize();
  const sid = c.session;
  for (const id of ['r2', 'r3', 'r1']) {
    moveTo(c, replicas[id].base);
    const list = await c.request('tools/list', {});
    assert.ok(list.result?.tools?.length > 0, `${id}: ${JSON.stringify(list).slice(0, 300)}`);
    const r = await c.tool('ecs_describe_regions', {});
    assert.equal(r.status, 'ok', id);
    assert.equal(c.session, sid, 'the id stays the same');
  }
  // Through nginx the calls of one session spread over the replicas.
  moveTo(c, lb);
  for (let i = 0; i < 6; i++) assert.equal((await c.tool('ecs_describe_zones', {})).status, 'ok');
  // Audit records name the caller by the session's stable name, the same on every replica.
  const recs = REPLICAS.flatMap((id) => auditOf(id).filter((a) => a.tool === 'ecs_describe_zones'));
  assert.equal(recs.length, 6);
  assert.equal(new Set(recs.map((a) => a.caller)).size, 1, 'one session, whoever answered');
  assert.match(recs[0].caller, /^mcp:[0-9a-f]{32}$/);
  const writers = new Set(recs.map((a) => a.replica));
  assert.ok(writers.size >= 2, `calls of one session answered by ${[...writers]}`);
  await c.close();
});

test('a plan made on one replica executes on another; single use holds across replicas', async () => {
  const c = clientAt(replicas.r1.base, 'tokens');
  await c.initialize();
  const args = { SecurityGroupName: 'cross-replica', VpcId: 'vpc-bp1demo0000000000000', Description: 'made across replicas' };
  const plan = await c.tool('ecs_create_security_group', args);
  assert.equal(plan.status, 'planned', JSON.stringify(plan));
  const { next } = JSON.parse((await http(null, 'GET', `${sim.base}/_sim/requests?since=0`)).body);

  moveTo(c, replicas.r2.base);
  const done = await c.tool('ecs_create_security_group', { ...args, confirmation_token: plan.confirmation_token });
  assert.equal(done.status, 'executed', JSON.stringify(done));
  const sg = done.result.SecurityGroupId;
  assert.match(sg, /^sg-/);
  // The same replica refuses the spent token.
  const again = await c.tool('ecs_create_security_group', { ...args, confirmation_token: plan.confirmation_token });
  assert.equal(again.status, 'denied');
  assert.ok(again.reasons.some((x) => x.rule === 'confirmation.used'), JSON.stringify(again.reasons));
  // A third replica never saw it spent: it sends the call again, with the same ClientToken,
  // and the simulator answers the first result without creating anything.
  moveTo(c, replicas.r3.base);
  const replay = await c.tool('ecs_create_security_group', { ...args, confirmation_token: plan.confirmation_token });
  assert.equal(replay.status, 'executed', JSON.stringify(replay));
  assert.equal(replay.result.SecurityGroupId, sg, 'the first result, not a second group');

  const log = JSON.parse((await http(null, 'GET', `${sim.base}/_sim/requests?since=${next}`)).body).requests;
  const sent = log.filter((q) => q.action === 'CreateSecurityGroup' && q.params.DryRun !== 'true');
  assert.equal(sent.length, 2, JSON.stringify(sent));
  assert.equal(sent[0].params.ClientToken, sent[1].params.ClientToken, 'same token, same ClientToken');
  assert.ok(sent.every((q) => q.status === 200));
  const groups = await c.tool('ecs_describe_security_groups', { SecurityGroupName: 'cross-replica' });
  assert.equal(groups.result.SecurityGroups.SecurityGroup.length, 1, 'one group, not two');

  // Each replica's audit log says what it did, under its own name.
  const rec = (id) => auditOf(id).filter((a) => a.tool === 'ecs_create_security_group' &&
                                           a.arguments.SecurityGroupName === 'cross-replica');
  assert.equal(new Set(REPLICAS.flatMap((id) => rec(id).map((a) => a.caller))).size, 1, 'one caller');
  assert.deepEqual(rec('r1').map((a) => a.decision), ['planned']);
  assert.deepEqual(rec('r2').map((a) => a.decision), ['executing', 'executed', 'denied']);
  assert.deepEqual(rec('r3').map((a) => a.decision), ['executing', 'executed']);
  for (const id of REPLICAS) assert.ok(auditOf(id).every((a) => a.replica === id), `${id} signs its records`);
  await c.close();
});

test('an action without a ClientToken: the shared spent-token folder makes it run once', async () => {
  const c = clientAt(replicas.r1.base, 'reboot');
  await c.initialize();
  const args = { InstanceId: 'i-bp1win01000000000000' };
  const plan = await c.tool('ecs_reboot_instance', args);
  assert.equal(plan.status, 'planned', JSON.stringify(plan));
  const { next } = JSON.parse((await http(null, 'GET', `${sim.base}/_sim/requests?since=0`)).body);
  moveTo(c, replicas.r2.base);
  const done = await c.tool('ecs_reboot_instance', { ...args, confirmation_token: plan.confirmation_token });
  assert.equal(done.status, 'executed', JSON.stringify(done));
  for (const id of ['r3', 'r1']) {
    moveTo(c, replicas[id].base);
    const again = await c.tool('ecs_reboot_instance', { ...args, confirmation_token: plan.confirmation_token });
    assert.equal(again.status, 'denied', `${id}: ${JSON.stringify(again)}`);
    assert.ok(again.reasons.some((x) => x.rule === 'confirmation.used'), JSON.stringify(again.reasons));
  }
  const log = JSON.parse((await http(null, 'GET', `${sim.base}/_sim/requests?since=${next}`)).body).requests;
  const sent = log.filter((q) => q.action === 'RebootInstance' && q.params.DryRun !== 'true');
  assert.equal(sent.length, 1, `one reboot, not ${sent.length}`);
  await c.close();
});

test('HTTP+SSE through nginx: the stream arrives unbuffered and its messages reach its replica', async () => {
  const ac = new AbortController();
  const res = await fetch(`${lb}/sse`, { headers: { accept: 'text/event-stream' }, signal: ac.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/event-stream/);
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const nextEvent = async () => {
    const deadline = setTimeout(() => ac.abort(), 10000);
    try {
      for (;;) {
        const i = buf.indexOf('\n\n');
        if (i >= 0) {
          const ev = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (ev.startsWith(':')) continue;
          return ev;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buf += dec.decode(value, { stream: true });
      }
    } finally { clearTimeout(deadline); }
  };
  const endpoint = await nextEvent();
  const path = endpoint.match(/data: (\S+)/)[1];
  assert.match(path, /^\/messages\?sessionId=/);
  for (let id = 1; id <= 4; id++) {
    const msg = id === 1
      ? { jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'sse-lb', version: '1' } } }
      : { jsonrpc: '2.0', id, method: 'ping' };
    const p = await fetch(`${lb}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(msg) });
    assert.equal(p.status, 202, `message ${id}`);
    if (id === 1) await fetch(`${lb}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    const ev = await nextEvent();
    const data = JSON.parse(ev.split('\n').find((l) => l.startsWith('data:')).slice(5));
    assert.equal(data.id, id, ev);
  }
  ac.abort();
});

test('a replica killed in the middle of a load of confirmed changes loses none and doubles none', async () => {
  const WORKERS = 6, LOAD_MS = 6000, KILL_AT_MS = 2000;
  const confirmed = new Map(); // name -> { executed: bool, tries }
  const problems = [];
  const t0 = Date.now();
  let killed = false;
  // Retry a call on transport errors and 5xx answers, as a client would: the same arguments
  // (and token), so a retried execution is the same change.
  async function retried(c, name, args) {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await c.request('tools/call', { name, arguments: args });
        if (!r.error) return { sc: r.result.structuredContent, attempt };
        if (!(r.error.http >= 500) || attempt >= 6) throw new Error(JSON.stringify(r.error));
      } catch (err) {
        if (attempt >= 6) throw err;
      }
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
  async function worker(w) {
    const c = clientAt(lb, `load-${w}`);
    await c.initialize();
    for (let i = 0; Date.now() - t0 < LOAD_MS; i++) {
      const name = `load-w${w}-${i}`;
      const args = { SecurityGroupName: name, VpcId: 'vpc-bp1demo0000000000000', Description: 'load test' };
      const plan = await retried(c, 'ecs_create_security_group', args);
      if (plan.sc.status !== 'planned') { problems.push(`${name} plan: ${JSON.stringify(plan.sc)}`); continue; }
      confirmed.set(name, { executed: false, tries: 0 });
      const done = await retried(c, 'ecs_create_security_group', { ...args, confirmation_token: plan.sc.confirmation_token });
      confirmed.get(name).tries = done.attempt;
      if (done.sc.status === 'executed') confirmed.get(name).executed = true;
      else problems.push(`${name} execute: ${JSON.stringify(done.sc)}`);
    }
  }
  const killer = new Promise((resolve) => setTimeout(() => {
    replicas.r2.proc.kill('SIGKILL');
    killed = true;
    resolve();
  }, KILL_AT_MS));
  await Promise.all([...Array.from({ length: WORKERS }, (_, w) => worker(w)), killer]);
  assert.ok(killed);
  assert.deepEqual(problems, []);

  // What the simulator holds: every confirmed name exactly once, nothing else.
  const c = clientAt(replicas.r1.base, 'count');
  await c.initialize();
  const names = [];
  let token;
  do {
    const r = await c.tool('ecs_describe_security_groups', { MaxResults: 100, ...(token ? { NextToken: token } : {}) });
    assert.equal(r.status, 'ok', JSON.stringify(r));
    names.push(...r.result.SecurityGroups.SecurityGroup.map((g) => g.SecurityGroupName).filter((n) => n.startsWith('load-')));
    token = r.result.NextToken;
  } while (token);
  const counts = new Map();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  const doubled = [...counts].filter(([, k]) => k > 1);
  const lost = [...confirmed.keys()].filter((n) => !counts.has(n));
  const extra = names.filter((n) => !confirmed.has(n));
  const retriedN = [...confirmed.values()].filter((v) => v.tries > 1).length;
  // What the kill hit: changes r2 recorded as executing but never as answered, and the
  // requests nginx had to take elsewhere.
  const r2 = new Map();
  for (const line of readFileSync(audit('r2'), 'utf8').split('\n')) {
    try {
      const a = JSON.parse(line);
      if (a.tool === 'ecs_create_security_group') r2.set(a.arguments.SecurityGroupName, a.decision);
    } catch { /* the torn last record */ }
  }
  const cut = [...r2].filter(([, d]) => d === 'executing').map(([n]) => n);
  const upstreamErrors = (readFileSync(join(dir, 'error.log'), 'utf8').match(/\[error\].*upstream/g) || []).length;
  console.log(`# load: ${confirmed.size} confirmed changes by ${WORKERS} sessions in ${LOAD_MS} ms, ` +
              `replica r2 killed at ${KILL_AT_MS} ms with ${cut.length} executions in flight ` +
              `(${cut.join(', ') || 'none'}); nginx logged ${upstreamErrors} upstream errors and ` +
              `passed the requests on; ${retriedN} executions retried by the client; ` +
              `${names.length} groups in the simulator`);
  assert.ok(upstreamErrors >= 1, 'the kill reached traffic');
  for (const n of cut) assert.equal(counts.get(n), 1, `${n}, cut off on r2, exists exactly once`);
  assert.ok(confirmed.size >= 20, `enough load: ${confirmed.size}`);
  assert.deepEqual(lost, [], 'no confirmed change lost');
  assert.deepEqual(doubled, [], 'no change made twice');
  assert.deepEqual(extra, [], 'no change nobody confirmed');
  assert.ok([...confirmed.values()].every((v) => v.executed));
  // The survivors did the work after the kill, under their own names.
  for (const id of ['r1', 'r3'])
    assert.ok(auditOf(id).some((a) => a.tool === 'ecs_create_security_group' && a.decision === 'executed'), id);
  await c.close();

  // The killed replica's log is whole once it is opened again (a torn last record is cut).
  const back = await startServe(bin, replicaArgs('r2'), { env });
  await back.stop();
  const lines = readFileSync(audit('r2'), 'utf8').split('\n');
  assert.equal(lines.pop(), '', 'the log ends with a newline');
  for (const l of lines) assert.equal(JSON.parse(l).replica, 'r2');
});
