/**
 * CloudWatch embedded metric format records, as a function writes them to stdout: captured
 * while a handler runs and read back as CloudWatch reads them (for the metrics unit tests
 * and the deployed-bundles test).
 */
import assert from 'node:assert/strict';

/** One EMF record as CloudWatch reads it: its dimensions (name to value) and metric values. */
export interface Emf {
  readonly dimensions: Record<string, string>;
  readonly metrics: Record<string, { unit: string; value: number }>;
}

/** Runs `act`, returning the EMF records it wrote to stdout (in a stable order) and what it returned. */
export async function emfOf<T>(act: () => Promise<T>): Promise<{ records: Emf[]; result: T }> {
  const lines: string[] = [];
  const write = process.stdout.write;
  // Only EMF records: the test runner reports through stdout too, in its own frames.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (!text.startsWith('{"_aws"')) return (write as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    lines.push(...text.split('\n').filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  let result: T;
  try {
    result = await act();
  } finally {
    process.stdout.write = write;
  }
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>).map((raw): Emf => {
    const aws = raw['_aws'] as { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
    assert.equal(typeof aws.Timestamp, 'number');
    assert.equal(aws.CloudWatchMetrics.length, 1);
    const [directive] = aws.CloudWatchMetrics;
    assert.equal(directive!.Namespace, 'Wharf');
    assert.equal(directive!.Dimensions.length, 1, 'one dimension set per record: each set is a custom metric');
    const dimensions = Object.fromEntries(directive!.Dimensions[0]!.map((d) => [d, raw[d] as string]));
    const metrics = Object.fromEntries(directive!.Metrics.map((m) => [m.Name, { unit: m.Unit, value: raw[m.Name] as number }]));
    return { dimensions, metrics };
  });
  return { records: sorted(records), result: result! };
}


/** Records in the order emfOf returns them. */
export const sorted = (records: Emf[]): Emf[] => [...records].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
