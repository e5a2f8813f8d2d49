/**
 * How many pages a second the local server answers, beside what Node itself and nginx
 * answer with the same bytes from memory: wrk against a 77-file project page (as pip asks
 * for it) and the root listing, three interleaved rounds, ratios in one run. Also what a
 * page view costs in DynamoDB read units (ConsumedCapacity, as dynalite counts it), for
 * 10 and 10,000 files, the first view of a warm function and every one after.
 *
 * wrk and nginx come from apt; as root the bench installs them when they are missing,
 * otherwise it says how and leaves that part out.
 */
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { readUnits, readUnitsOnDynamoDbLocal } from './read-units.ts';
import { startLocalWharf, type LocalWharf } from '../lambdas/local/local-wharf.ts';
import { localWheelPublisher } from './local-server.ts';

const execFileAsync = promisify(execFile);
const PIP_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';
const ROUNDS = 3;
const SECONDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function has(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
}

/** wrk and nginx, from apt when we may install; the names of those still missing. */
function ensurePrograms(): string[] {
  const wanted = [
    ['wrk', 'wrk'],
    ['nginx', 'nginx-light'],
  ] as const;
  const missing = wanted.filter(([program]) => !has(program) && !existsSbin(program));
  if (missing.length > 0 && process.getuid?.() === 0 && has('apt-get')) {
    const packages = missing.map(([, apt]) => apt);
    console.log(`  (installing ${packages.join(', ')} from apt for this benchmark)`);
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  return wanted.filter(([program]) => !has(program) && !existsSbin(program)).map(([program, apt]) => `${program} (apt-get install ${apt})`);
}

function existsSbin(program: string): boolean {
  return spawnSync('sh', ['-c', `test -x /usr/sbin/${program}`]).status === 0;
}

/**
 * Requests a second wrk gets from `url` in SECONDS (2 threads, 16 connections). Run
 * asynchronously: the servers measured in this process must keep their event loop.
 */
async function wrk(url: string, headers: Record<string, string>): Promise<number> {
  const args = ['-t2', '-c16', `-d${SECONDS}s`, ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
  const { stdout: out } = await execFileAsync('wrk', args, { encoding: 'utf8' });
  const match = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (!match) throw new Error(`wrk printed no rate:\n${out}`);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} error answers from ${url}`);
  return Number(match[1]);
}

/** Serves exactly these bytes, with these headers, from memory: what Node itself allows. */
async function bareNode(body: Buffer, contentType: string): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': contentType, 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function startNginx(dir: string, files: Record<string, Buffer>): Promise<{ url: string; stop: () => void }> {
  const root = path.join(dir, 'www');
  execFileSync('mkdir', ['-p', root]);
  for (const [name, body] of Object.entries(files)) await writeFile(path.join(root, name), body);
  // nginx's workers run as another user: they must be able to read the bytes. chmod, not a
  // mode on write: the embedded stores run this process with umask 077.
  execFileSync('chmod', ['755', dir, root]);
  execFileSync('chmod', ['644', ...Object.keys(files).map((name) => path.join(root, name))]);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const conf = path.join(dir, 'nginx.conf');
  await writeFile(
    conf,
    `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http { access_log off; default_type application/octet-stream;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server { listen 127.0.0.1:${port}; root ${root}; } }
`,
  );
  const nginx = has('nginx') ? 'nginx' : '/usr/sbin/nginx';
  const child = spawn(nginx, ['-c', conf, '-p', dir], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    try {
      if ((await fetch(`${url}/page`)).ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, stop: () => child.kill('SIGTERM') };
}

/** `files` wheels of one project, and `projects` one-file projects, straight into the local stores. */
async function seed(wharf: LocalWharf, project: string, files: number, projects: number): Promise<void> {
  const publisher = localWheelPublisher(wharf);
  const put = publisher.put;
  for (let i = 0; i < files; i++) await put(project, `1.${i}`);
  for (let i = 0; i < projects; i += 25) {
    await Promise.all(Array.from({ length: Math.min(25, projects - i) }, (_, j) => put(`listed-${String(i + j).padStart(5, '0')}`, '1.0')));
  }
  publisher.close();
}

async function throughput(missing: string[]): Promise<void> {
  console.log('\nLocal server throughput (wrk -t2 -c16, %d s each, %d interleaved rounds, median req/s)', SECONDS, ROUNDS);
  if (missing.includes('wrk (apt-get install wrk)')) {
    console.log(`  left out: ${missing.join(', ')} not found; install them to measure throughput`);
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'wharf-throughput-'));
  const wharf = await startLocalWharf({ port: 0, logLevel: 'SILENT', upstream: { mode: 'none' } });
  const servers: Server[] = [];
  let nginx: { url: string; stop: () => void } | undefined;
  try {
    await seed(wharf, 'requests-like', 77, 1000);
    const targets = [
      { label: '77-file page (JSON, as pip asks)', path: '/simple/requests-like/', accept: PIP_ACCEPT, file: 'page' },
      { label: 'root listing, 1,001 projects (HTML)', path: '/simple/', accept: 'text/html', file: 'root' },
    ];
    const bytes: Record<string, Buffer> = {};
    const types: Record<string, string> = {};
    for (const t of targets) {
      const answer = await fetch(`${wharf.url}${t.path}`, { headers: { accept: t.accept } });
      if (answer.status !== 200) throw new Error(`${t.path}: ${answer.status}`);
      bytes[t.file] = Buffer.from(await answer.arrayBuffer());
      types[t.file] = answer.headers.get('content-type') ?? 'text/plain';
    }
    const bare: Record<string, string> = {};
    for (const t of targets) {
      const server = await bareNode(bytes[t.file]!, types[t.file]!);
      servers.push(server);
      bare[t.file] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    }
    if (!missing.some((m) => m.startsWith('nginx'))) nginx = await startNginx(dir, bytes);

    for (const t of targets) {
      const rates: Record<string, number[]> = { wharf: [], node: [], nginx: [] };
      for (let round = 0; round < ROUNDS; round++) {
        rates.wharf!.push(await wrk(`${wharf.url}${t.path}`, { accept: t.accept }));
        rates.node!.push(await wrk(bare[t.file]!, {}));
        if (nginx) rates.nginx!.push(await wrk(`${nginx.url}/${t.file}`, {}));
      }
      const w = median(rates.wharf!);
      const n = median(rates.node!);
      const line = [`  ${t.label.padEnd(38)} Wharf ${w.toFixed(0).padStart(6)}`, `bare Node ${n.toFixed(0).padStart(6)} (Wharf/Node ${(w / n).toFixed(2)})`];
      if (nginx) {
        const g = median(rates.nginx!);
        line.push(`nginx ${g.toFixed(0).padStart(6)} (Wharf/nginx ${(w / g).toFixed(3)})`);
      }
      console.log(line.join('   '));
    }
    if (!nginx) console.log(`  nginx left out: ${missing.join(', ')}`);
  } finally {
    nginx?.stop();
    for (const server of servers) server.close();
    await wharf.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function pageThroughput(): Promise<void> {
  const missing = ensurePrograms();
  await readUnits();
  readUnitsOnDynamoDbLocal();
  await throughput(missing);
}
