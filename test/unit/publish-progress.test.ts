/**
 * What `wharf publish` draws and how it gets its token, without a server: the progress
 * line (bytes, rate, ETA), the bar redrawn on a terminal and the sparse lines in CI logs,
 * and the trusted-publishing token provider that mints again when a token is refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDuration as formatSeconds } from '../../lambdas/cli/import-progress.ts';
import { formatBytes, ProgressBar, renderProgressLine, wantsTrustedPublishing } from '../../lambdas/cli/publish-command.ts';
import { tokenAuth, trustedPublishingAuth } from '../../lambdas/cli/publish-client.ts';

const MB = 1000 * 1000;
const file = 'big_model-2.0-py3-none-any.whl';

describe('formatting', () => {
  test('ETAs round up to the second and carry into minutes and hours', () => {
    const cases: [number, string][] = [
      [0, '0s'],
      [0.2, '1s'],
      [59.2, '1m00s'],
      [65, '1m05s'],
      [119.5, '2m00s'],
      [3599.5, '1h00m'],
      [7380, '2h03m'],
      [Infinity, '--'],
      [NaN, '--'],
      [-1, '--'],
    ];
    for (const [seconds, text] of cases) assert.equal(formatSeconds(seconds), text, `${seconds}s`);
  });

  test('bytes in MB below a GB, GB above', () => {
    assert.equal(formatBytes(0), '0.0 MB');
    assert.equal(formatBytes(12_345_678), '12.3 MB');
    assert.equal(formatBytes(999 * MB), '999.0 MB');
    assert.equal(formatBytes(1_500 * MB), '1.50 GB');
  });
});

describe('the progress line', () => {
  test('uploading: bar, bytes of total, rate and ETA', () => {
    const line = renderProgressLine({ filename: file, phase: 'uploading', bytes: 50 * MB, total: 100 * MB }, 10, 200);
    assert.equal(line, `${file} [############------------] 50.0 MB/100.0 MB 5.0 MB/s ETA 10s`);
  });

  test('no rate or ETA until a quarter second of upload has passed: a rate over a millisecond is noise', () => {
    assert.equal(
      renderProgressLine({ filename: file, phase: 'uploading', bytes: 0, total: 100 * MB }, 0, 200),
      `${file} [------------------------] 0.0 MB/100.0 MB`,
    );
    // 4 MB in 10 ms would read as 400 MB/s.
    const early = renderProgressLine({ filename: file, phase: 'uploading', bytes: 4 * MB, total: 100 * MB }, 0.01, 200);
    assert.doesNotMatch(early, /MB\/s|ETA/);
    assert.match(renderProgressLine({ filename: file, phase: 'uploading', bytes: 4 * MB, total: 100 * MB }, 1, 200), / 4\.0 MB\/s ETA 24s$/);
    // The bytes already sent when the clock started took no measured time.
    assert.match(renderProgressLine({ filename: file, phase: 'uploading', bytes: 5 * MB, total: 100 * MB }, 1, 200, 1 * MB), / 4\.0 MB\/s ETA 24s$/);
  });

  test('hashing and verifying name the phase instead of a rate', () => {
    assert.equal(
      renderProgressLine({ filename: file, phase: 'verifying', bytes: 2000 * MB, total: 2000 * MB }, 100, 120),
      `${file} [########################] verifying 2.00 GB/2.00 GB`,
    );
    assert.equal(
      renderProgressLine({ filename: file, phase: 'hashing', bytes: 25 * MB, total: 100 * MB }, 1, 120),
      `${file} [######------------------] hashing 25.0 MB/100.0 MB`,
    );
  });

  test('bytes taken back by a retried part, or past the total, keep the bar in its frame', () => {
    assert.doesNotThrow(() => renderProgressLine({ filename: file, phase: 'uploading', bytes: -5 * MB, total: 100 * MB }, 1));
    assert.match(renderProgressLine({ filename: file, phase: 'uploading', bytes: -5 * MB, total: 100 * MB }, 1, 200), /\[-{24}\] 0\.0 MB\//);
    assert.match(renderProgressLine({ filename: file, phase: 'uploading', bytes: 120 * MB, total: 100 * MB }, 1, 200), /\[#{24}\] 100\.0 MB\/100\.0 MB/);
  });
});

describe('the progress line at each terminal width', () => {
  const half = { filename: file, phase: 'uploading' as const, bytes: 50 * MB, total: 100 * MB };
  const numbers = '50.0 MB/100.0 MB 5.0 MB/s ETA 10s';

  test('a terminal that reports 0 columns, or none, is drawn 80 wide, not one character', () => {
    for (const columns of [0, undefined]) {
      const line = renderProgressLine(half, 10, columns);
      assert.equal(line, renderProgressLine(half, 10, 80));
      assert.ok(line.length > 70 && line.length <= 79, `${columns}: ${line}`);
    }
  });

  test('80 columns: the bar shrinks so the bytes, rate and ETA stay whole', () => {
    const line = renderProgressLine(half, 10, 80);
    assert.equal(line, `${file} [######------] ${numbers}`);
    assert.ok(line.length <= 79);
  });

  test('200 columns: the whole bar', () => {
    assert.equal(renderProgressLine(half, 10, 200), `${file} [############------------] ${numbers}`);
  });

  test('40 columns: the bar and the name go, the numbers stay', () => {
    const line = renderProgressLine(half, 10, 40);
    assert.equal(line, numbers);
    assert.ok(line.length <= 39);
  });

  test('20 columns: the percentage, rate and ETA in short', () => {
    assert.equal(renderProgressLine(half, 10, 20), '50% 5.0 MB/s 10s');
    assert.equal(renderProgressLine({ ...half, phase: 'verifying' }, 10, 20), 'verifying 50%');
  });

  test('a long name is cut before the numbers are, and no width ever wraps', () => {
    const long = { ...half, filename: 'tensorflow-2.15.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl' };
    const line = renderProgressLine(long, 10, 80);
    assert.ok(line.endsWith(` ${numbers}`), line);
    assert.ok(line.startsWith('tensorflow-2.15.0-cp311') && line.includes('…'), line);
    assert.ok(line.length <= 79);
    for (let columns = 1; columns <= 220; columns++) {
      for (const p of [half, long, { ...half, phase: 'hashing' as const }]) {
        assert.ok(renderProgressLine(p, 10, columns).length <= Math.max(columns - 1, 1), `${columns} columns`);
      }
    }
  });
});

function fakeOut(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, out: { isTTY, columns: 200, write: (text: string) => writes.push(text) } };
}

describe('the progress bar', () => {
  test('on a terminal: redrawn in place at most ten times a second, the last state always drawn, cleared at the end', () => {
    const { writes, out } = fakeOut(true);
    let now = 0;
    const bar = new ProgressBar(out, () => now);
    bar.update({ filename: file, phase: 'uploading', bytes: 0, total: 100 * MB });
    now = 2000;
    bar.update({ filename: file, phase: 'uploading', bytes: 20 * MB, total: 100 * MB });
    now = 2050; // too soon to redraw
    bar.update({ filename: file, phase: 'uploading', bytes: 21 * MB, total: 100 * MB });
    now = 2060; // but the last byte is always shown
    bar.update({ filename: file, phase: 'uploading', bytes: 100 * MB, total: 100 * MB });
    bar.finish();
    assert.equal(writes.length, 4);
    assert.ok(writes.slice(0, 3).every((w) => w.startsWith('\r') && !w.includes('\n')));
    assert.match(writes[1]!, /20\.0 MB\/100\.0 MB 10\.0 MB\/s ETA 8s/);
    assert.match(writes[2]!, /\[#{24}\] 100\.0 MB\/100\.0 MB 48\.5 MB\/s ETA 0s/);
    assert.equal(writes[3], '\r\x1b[2K');
  });

  test('in a CI log: the first line, a moment after the upload began, has no absurd rate', () => {
    const { writes, out } = fakeOut(false);
    let now = 0;
    const bar = new ProgressBar(out, () => now);
    bar.update({ filename: file, phase: 'hashing', bytes: 100 * MB, total: 100 * MB });
    now = 5000; // hashing took five seconds: they are not upload time
    bar.update({ filename: file, phase: 'uploading', bytes: 1 * MB, total: 100 * MB });
    now = 5003;
    bar.update({ filename: file, phase: 'uploading', bytes: 26 * MB, total: 100 * MB });
    assert.deepEqual(writes, [`${file}: 0% 1.0 MB/100.0 MB\n`, `${file}: 25% 26.0 MB/100.0 MB\n`]);
  });

  test('on a terminal that reports 0 columns the bar is drawn 80 wide', () => {
    const writes: string[] = [];
    let now = 0;
    const bar = new ProgressBar({ isTTY: true, columns: 0, write: (text: string) => writes.push(text) }, () => now);
    bar.update({ filename: file, phase: 'uploading', bytes: 0, total: 100 * MB });
    now = 10_000;
    bar.update({ filename: file, phase: 'uploading', bytes: 50 * MB, total: 100 * MB });
    assert.equal(writes[1], `\r${file} [######------] 50.0 MB/100.0 MB 5.0 MB/s ETA 10s`);
  });

  test('on a terminal: a shorter line blanks what the longer one before it left', () => {
    const { writes, out } = fakeOut(true);
    let now = 0;
    const bar = new ProgressBar(out, () => now);
    bar.update({ filename: file, phase: 'uploading', bytes: 0, total: 1500 * MB });
    now = 2000;
    bar.update({ filename: file, phase: 'uploading', bytes: 1 * MB, total: 1500 * MB });
    now = 3000;
    bar.update({ filename: file, phase: 'verifying', bytes: 1500 * MB, total: 1500 * MB });
    assert.match(writes[1]!, /MB\/s ETA/);
    assert.equal(writes[2]!.length, writes[1]!.length);
    assert.match(writes[2]!, /verifying 1\.50 GB\/1\.50 GB +$/);
  });

  test('in a CI log: a line per quarter with rate and ETA, then one saying it is verifying', () => {
    const { writes, out } = fakeOut(false);
    let now = 0;
    const bar = new ProgressBar(out, () => now);
    bar.update({ filename: file, phase: 'hashing', bytes: 100 * MB, total: 100 * MB });
    for (let mb = 0; mb <= 100; mb += 5) {
      now = mb * 100; // 10 MB/s
      bar.update({ filename: file, phase: 'uploading', bytes: mb * MB, total: 100 * MB });
    }
    bar.update({ filename: file, phase: 'verifying', bytes: 100 * MB, total: 100 * MB });
    bar.finish();
    assert.deepEqual(writes, [
      `${file}: 0% 0.0 MB/100.0 MB\n`,
      `${file}: 25% 25.0 MB/100.0 MB 10.0 MB/s ETA 8s\n`,
      `${file}: 50% 50.0 MB/100.0 MB 10.0 MB/s ETA 5s\n`,
      `${file}: 75% 75.0 MB/100.0 MB 10.0 MB/s ETA 3s\n`,
      `${file}: uploaded, verifying\n`,
    ]);
  });
});

describe('the token', () => {
  test('a fixed token is the same when refused: the 401 stands', async () => {
    const auth = tokenAuth('wharf_a_b');
    assert.equal(await auth('wharf_a_b'), 'wharf_a_b');
  });

  test('trusted publishing mints on first use, reuses it, and mints once more for a refused token however many ask', async () => {
    let mints = 0;
    const auth = trustedPublishingAuth('https://index.example/simple/', {}, async (url) => {
      assert.equal(url, 'https://index.example/simple/');
      mints++;
      return { token: `minted-${mints}` };
    });
    assert.equal(await auth(), 'minted-1');
    assert.equal(await auth(), 'minted-1');
    const renewed = await Promise.all([auth('minted-1'), auth('minted-1'), auth('minted-1')]);
    assert.deepEqual(renewed, ['minted-2', 'minted-2', 'minted-2']);
    assert.equal(mints, 2);
    // An older token refused late gets the current one, not another mint.
    assert.equal(await auth('minted-1'), 'minted-2');
    assert.equal(mints, 2);
  });

  test('a refused exchange is reported, and the next call tries again', async () => {
    let calls = 0;
    const auth = trustedPublishingAuth('https://index.example', {}, async () => {
      calls++;
      if (calls === 1) throw new Error('Trusted publishing exchange refused (422): invalid-publisher');
      return { token: 'minted' };
    });
    await assert.rejects(auth(), /invalid-publisher/);
    assert.equal(await auth(), 'minted');
  });

  test('trusted publishing is chosen when asked, or with no token inside a job that may request OIDC tokens', () => {
    const inJob = { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://runner/idtoken?api-version=2.0', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' };
    assert.equal(wantsTrustedPublishing({}, inJob), true);
    assert.equal(wantsTrustedPublishing({ 'trusted-publishing': true }, {}), true);
    assert.equal(wantsTrustedPublishing({}, {}), false);
    assert.equal(wantsTrustedPublishing({ token: 'wharf_x' }, inJob), false);
    assert.equal(wantsTrustedPublishing({}, { ...inJob, WHARF_TOKEN: 'wharf_x' }), false);
    assert.equal(wantsTrustedPublishing({}, { ...inJob, TWINE_USERNAME: '__token__', TWINE_PASSWORD: 'wharf_x' }), false);
  });
});
