/**
 * The load of `npm run bench -- soak`, in a child process of its own, so the soak
 * process's RSS and heap are the server's alone. It gets its plan over IPC, runs a few
 * request loops against loopback until the plan's deadline or request count, whichever
 * comes first, and reports its counts every second.
 *
 * The mix is what a busy index sees: pip's JSON pages, HTML pages (poetry), the root
 * listing, download redirects (some followed to S3), `.metadata` files, and now and then
 * a twine-shaped legacy upload of a new version, so pages change under the readers.
 */
import { twineWheelForm } from '../test/support/twine-form.ts';

export interface SoakPlan {
  readonly type: 'plan';
  readonly url: string;
  readonly token: string;
  /** Projects seeded with several files each; their pages are read and their files fetched. */
  readonly projects: readonly string[];
  /** Projects that uploads add versions to (also read). */
  readonly uploadProjects: readonly string[];
  readonly deadline: number;
  readonly maxRequests: number;
  readonly concurrency: number;
}

export interface SoakStats {
  readonly type: 'stats' | 'done';
  readonly requests: number;
  readonly errors: number;
  readonly uploads: number;
  readonly lastError?: string;
}

const PIP_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';
/** Files a driver remembers per project to fetch: enough to vary, bounded so the driver stays small. */
const FILES_PER_PROJECT = 20;
/**
 * Versions an upload project gets before uploads move on to a fresh one (`NAME-2`, ...).
 * Pages, and so the memory their rendering and keeping takes, then stay the size of a real
 * project's instead of growing with the soak's length: growth that remains is a leak.
 */
const VERSIONS_PER_PROJECT = 50;

interface PageFile {
  readonly url: string;
  readonly metadata: boolean;
}

let requests = 0;
let errors = 0;
let uploads = 0;
let lastError: string | undefined;

function report(type: SoakStats['type']): void {
  process.send?.({ type, requests, errors, uploads, ...(lastError ? { lastError } : {}) } satisfies SoakStats);
}

async function run(plan: SoakPlan): Promise<void> {
  const files = new Map<string, PageFile[]>();
  // Upload projects as readers see them: one moves on to its next generation once that
  // has its first file, so a reader never asks for a project that does not exist yet.
  const readable = [...plan.projects, ...plan.uploadProjects];
  const versions = new Map(plan.uploadProjects.map((p) => [p, 0]));
  let step = 0;

  const fail = (what: string) => {
    errors++;
    lastError = what;
  };
  /** One request; the answer's body is read whole, as a client would. */
  const ask = async (path: string, init: RequestInit, ok: (status: number) => boolean): Promise<Response | undefined> => {
    requests++;
    try {
      const answer = await fetch(new URL(path, plan.url), { ...init, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
      if (!ok(answer.status)) {
        fail(`${init.method ?? 'GET'} ${path}: ${answer.status} ${(await answer.text()).slice(0, 200)}`);
        return undefined;
      }
      return answer;
    } catch (err) {
      fail(`${init.method ?? 'GET'} ${path}: ${String(err)}`);
      return undefined;
    }
  };
  const is200 = (s: number) => s === 200;

  const readPage = async (project: string, json: boolean) => {
    const answer = await ask(`/simple/${project}/`, { headers: { accept: json ? PIP_ACCEPT : 'text/html' } }, is200);
    if (!answer) return;
    if (!json) return void (await answer.arrayBuffer());
    const page = (await answer.json()) as { files: { url: string; 'core-metadata'?: unknown }[] };
    files.set(
      project,
      page.files.slice(-FILES_PER_PROJECT).map((f) => ({ url: new URL(f.url, new URL(`/simple/${project}/`, plan.url)).href, metadata: Boolean(f['core-metadata']) })),
    );
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

  const download = async (metadata: boolean) => {
    const project = pick(readable);
    const known = files.get(project);
    if (!known || known.length === 0) return readPage(project, true);
    const file = pick(metadata ? known.filter((f) => f.metadata) : known);
    if (!file) return readPage(project, true);
    const url = metadata ? `${file.url.split('#')[0]}.metadata` : file.url.split('#')[0]!;
    let answer = await ask(url, {}, (s) => s === 200 || s === 302 || s === 303 || s === 307);
    // Follow every .metadata redirect and one download redirect in five to S3, as pip does.
    for (let hops = 0; answer && answer.status !== 200 && hops < 3 && (metadata || step % 5 === 0); hops++) {
      const location = answer.headers.get('location');
      await answer.arrayBuffer();
      if (!location) return fail(`${url}: redirect without a Location`);
      answer = await ask(new URL(location, url).href, {}, (s) => s === 200 || s === 302 || s === 307);
    }
    await answer?.arrayBuffer();
  };

  const upload = async () => {
    const base = pick(plan.uploadProjects);
    const n = (versions.get(base) ?? 0) + 1;
    versions.set(base, n);
    const generation = Math.floor(n / VERSIONS_PER_PROJECT);
    const project = generation === 0 ? base : `${base}-${generation + 1}`;
    const options = { name: project, version: `2.${n}` };
    const form = twineWheelForm(project, options.version);
    const basic = Buffer.from(`__token__:${plan.token}`).toString('base64');
    const answer = await ask('/legacy/', { method: 'POST', body: form, headers: { authorization: `Basic ${basic}` } }, is200);
    if (answer) {
      uploads++;
      await answer.arrayBuffer();
      const slot = plan.uploadProjects.indexOf(base) + plan.projects.length;
      if (readable[slot] !== project) {
        files.delete(readable[slot]!);
        readable[slot] = project;
      }
    }
  };

  const loop = async () => {
    while (Date.now() < plan.deadline && requests < plan.maxRequests) {
      const slot = step++ % 100;
      if (slot < 30) await readPage(pick(readable), true);
      else if (slot < 45) await readPage(pick(readable), false);
      else if (slot < 50) {
        const answer = await ask('/simple/', { headers: { accept: slot % 2 ? PIP_ACCEPT : 'text/html' } }, is200);
        await answer?.arrayBuffer();
      } else if (slot < 75) await download(false);
      else if (slot < 95) await download(true);
      else await upload();
    }
  };
  for (const project of readable) await readPage(project, true);
  await Promise.all(Array.from({ length: plan.concurrency }, loop));
}

const ticker = setInterval(() => report('stats'), 1000);
process.once('message', (plan: SoakPlan) => {
  run(plan)
    .catch((err: unknown) => {
      errors++;
      lastError = String(err);
    })
    .finally(() => {
      clearInterval(ticker);
      report('done');
      process.disconnect?.();
    });
});
