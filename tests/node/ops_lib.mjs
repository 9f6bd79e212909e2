// ops_lib.mjs - helpers for the operations tests (secrets, replicas behind nginx, soak): an
// external simulator process, MCP over Streamable HTTP by hand with every raw answer kept
// (so a test can read exactly what went over the wire), and a process's memory and descriptors.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

// Start `skilld sim --listen 127.0.0.1:0 ...args` and resolve once it prints its address.
// Returns { base, port, proc, output(), stop(signal) }; output() is stdout and stderr so far.
export function startSim(bin, args = [], { env } = {}) {
  const proc = spawn(bin, ['sim', '--listen', '127.0.0.1:0', ...args],
                     { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  let text = '';
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      text += chunk;
      const m = text.match(/listening on (http:\/\/127\.0\.0\.1:(\d+))/);
      if (m) {
        resolve({ base: m[1], port: Number(m[2]), proc, exited, output: () => text,
                  stop: (sig = 'SIGTERM') => { proc.kill(sig); return exited; } });
      }
    };
    proc.stdout.setEncoding('utf8').on('data', onData);
    proc.stderr.setEncoding('utf8').on('data', onData);
    exited.then((st) => reject(new Error(`simulator exited ${JSON.stringify(st)}:\n${text}`)));
  });
}

// Every raw HTTP exchange a test made: { method, url, status, headers, body } (answers only;
// requests are the test's own).
export class Transcript {
  constructor() { this.entries = []; }
  add(e) { this.entries.push(e); }
  text() {
    return this.entries.map((e) => `${e.method} ${e.url} -> ${e.status}\n` +
      Object.entries(e.headers).map(([k, v]) => `${k}: ${v}`).join('\n') + `\n\n${e.body}\n`).join('\n');
  }
}

// One HTTP request through fetch, recorded. Returns { status, headers, body (text) }.
export async function http(transcript, method, url, { headers = {}, body } = {}) {
  const r = await fetch(url, { method, headers, body });
  const text = await r.text();
  const h = Object.fromEntries(r.headers.entries());
  transcript?.add({ method, url, status: r.status, headers: h, body: text });
  return { status: r.status, headers: h, body: text };
}

// The JSON-RPC message answering `id` in a JSON or SSE body, or undefined.
export function rpcAnswer(body, id) {
  const msgs = [];
  const t = body.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    const j = JSON.parse(t);
    msgs.push(...(Array.isArray(j) ? j : [j]));
  } else {
    for (const line of body.split('\n'))
      if (line.startsWith('data:')) {
        try { msgs.push(JSON.parse(line.slice(5))); } catch { /* a partial line */ }
      }
  }
  return msgs.find((m) => m.id === id && ('result' in m || 'error' in m));
}

// An MCP client over Streamable HTTP by hand: initialize, then requests with the session id.
// base is the server's http://HOST:PORT; every exchange lands in transcript.
export class RawMcp {
  constructor(base, transcript, { name = 'ops-test' } = {}) {
    this.url = `${base}/mcp`;
    this.transcript = transcript;
    this.name = name;
    this.session = undefined;
    this.nextId = 1;
  }

  headers() {
    const h = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (this.session) {
      h['mcp-session-id'] = this.session;
      h['mcp-protocol-version'] = '2025-11-25';
    }
    return h;
  }

  async initialize() {
    const r = await this.request('initialize', {
      protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: this.name, version: '1.0.0' } });
    await this.notify('notifications/initialized');
    return r;
  }

  async notify(method, params) {
    const r = await http(this.transcript, 'POST', this.url, { headers: this.headers(),
      body: JSON.stringify({ jsonrpc: '2.0', method, ...(params ? { params } : {}) }) });
    if (r.status !== 202) throw new Error(`${method}: HTTP ${r.status} ${r.body}`);
  }

  // A request; resolves with { result } or { error } and the HTTP status.
  async request(method, params) {
    const id = this.nextId++;
    const r = await http(this.transcript, 'POST', this.url, { headers: this.headers(),
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }) });
    if (r.headers['mcp-session-id']) this.session = r.headers['mcp-session-id'];
    if (r.status !== 200) return { status: r.status, error: { http: r.status, body: r.body } };
    const m = rpcAnswer(r.body, id);
    if (!m) throw new Error(`${method}: no answer for id ${id} in ${r.body.slice(0, 500)}`);
    return { status: r.status, ...m };
  }

  // tools/call; resolves with the structuredContent (or throws on a protocol error).
  async tool(name, args) {
    const r = await this.request('tools/call', { name, arguments: args });
    if (r.error) throw new Error(`${name}: ${JSON.stringify(r.error)}`);
    return r.result.structuredContent ?? r.result;
  }

  async close() {
    if (!this.session) return;
    await http(this.transcript, 'DELETE', this.url, { headers: this.headers() });
  }
}

// Resident memory (kB) and open descriptors of a process, from /proc.
export function procStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((status.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm')) || [])[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), fds: readdirSync(`/proc/${pid}/fd`).length,
           threads: kb('Threads') };
}

// Start `skilld serve ...args` with stdout and stderr both kept, and resolve once it logs
// "listening on http://HOST:PORT". Returns { base, url, proc, pid, stderr(), stdout(),
// waitFor(re), exited, stop(signal) }.
export function startServe(bin, args, { env } = {}) {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  let err = '', out = '';
  const waiters = [];
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  proc.stdout.setEncoding('utf8').on('data', (c) => { out += c; });
  proc.stderr.setEncoding('utf8').on('data', (c) => {
    err += c;
    for (const w of [...waiters]) {
      const m = err.match(w.re);
      if (m) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
    }
  });
  const waitFor = (re) => new Promise((resolve, reject) => {
    const m = err.match(re);
    if (m) return resolve(m);
    waiters.push({ re, resolve });
    exited.then((st) => reject(new Error(`skilld exited (${JSON.stringify(st)}) before logging ${re}:\n${err}`)));
  });
  return waitFor(/(?:^|\s)listening on (http:\/\/[^\s]+)/m).then((m) => ({
    base: m[1], url: `${m[1]}/mcp`, proc, pid: proc.pid, stderr: () => err, stdout: () => out,
    waitFor, exited, stop: (sig = 'SIGTERM') => { proc.kill(sig); return exited; },
  }));
}
