// skillctl_stub.mjs - a small stand-in for skilld that tests/node/skillctl.mjs drives skillctl
// against for what a real skilld does not do on demand: /api/route with "execute" and its
// `action` object, and MCP (Streamable HTTP) with ECS tools that plan, execute with a
// confirmation token, deny, fail, stream progress over SSE, run until they are cancelled (and
// record notifications/cancelled), answer with hostile text or oversized events, want a token. Answers are recorded data
// (skillctl_stub_data.json) in the shapes skills/skills.h and DESIGN.md describe; tokens are
// bound to the caller, the tool and the arguments the way skilld binds them, so a client that
// changed anything between plan and execution is denied.
//
// Usage: node skillctl_stub.mjs [--token BEARER]. Logs "listening on http://127.0.0.1:PORT" on
// stderr. GET /_stub/log answers what it received (for assertions); it needs no token.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const data = JSON.parse(readFileSync(new URL('./skillctl_stub_data.json', import.meta.url), 'utf8'));
const bearer = process.argv[2] === '--token' ? process.argv[3] : null;
const VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'];

const log = { requests: [], cancelled: [], deleted: [], problems: [], executed: [], responses: [] };
const sessions = new Map(); // id -> { version, initialized }
const issued = new Map(); // confirmation token -> what it is bound to; deleted once used
const running = new Map(); // `${session}/${id}` -> { cancelled }

// ---- The ECS envelope (skills/skills.h "sk_outcome") ----------------------------------------

const canonical = (v) => Array.isArray(v) ? `[${v.map(canonical).join(',')}]`
  : v && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`
    : JSON.stringify(v);
const binding = (caller, tool, args) => createHash('sha256').update(`${caller}\n${tool}\n${canonical(args)}`).digest('hex');
const actionOf = (tool) => tool.replace(/^ecs_/, '').split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
const cli = (action, args) => `aliyun ecs ${action} --RegionId cn-hangzhou ` +
  Object.entries(args).map(([k, v]) => `--${k} ${Array.isArray(v) ? JSON.stringify(v) : v}`).join(' ');
const withoutToken = (args) => Object.fromEntries(Object.entries(args).filter(([k]) => k !== 'confirmation_token'));
const toolDef = (name) => data.tools.find((t) => t.name === name);

// The outcome of one ECS call for `caller`: { env, isError }.
function ecsCall(caller, name, given) {
  const args = withoutToken(given);
  const base = { backend: 'stub', tool: name, action: actionOf(name), arguments: args };
  const def = toolDef(name);
  if (def.annotations.readOnlyHint) {
    const ids = args.InstanceIds ?? [];
    return { env: { status: 'ok', ...base, request_id: randomUUID(),
      result: { Instances: { Instance: data.instances.filter((i) => !ids.length || ids.includes(i.InstanceId)) } } } };
  }
  if (data.denied_instances.includes(args.InstanceId)) {
    return { isError: true, env: { status: 'denied', ...base, reasons: [
      { rule: 'policy.deny', message: `the policy denies ecs:${base.action} on ${args.InstanceId} by the rule "ecs:${base.action}"` }] } };
  }
  const bound = binding(caller, name, args);
  if (given.confirmation_token !== undefined) {
    if (issued.get(given.confirmation_token) !== bound) {
      return { isError: true, env: { status: 'denied', ...base, reasons: [{ rule: 'confirmation.invalid',
        message: 'the confirmation token does not match this caller, tool and arguments, or was used already' }] } };
    }
    issued.delete(given.confirmation_token);
    log.executed.push({ caller, tool: name, arguments: args });
    if (args.InstanceId === 'i-bp1gone0000000000000') {
      return { isError: true, env: { status: 'failed', ...base, error: { code: 'InvalidInstanceId.NotFound',
        message: 'The specified InstanceId does not exist.', request_id: 'REQ-FAILED-1' } } };
    }
    return { env: { status: 'executed', ...base, request_id: randomUUID(), result: { RequestId: 'stub', Done: true } } };
  }
  const token = `ct1.${randomUUID().replaceAll('-', '')}`;
  issued.set(token, bound);
  const destructive = def.annotations.destructiveHint;
  const findings = args.SourceCidrIp === '0.0.0.0/0'
    ? [{ rule: 'posture.world_open', severity: 'warn', message: `${args.PortRange} becomes reachable from any address (0.0.0.0/0)` }]
    : [];
  return { env: { status: 'planned', ...base,
    plan: { product: 'ecs', action: base.action, parameters: { RegionId: 'cn-hangzhou', ...args }, cli: cli(base.action, args),
      checks: [{ check: 'dry_run', result: 'passed' }], effect: destructive ? 'destructive' : 'write' },
    findings, confirmation_token: token, expires_at: new Date(Date.now() + 300000).toISOString().replace(/\.\d+Z$/, 'Z') } };
}

// ---- HTTP helpers -------------------------------------------------------------------------------

const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
};
const rpcError = (id, code, message) => ({ jsonrpc: '2.0', ...(id !== undefined ? { id } : {}), error: { code, message } });
const result = (id, r) => ({ jsonrpc: '2.0', id, result: r });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const readBody = (req) => new Promise((resolve) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
});
const problem = (what) => log.problems.push(what);

function toolResult(env, isError, text) {
  return { content: [{ type: 'text', text: text ?? `${env.status}: ${env.tool}` }], structuredContent: env, isError: !!isError };
}

// ---- MCP ----------------------------------------------------------------------------------------

async function mcpCall(req, res, sid, msg) {
  const { id } = msg;
  const name = msg.params?.name;
  const args = msg.params?.arguments ?? {};
  const progressToken = msg.params?._meta?.progressToken;
  const def = toolDef(name);
  if (!def) return json(res, 200, rpcError(id, -32602, `Unknown tool: ${name}`));
  const caller = `mcp:${sid}`;
  if (name === 'route' || name === 'get_skill') {
    const r = data.routes.find((x) => x.query === args.query);
    const route = r?.route ?? data.routes.find((x) => x.route.skill === null).route;
    return json(res, 200, result(id, { content: [{ type: 'text', text: route.answer }], structuredContent: route, isError: false }));
  }
  if (name === 'stub_escape') {
    return json(res, 200, result(id, { content: [{ type: 'text',
      text: 'clean\u001b[2J\u001b]0;pwned\u0007 text \u009b31m end' }], isError: false }));
  }
  // Everything else answers on an SSE stream: a priming event, then messages.
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  let seq = 0;
  const stream = `s${id}`;
  const send = (m) => res.write(`id: ${stream}-${++seq}\nevent: message\ndata: ${JSON.stringify(m)}\n\n`);
  res.write(`id: ${stream}-0\ndata:\n\n`);
  if (name === 'stub_big_event') {
    send(result(id, { content: [{ type: 'text', text: 'x'.repeat(5 * 1024 * 1024) }], isError: false }));
    return res.end();
  }
  const { env, isError } = ecsCall(caller, name, args);
  const key = `${sid}/${id}`;
  const run = { cancelled: false };
  running.set(key, run);
  if (name === 'ecs_run_command' && env.status === 'executed') {
    // A Cloud Assistant run: progress while it "runs"; "sleep" in the command makes it long.
    const steps = /sleep/.test(args.CommandContent ?? '') ? 300 : 3;
    // Server requests on the stream: the client answers them with a POST of its own.
    send({ jsonrpc: '2.0', id: `srv-ping-${id}`, method: 'ping' });
    send({ jsonrpc: '2.0', id: `srv-roots-${id}`, method: 'roots/list', params: {} });
    for (let i = 0; i < steps && !run.cancelled; i++) {
      if (progressToken !== undefined) {
        send({ jsonrpc: '2.0', method: 'notifications/progress',
          params: { progressToken, progress: i, total: steps, message: `instance 1 of 1: running (${i}/${steps})` } });
      }
      send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', logger: 'stub', data: `step ${i}` } });
      await sleep(200);
    }
    if (run.cancelled) { // the spec: no response to a cancelled request
      running.delete(key);
      return res.end();
    }
  }
  running.delete(key);
  send(result(id, toolResult(env, isError)));
  res.end();
}

async function mcp(req, res, body) {
  const sid = req.headers['mcp-session-id'];
  if (req.method === 'DELETE') {
    if (!sessions.has(sid)) return json(res, 404, rpcError(undefined, -32001, 'Session not found'));
    sessions.delete(sid);
    log.deleted.push(sid);
    return json(res, 200);
  }
  if (req.method !== 'POST') return json(res, 405, rpcError(undefined, -32000, 'Method Not Allowed'));
  const accept = req.headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) problem(`Accept was '${accept}'`);
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) problem('Content-Type was not JSON');
  let msg;
  try { msg = JSON.parse(body); } catch { return json(res, 400, rpcError(undefined, -32700, 'Parse error')); }
  if (msg.method === 'initialize') {
    const v = VERSIONS.includes(msg.params?.protocolVersion) ? msg.params.protocolVersion : VERSIONS[0];
    const id = randomUUID().replaceAll('-', '');
    sessions.set(id, { version: v, initialized: false });
    return json(res, 200, result(msg.id, { protocolVersion: v, capabilities: { tools: {} },
      serverInfo: { name: 'skillctl-stub', version: '0' } }), { 'Mcp-Session-Id': id });
  }
  const s = sessions.get(sid);
  if (!sid) return json(res, 400, rpcError(undefined, -32000, 'Bad Request: Mcp-Session-Id header is required'));
  if (!s) return json(res, 404, rpcError(undefined, -32001, 'Session not found'));
  if (req.headers['mcp-protocol-version'] !== s.version) problem(`MCP-Protocol-Version was '${req.headers['mcp-protocol-version']}'`);
  if (msg.method === 'notifications/initialized') { s.initialized = true; return json(res, 202); }
  if (msg.method === 'notifications/cancelled') {
    log.cancelled.push(msg.params);
    const run = running.get(`${sid}/${msg.params?.requestId}`);
    if (run) run.cancelled = true;
    return json(res, 202);
  }
  if (msg.method === undefined && msg.id !== undefined) { // a response to a server request
    log.responses.push(msg);
    return json(res, 202);
  }
  if (msg.id === undefined) return json(res, 202);
  if (!s.initialized) problem(`${msg.method} before notifications/initialized`);
  if (msg.method === 'tools/list') {
    // Two pages, to make the client follow nextCursor.
    const half = Math.ceil(data.tools.length / 2);
    const second = msg.params?.cursor === 'page2';
    return json(res, 200, result(msg.id, { tools: second ? data.tools.slice(half) : data.tools.slice(0, half),
      ...(second ? {} : { nextCursor: 'page2' }) }));
  }
  if (msg.method === 'tools/call') return mcpCall(req, res, sid, msg);
  return json(res, 200, rpcError(msg.id, -32601, `Method not found: ${msg.method}`));
}

// ---- /api/route ---------------------------------------------------------------------------------

async function apiRoute(req, res, body) {
  let q;
  try { q = JSON.parse(body); } catch { return json(res, 415, { error: { code: 'unsupported_media_type', message: 'body is not JSON' } }); }
  if (typeof q.query !== 'string' || !q.query) return json(res, 400, { error: { code: 'invalid_request', message: "field 'query' is empty" } });
  if (q.query === 'stub: slow') await sleep(8000);
  if (q.query === 'stub: huge answer') {
    return json(res, 200, { product: 'ecs', skill: null, path: null, confidence: 1, answer: 'y'.repeat(9 * 1024 * 1024) });
  }
  if (q.query === 'stub: escape') {
    return json(res, 200, { product: 'ecs', skill: { id: 'ecs-x\u001b[31m', title: 'T\u0007' }, path: null, confidence: 0.5,
      answer: '## Hi\u001b[2J\n\nbody\u001b]0;title\u0007 \u009b1m', warnings: [{ limit: 'l', message: 'w\u001b[5m' }] });
  }
  const r = data.routes.find((x) => x.query === q.query) ?? data.routes.find((x) => x.route.skill === null);
  const out = structuredClone(r.route);
  if (q.execute === true) {
    const a = r.action;
    if (!a) {
      out.action = null;
    } else if (a.missing) {
      out.action = { tool: a.tool, arguments: a.arguments, status: 'incomplete', missing: a.missing, backend: 'stub' };
    } else {
      const given = { ...a.arguments, ...(q.confirmation_token ? { confirmation_token: q.confirmation_token } : {}) };
      const { env } = ecsCall(`http:${req.socket.remoteAddress}`, a.tool, given);
      out.action = env;
    }
  }
  return json(res, 200, out);
}

// ---- Server -------------------------------------------------------------------------------------

const server = createServer(async (req, res) => {
  const body = await readBody(req);
  const url = new URL(req.url, 'http://stub');
  if (url.pathname === '/_stub/log') return json(res, 200, log);
  log.requests.push({ method: req.method, path: url.pathname, auth: req.headers.authorization === undefined ? 'none'
    : req.headers.authorization === `Bearer ${bearer}` ? 'right' : 'wrong', body: body.length < 65536 ? body : `(${body.length} bytes)` });
  if (bearer && req.headers.authorization !== `Bearer ${bearer}`) {
    return json(res, 401, { error: { code: 'unauthorized', message: 'a bearer token is required' } },
      { 'WWW-Authenticate': 'Bearer' });
  }
  if (url.pathname === '/mcp') return mcp(req, res, body);
  if (url.pathname === '/api/route' && req.method === 'POST') return apiRoute(req, res, body);
  return json(res, 404, { error: { code: 'not_found', message: `no ${req.method} ${url.pathname}` } });
});
server.listen(0, '127.0.0.1', () => {
  process.stderr.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
