/**
 * A stand-in for PyPI on loopback: a PEP 691/503 index serving fixture distributions,
 * with switches for the ways a real upstream fails (down, slow, garbage, wrong bytes).
 * Tests never reach the internet.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { unzipSync } from 'fflate';

export interface FakeFile {
  readonly filename: string;
  readonly bytes: Uint8Array;
  readonly requiresPython?: string;
  readonly yanked?: string | true;
  /** Core metadata served at `{url}.metadata` (taken from a wheel's METADATA when omitted). */
  readonly metadata?: Uint8Array;
}

export type FakeBehaviour = 'ok' | 'error' | 'hang' | 'garbage' | 'reset';

export interface FakeUpstream {
  readonly url: string;
  /** The simple index URL: `{url}/simple/`. */
  readonly indexUrl: string;
  /** Every request: `METHOD path`. */
  readonly requests: string[];
  /** `json` (PEP 691, the default), `html` (PEP 503 only) or `negotiate` by Accept. */
  format: 'json' | 'html' | 'negotiate';
  /** How pages answer. */
  pages: FakeBehaviour;
  /** How files answer. */
  files: FakeBehaviour;
  /** Filenames served with other bytes than their listed sha256 says. */
  readonly tampered: Set<string>;
  /** Milliseconds each file response waits before its body. */
  fileDelayMs: number;
  add(project: string, files: readonly FakeFile[]): void;
  remove(project: string): void;
  close(): Promise<void>;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function wheelMetadata(file: FakeFile): Uint8Array | undefined {
  if (file.metadata) return file.metadata;
  if (!file.filename.endsWith('.whl')) return undefined;
  const entries = unzipSync(file.bytes, { filter: (f) => /^[^/]+\.dist-info\/METADATA$/.test(f.name) });
  return Object.values(entries)[0];
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const projects = new Map<string, FakeFile[]>();
  const sockets = new Set<import('node:net').Socket>();
  const state = {
    format: 'json' as FakeUpstream['format'],
    pages: 'ok' as FakeBehaviour,
    files: 'ok' as FakeBehaviour,
    fileDelayMs: 0,
  };
  const tampered = new Set<string>();
  const requests: string[] = [];

  function misbehave(behaviour: FakeBehaviour, res: ServerResponse): boolean {
    if (behaviour === 'error') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream is down for maintenance');
      return true;
    }
    if (behaviour === 'hang') return true; // never answers
    if (behaviour === 'reset') {
      res.socket?.destroy();
      return true;
    }
    return false;
  }

  function page(req: IncomingMessage, res: ServerResponse, name: string): void {
    if (misbehave(state.pages, res)) return;
    if (state.pages === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' }).end('{"files": [ not json');
      return;
    }
    const files = projects.get(name);
    if (!files) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    const json =
      state.format === 'json' ||
      (state.format === 'negotiate' && (req.headers.accept ?? '').includes('application/vnd.pypi.simple.v1+json'));
    if (json) {
      const versions = [...new Set(files.map((f) => f.filename.split('-')[1]!))];
      const body = JSON.stringify({
        meta: { 'api-version': '1.1' },
        name,
        versions,
        files: files.map((f) => {
          const meta = wheelMetadata(f);
          return {
            filename: f.filename,
            url: `../../files/${name}/${encodeURIComponent(f.filename)}`,
            hashes: { sha256: sha256(f.bytes) },
            ...(f.requiresPython ? { 'requires-python': f.requiresPython } : {}),
            ...(meta ? { 'core-metadata': { sha256: sha256(meta) } } : {}),
            yanked: f.yanked ?? false,
            size: f.bytes.byteLength,
            'upload-time': '2026-01-02T03:04:05.000000Z',
          };
        }),
      });
      res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' }).end(body);
      return;
    }
    const links = files
      .map((f) => {
        const meta = wheelMetadata(f);
        const attrs = [
          f.requiresPython ? ` data-requires-python="${f.requiresPython.replace(/</g, '&lt;').replace(/>/g, '&gt;')}"` : '',
          meta ? ` data-dist-info-metadata="sha256=${sha256(meta)}"` : '',
          f.yanked ? ` data-yanked="${f.yanked === true ? '' : f.yanked}"` : '',
        ].join('');
        return `<a href="/files/${name}/${encodeURIComponent(f.filename)}#sha256=${sha256(f.bytes)}"${attrs}>${f.filename}</a><br/>`;
      })
      .join('\n');
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!DOCTYPE html><html><body><h1>Links for ${name}</h1>\n${links}\n</body></html>`);
  }

  function file(res: ServerResponse, name: string, filename: string): void {
    if (misbehave(state.files, res)) return;
    const isMeta = filename.endsWith('.metadata');
    const f = projects.get(name)?.find((x) => x.filename === (isMeta ? filename.slice(0, -9) : filename));
    const body = f && (isMeta ? wheelMetadata(f) : f.bytes);
    if (!f || !body) {
      res.writeHead(404).end('Not Found');
      return;
    }
    const bytes = !isMeta && tampered.has(f.filename) ? Buffer.concat([Buffer.from(body), Buffer.from('tampered')]) : body;
    setTimeout(() => {
      if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.byteLength }).end(bytes);
    }, state.fileDelayMs);
  }

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push(`${req.method} ${path}`);
    const simple = /^\/simple\/([^/]+)\/$/.exec(path);
    if (simple) return page(req, res, decodeURIComponent(simple[1]!));
    const files = /^\/files\/([^/]+)\/([^/]+)$/.exec(path);
    if (files) return file(res, decodeURIComponent(files[1]!), decodeURIComponent(files[2]!));
    res.writeHead(404).end('Not Found');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    indexUrl: `${url}/simple/`,
    requests,
    tampered,
    get format() {
      return state.format;
    },
    set format(v) {
      state.format = v;
    },
    get pages() {
      return state.pages;
    },
    set pages(v) {
      state.pages = v;
    },
    get files() {
      return state.files;
    },
    set files(v) {
      state.files = v;
    },
    get fileDelayMs() {
      return state.fileDelayMs;
    },
    set fileDelayMs(v) {
      state.fileDelayMs = v;
    },
    add(project, files) {
      projects.set(project, [...files]);
    },
    remove(project) {
      projects.delete(project);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A minimal valid wheel (fflate-built), for names pip should never install. */
export async function syntheticWheel(name: string, version: string, payload = 'x = 1\n'): Promise<FakeFile> {
  const { zipSync, strToU8 } = await import('fflate');
  const dist = `${name.replace(/-/g, '_')}-${version}`;
  const metadata = strToU8(`Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`);
  const files: Record<string, Uint8Array> = {
    [`${name.replace(/-/g, '_')}/__init__.py`]: strToU8(payload),
    [`${dist}.dist-info/METADATA`]: metadata,
    [`${dist}.dist-info/WHEEL`]: strToU8('Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n'),
  };
  const record = Object.keys(files)
    .map((p) => `${p},sha256=${Buffer.from(createHash('sha256').update(files[p]!).digest()).toString('base64url')},${files[p]!.byteLength}`)
    .concat(`${dist}.dist-info/RECORD,,`)
    .join('\n');
  files[`${dist}.dist-info/RECORD`] = strToU8(record + '\n');
  return { filename: `${dist}-py3-none-any.whl`, bytes: zipSync(files), metadata };
}
