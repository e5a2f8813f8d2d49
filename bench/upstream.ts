/**
 * What the upstream proxy adds: the time to get a project page straight from an upstream
 * (a fake PyPI on loopback) against the same page through a local Wharf in `proxy` mode,
 * fetched afresh every time (page TTL 0) and from Wharf's kept copy (TTL 10 minutes).
 * Both go through the local gateway, embedded S3 and the read function, as `npm start`
 * runs them; on AWS the kept copy is read from S3 or the warm function's memory.
 */
import { startLocalWharf } from '../lambdas/local/local-wharf.ts';
import { startFakeUpstream } from '../test/support/fake-upstream.ts';

const JSON_V1 = 'application/vnd.pypi.simple.v1+json';
const RUNS = 25;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeGet(url: string, accept: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS + 3; i++) {
    const started = performance.now();
    const res = await fetch(url, { headers: { accept } });
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    if (i >= 3) samples.push(performance.now() - started); // the first three warm up
  }
  return median(samples);
}

export async function upstreamLatency(): Promise<void> {
  console.log('\nUpstream proxy: a project page from the upstream directly vs through Wharf (proxy mode), median');
  const upstream = await startFakeUpstream();
  const fresh = await startLocalWharf({ port: 0, logLevel: 'SILENT', upstream: { mode: 'proxy', url: upstream.indexUrl, pageTtlSeconds: 0 } });
  const kept = await startLocalWharf({ port: 0, logLevel: 'SILENT', upstream: { mode: 'proxy', url: upstream.indexUrl, pageTtlSeconds: 600 } });
  try {
    for (const count of [50, 2000]) {
      const name = `bench-${count}`;
      upstream.add(
        name,
        Array.from({ length: count }, (_, i) => {
          const bytes = Buffer.from(`${name}-${i}`);
          return { filename: `${name.replace(/-/g, '_')}-1.${i}.tar.gz`, bytes, requiresPython: '>=3.8' };
        }),
      );
      for (const [format, accept] of [['JSON', JSON_V1], ['HTML', 'text/html']] as const) {
        const direct = await timeGet(`${upstream.indexUrl}${name}/`, accept);
        const uncached = await timeGet(`${fresh.indexUrl}${name}/`, accept);
        const cached = await timeGet(`${kept.indexUrl}${name}/`, accept);
        console.log(
          `  ${String(count).padStart(5)} files ${format.padEnd(4)}  upstream ${direct.toFixed(1)} ms;` +
            ` via Wharf uncached ${uncached.toFixed(1)} ms (+${(uncached - direct).toFixed(1)} ms),` +
            ` cached ${cached.toFixed(1)} ms (${cached < direct ? '' : '+'}${(cached - direct).toFixed(1)} ms vs upstream)`,
        );
      }
    }
  } finally {
    await fresh.close();
    await kept.close();
    await upstream.close();
  }
}
