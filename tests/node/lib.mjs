// lib.mjs - helpers shared by the Node tests: start a skilld binary, find the port it logged,
// stop it and collect its exit status. The server's stderr is kept for assertions.
import { spawn } from 'node:child_process';

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
