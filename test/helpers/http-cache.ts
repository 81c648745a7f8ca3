import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { stopAtEnd } from './stop-at-end.js';
import { requirePath } from './tools.js';

// A real HTTP cache server on 127.0.0.1 at a free port: Debian's nginx with
// its WebDAV module (GET, PUT, DELETE, MKCOL) and the dav-ext module's
// PROPFIND (sccache's webdav storage lists before it writes), storing under a temporary
// directory, stopped when the test file ends (or earlier, to make an
// outage). It serves what bazel-remote serves to ccache's `layout=bazel`
// (GET/PUT of /ac/<key>). One process (master_process off), so SIGSTOP
// makes a server that accepts connections and answers late.

export interface HttpCache {
  port: number;
  // The base URL of the store (no trailing slash).
  url: string;
  stop(): void;
  // SIGSTOP now; the returned function (or `ms` later) sends SIGCONT.
  pause(): () => void;
  // Files stored: what the caches put.
  storedCount(): number;
}

const nginx = () => requirePath('/usr/sbin/nginx', 'run `npm run provision` (Debian package nginx)');
const davExt = () => requirePath('/usr/lib/nginx/modules/ngx_http_dav_ext_module.so', 'run `npm run provision` (Debian package libnginx-mod-http-dav-ext)');

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', timeout: 2_000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

function countFiles(dir: string): number {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) n++;
  return n;
}

export async function startHttpCache(dir: string): Promise<HttpCache> {
  const port = await freePort();
  const root = join(dir, `nginx-${port}`);
  const data = join(root, 'data');
  mkdirSync(data, { recursive: true });
  const conf = join(root, 'nginx.conf');
  writeFileSync(
    conf,
    [
      `load_module ${davExt()};`,
      'daemon off;',
      'master_process off;',
      `pid ${join(root, 'nginx.pid')};`,
      `error_log ${join(root, 'error.log')};`,
      'events {}',
      'http {',
      `  access_log ${join(root, 'access.log')};`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(root, t)};`),
      '  server {',
      `    listen 127.0.0.1:${port};`,
      `    root ${data};`,
      '    location / { dav_methods PUT DELETE MKCOL; dav_ext_methods PROPFIND OPTIONS; create_full_put_path on; client_max_body_size 0; }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(nginx(), ['-p', root, '-c', conf, '-e', join(root, 'error.log')], { stdio: 'ignore' });
  child.unref();
  const stop = stopAtEnd(() => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
  });
  // Until it answers or has exited: no bound on elapsed time, which a busy machine could exceed.
  let gone = false;
  child.once('exit', () => (gone = true));
  while (!gone && !(await answers(port))) await new Promise((r) => setTimeout(r, 100));
  if (!(await answers(port))) throw new Error(`nginx did not answer on 127.0.0.1:${port} (see ${join(root, 'error.log')})`);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    stop,
    pause: () => {
      child.kill('SIGSTOP');
      return () => child.kill('SIGCONT');
    },
    storedCount: () => countFiles(data),
  };
}
