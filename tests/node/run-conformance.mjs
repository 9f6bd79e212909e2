// run-conformance.mjs - run the official MCP conformance suite against a freshly started
// server. Usage: node run-conformance.mjs skilld|fixture BINARY [BASELINE] [--suite SUITE]
//   legacy (default)  @modelcontextprotocol/conformance 0.1.16, --suite all: the 2025 versions
//                     (initialize, sessions) exactly as before the 2026-07-28 era existed
//   2026              0.2.0-alpha.12, --requirements 2026-07-28: the stateless era, run at its
//                     own wire (per-request _meta, no initialize)
//   skills            0.2.0-alpha.12, the io.modelcontextprotocol/skills scenarios (sep-2640-*),
//                     each on the legacy wire and forced onto the 2026-07-28 wire
// With a baseline (YAML, {server: [scenario, ...]}) the listed scenarios may fail and every
// other one must pass; the suite itself fails on a stale entry. The server must then stop
// with exit status 0 on SIGTERM.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverArgs, startServer } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const suiteAt = argv.indexOf('--suite');
const suite = suiteAt >= 0 ? argv.splice(suiteAt, 2)[1] : 'legacy';
const [kind, bin, baseline] = argv;
const CLI = {
  legacy: join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js'),
  modern: join(here, 'node_modules/conformance-0.2/dist/index.js'),
};
const SKILL_SCENARIOS = ['sep-2640-skills-enumeration', 'sep-2640-skills-manifest',
  'sep-2640-skills-directory'];

// One run of a suite CLI; resolves with its exit code.
function runSuite(cli, args) {
  const child = spawn(process.execPath, [cli, 'server', '--url', server.url, ...args],
    { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
}

const withBaseline = (args) =>
  baseline && existsSync(baseline) ? [...args, '--expected-failures', baseline] : args;

const [cmd, args] = serverArgs(kind, bin);
const server = await startServer(cmd, args);
let code = 0;
if (suite === 'legacy') {
  code = await runSuite(CLI.legacy, withBaseline(['--suite', 'all']));
} else if (suite === '2026') {
  code = await runSuite(CLI.modern, withBaseline(['--requirements', '2026-07-28']));
} else if (suite === 'skills') {
  for (const scenario of SKILL_SCENARIOS) {
    for (const wire of [[], ['--spec-version', '2026-07-28', '--force']]) {
      const c = await runSuite(CLI.modern, ['--scenario', scenario, ...wire]);
      if (c !== 0) code = c;
    }
  }
} else {
  console.error(`unknown --suite ${suite} (legacy, 2026, skills)`);
  code = 2;
}
const st = await server.stop();
if (st.code !== 0) {
  console.error(`server exit status ${JSON.stringify(st)}; its log:\n${server.stderr()}`);
  process.exit(1);
}
console.log(code === 0 ? `conformance ${suite} (${kind}): pass`
  : `conformance ${suite} (${kind}): FAIL (exit ${code})`);
process.exit(code);
