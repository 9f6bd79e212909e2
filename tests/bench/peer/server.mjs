// server.mjs - the peer for scripts/bench-compare.sh: what a team would build instead of skilld
// with the usual parts. The official MCP SDK (@modelcontextprotocol/sdk, Streamable HTTP,
// sessions, JSON answers) and MiniSearch (BM25+ ranking) over the same knowledge text
// (knowledge/ecs: one document per skill path — titles, cues, steps, facts, limitations, in
// English and Chinese, CJK split into bigrams as skilld does). It answers POST /api/route
// {"query"} with the best path and a Markdown answer built from it, and MCP tools/call route
// with the same as structuredContent. No entities, limits, warnings, tools or guardrails: a
// search engine, not a router. Usage: node server.mjs KNOWLEDGE_DIR [PORT=0]
// Logs "listening on http://127.0.0.1:PORT" on stderr.
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import MiniSearch from 'minisearch';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

const [kdir, portArg] = process.argv.slice(2);
const MAX_BODY = 1 << 20;

// ---- The index --------------------------------------------------------------------------------
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
function tokenize(text) {
  const out = [];
  for (const run of text.toLowerCase().match(/[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9][a-z0-9._/-]*/g) ?? []) {
    if (CJK.test(run[0])) {
      if (run.length === 1) out.push(run);
      for (let i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
    } else {
      out.push(run);
    }
  }
  return out;
}

const docs = [];
for (const f of readdirSync(kdir).filter((n) => n.endsWith('.json') && !n.startsWith('_')).sort()) {
  const s = JSON.parse(readFileSync(join(kdir, f), 'utf8'));
  for (const p of s.paths ?? []) {
    const join2 = (...xs) => xs.flat().filter(Boolean).join('\n');
    docs.push({
      id: `${s.id}/${p.id}`, skill: s.id, skillTitle: s.title, path: p.id, pathTitle: p.title,
      skillTitleZh: s.title_zh, pathTitleZh: p.title_zh,
      steps: p.steps ?? [], facts: p.facts ?? [], limitations: p.limitations ?? [],
      stepsZh: p.steps_zh ?? [], factsZh: p.facts_zh ?? [], limitationsZh: p.limitations_zh ?? [],
      title: join2(s.title, s.title_zh, p.title, p.title_zh),
      cues: join2(p.cues, s.keywords, s.use_when),
      body: join2(s.summary, s.summary_zh, p.best_for, p.best_for_zh, p.steps, p.steps_zh, p.facts,
                  p.facts_zh, p.limitations, p.limitations_zh),
    });
  }
}
const index = new MiniSearch({
  fields: ['title', 'cues', 'body'],
  storeFields: ['skill', 'path'],
  tokenize,
  searchOptions: { boost: { title: 2, cues: 3 }, tokenize, combineWith: 'OR' },
});
index.addAll(docs);
const byId = new Map(docs.map((d) => [d.id, d]));

function route(query) {
  const hits = index.search(query);
  const zh = CJK.test(query);
  const top = hits[0];
  if (!top || top.score < 1) {
    return { product: 'ecs', skill: null, path: null, confidence: 0, facts: [], alternatives: [],
             answer: 'This question does not match the ECS knowledge.' };
  }
  const d = byId.get(top.id);
  const pick = (en, cn) => (zh && cn.length ? cn : en);
  const list = (title, xs, numbered) => xs.length
    ? `### ${title}\n${xs.map((x, i) => `${numbered ? `${i + 1}.` : '-'} ${x}`).join('\n')}\n\n` : '';
  const answer = `## ${zh && d.skillTitleZh ? d.skillTitleZh : d.skillTitle} — ${zh && d.pathTitleZh ? d.pathTitleZh : d.pathTitle}\n\n` +
    list(zh ? '步骤' : 'Steps', pick(d.steps, d.stepsZh), true) +
    list(zh ? '要点' : 'Key facts', pick(d.facts, d.factsZh), false) +
    list(zh ? '限制' : 'Limitations', pick(d.limitations, d.limitationsZh), false);
  const total = hits.slice(0, 5).reduce((a, h) => a + h.score, 0);
  return {
    product: 'ecs',
    skill: { id: d.skill, title: d.skillTitle, url: `/skills/ecs/${d.skill}` },
    path: { id: d.path, title: d.pathTitle },
    confidence: Math.round((top.score / total) * 100) / 100,
    answer,
    facts: pick(d.facts, d.factsZh),
    alternatives: hits.slice(1, 4).map((h) => ({ skill: h.skill, path: h.path, score: Math.round(h.score * 100) / 100 })),
  };
}

// ---- MCP ----------------------------------------------------------------------------------------
function mcpServer() {
  const s = new McpServer({ name: 'bench-peer', version: '0.0.1' });
  s.registerTool('route', {
    title: 'Route an ECS question',
    description: 'Find the ECS skill and path for a question (BM25 over the knowledge text)',
    inputSchema: { query: z.string().min(1).max(4096) },
    annotations: { readOnlyHint: true, idempotentHint: true },
  }, async ({ query }) => {
    const r = route(query);
    return { content: [{ type: 'text', text: r.answer }], structuredContent: r };
  });
  return s;
}
const transports = new Map();

async function handleMcp(req, res, body) {
  const sid = req.headers['mcp-session-id'];
  let t = sid ? transports.get(sid) : undefined;
  if (!t) {
    if (sid || req.method !== 'POST' || !isInitializeRequest(body)) {
      res.writeHead(sid ? 404 : 400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'no valid session' }, id: null }));
      return;
    }
    t = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (id) => transports.set(id, t),
    });
    t.onclose = () => { if (t.sessionId) transports.delete(t.sessionId); };
    await mcpServer().connect(t);
  }
  await t.handleRequest(req, res, body);
}

// ---- HTTP ---------------------------------------------------------------------------------------
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let n = 0;
    req.on('data', (c) => {
      n += c.length;
      if (n > MAX_BODY) { reject(new Error('too big')); req.destroy(); } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://x');
    const text = req.method === 'POST' ? await readBody(req) : '';
    let body;
    try { body = text ? JSON.parse(text) : undefined; } catch { body = undefined; }
    if (url.pathname === '/mcp') return await handleMcp(req, res, body);
    if (url.pathname === '/api/route' && req.method === 'POST') {
      if (!body || typeof body.query !== 'string' || !body.query.trim()) {
        res.writeHead(400, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { code: 'invalid_request', message: "missing field 'query'" } }));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(route(body.query)));
    }
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"status":"ok"}');
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"code":"not_found"}}');
  } catch (err) {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'internal', message: String(err.message) } }));
  }
});
server.keepAliveTimeout = 60000;
server.listen(Number(portArg ?? 0), '127.0.0.1', () => {
  console.error(`listening on http://127.0.0.1:${server.address().port} (${docs.length} documents)`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 500));
