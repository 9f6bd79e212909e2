// run-conformance.mjs - run the official MCP conformance suite (0.1.16, --suite all) against
// a freshly started server. Usage: node run-conformance.mjs skilld|fixture BINARY [BASELINE]
// With a baseline (YAML, {server: [scenario, ...]}) the listed scenarios may fail and every
// other one must pass; the suite itself fails on a stale entry. The server must then stop
// with exit status 0 on SIGTERM.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverArgs, startServer } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const [kind, bin, baseline] = process.argv.slice(2);
const [cmd, args] = serverArgs(kind, bin);
const server = await startServer(cmd, args);
const cli = join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const suiteArgs = [cli, 'server', '--url', server.url, '--suite', 'all'];
if (baseline && existsSync(baseline)) suiteArgs.push('--expected-failures', baseline);
const suite = spawn(process.execPath, suiteArgs, { stdio: 'inherit' });
const code = await new Promise((resolve) => suite.on('exit', (c) => resolve(c ?? 1)));
const st = await server.stop();
if (st.code !== 0) {
  console.error(`server exit status ${JSON.stringify(st)}; its log:\n${server.stderr()}`);
  process.exit(1);
}
console.log(code === 0 ? `conformance (${kind}): pass` : `conformance (${kind}): FAIL (exit ${code})`);
process.exit(code);
