/**
 * What `wharf import` draws while it works, without a server: the progress line fitted to
 * terminals from unknown width to wide (whole fields left out, never a number cut), the
 * ETA, the line redrawn in place on a terminal, and the few plain lines of a CI log.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  estimateSeconds,
  formatDuration,
  formatSize,
  ImportProgressReporter,
  renderImportProgress,
  renderPlainProgress,
} from '../../lambdas/cli/import-progress.ts';

const midway = { done: 1234, total: 10000, bytesDone: 56_700_000, bytesTotal: 7_400_000_000 };
const FIELDS = ['1234/10000 files', '56.7 MB/7.40 GB', '98.7 files/s', '4.5 MB/s', 'ETA 26m59s'];

describe('the progress line', () => {
  test('80 columns: bar, files, bytes, both rates and the ETA, within 79 characters', () => {
    const line = renderImportProgress(midway, 12.5, 80);
    assert.equal(line, '[-----------] 1234/10000 files 56.7 MB/7.40 GB 98.7 files/s 4.5 MB/s ETA 26m59s');
    assert.equal(line.length, 79);
  });

  test('an unknown width (undefined, or 0 as a pipe reports it) is taken as 80', () => {
    const eighty = renderImportProgress(midway, 12.5, 80);
    assert.equal(renderImportProgress(midway, 12.5, undefined), eighty);
    assert.equal(renderImportProgress(midway, 12.5, 0), eighty);
  });

  test('a wide terminal: the bar grows to 30 cells and no further', () => {
    const line = renderImportProgress(midway, 12.5, 200);
    assert.equal(line, `[${'-'.repeat(30)}] ${FIELDS.join(' ')}`);
    assert.equal(renderImportProgress(midway, 12.5, 120), line);
  });

  test('narrower terminals lose whole fields, least useful first: byte rate, file rate, bytes, bar, ETA', () => {
    assert.equal(renderImportProgress(midway, 12.5, 60), '[-------------] 1234/10000 files 56.7 MB/7.40 GB ETA 26m59s');
    assert.equal(renderImportProgress(midway, 12.5, 50), '[-------------------] 1234/10000 files ETA 26m59s');
    assert.equal(renderImportProgress(midway, 12.5, 30), '1234/10000 files ETA 26m59s');
    // Narrower than the count itself: the count stays whole rather than cut.
    assert.equal(renderImportProgress(midway, 12.5, 10), '1234/10000 files');
    assert.equal(renderImportProgress(midway, 12.5, 1), '1234/10000 files');
  });

  test('at every width from 1 to 200 each figure is shown whole or not at all, and the line fits', () => {
    for (let columns = 1; columns <= 200; columns++) {
      const line = renderImportProgress(midway, 12.5, columns);
      const rest = line.replace(/^\[[#-]+\] /, '');
      const shown = FIELDS.filter((f) => rest.includes(f));
      assert.equal(shown.join(' '), rest, `width ${columns}: ${JSON.stringify(line)}`);
      assert.ok(shown.includes('1234/10000 files'), `width ${columns}`);
      if (columns > 17) assert.ok(line.length <= columns - 1, `width ${columns}: ${line.length} characters`);
    }
  });

  test('the bar fills by bytes, and by files when the sizes are unknown', () => {
    const half = renderImportProgress({ done: 1, total: 4, bytesDone: 500, bytesTotal: 1000 }, 1, 200);
    assert.match(half, /^\[#{15}-{15}\] /);
    const byFiles = renderImportProgress({ done: 1, total: 4, bytesDone: 0, bytesTotal: 0 }, 1, 200);
    assert.match(byFiles, /^\[#{8}-{22}\] /);
    const done = renderImportProgress({ done: 4, total: 4, bytesDone: 1000, bytesTotal: 1000 }, 1, 200);
    assert.match(done, /^\[#{30}\] 4\/4 files .* ETA 0s$/);
  });

  test('before anything is done the rates are 0 and the ETA unknown', () => {
    assert.equal(
      renderImportProgress({ done: 0, total: 5, bytesDone: 0, bytesTotal: 5000 }, 0, 200),
      `[${'-'.repeat(30)}] 0/5 files 0 B/5.0 kB 0.0 files/s 0 B/s ETA --`,
    );
  });
});

describe('figures', () => {
  test('the ETA is the slower of the estimates by files and by bytes', () => {
    // A quarter of the files but a tenth of the bytes done in 10 s: 90 s more by bytes.
    assert.equal(estimateSeconds({ done: 25, total: 100, bytesDone: 100, bytesTotal: 1000 }, 10), 90);
    // A tenth of the files but half the bytes: 90 s more by files.
    assert.equal(estimateSeconds({ done: 10, total: 100, bytesDone: 500, bytesTotal: 1000 }, 10), 90);
    assert.equal(estimateSeconds({ done: 0, total: 100, bytesDone: 0, bytesTotal: 1000 }, 10), Infinity);
  });

  test('sizes and durations', () => {
    assert.equal(formatSize(999), '999 B');
    assert.equal(formatSize(12_345), '12.3 kB');
    assert.equal(formatSize(56_700_000), '56.7 MB');
    assert.equal(formatSize(7_400_000_000), '7.40 GB');
    assert.equal(formatDuration(0.2), '1s');
    assert.equal(formatDuration(65), '1m05s');
    assert.equal(formatDuration(7380), '2h03m');
    assert.equal(formatDuration(Infinity), '--');
  });

  test('the plain line carries the share done', () => {
    assert.equal(
      renderPlainProgress(midway, 12.5),
      '1234/10000 files (12%), 56.7 MB/7.40 GB, 98.7 files/s, 4.5 MB/s, ETA 26m59s',
    );
  });
});

function recorder(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  let now = 0;
  return {
    writes,
    advance: (ms: number) => (now += ms),
    out: { isTTY, ...(columns !== undefined ? { columns } : {}), write: (text: string) => writes.push(text) },
    clock: () => now,
  };
}

describe('the reporter', () => {
  test('while a big file takes its time, the line is drawn again each tick with the time gone by', async () => {
    const writes: string[] = [];
    const out = { isTTY: true, columns: 200, write: (text: string) => writes.push(text) };
    let now = 0;
    const progress = new ImportProgressReporter(out, { files: 2, bytes: 2000 }, () => now, 20);
    now = 1000;
    progress.update({ done: 1, bytesDone: 1000 });
    now = 3000;
    await new Promise((resolve) => setTimeout(resolve, 60));
    progress.finish();
    assert.match(writes[0]!, / 1\/2 files .* ETA 1s/);
    assert.ok(writes.some((w) => / 1\/2 files .* ETA 3s/.test(w)), writes.join('|'));
    const count = writes.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(writes.length, count, 'no drawing after finish');
  });

  test('on a terminal: one line redrawn in place, at most ten times a second, a note kept above it', () => {
    const r = recorder(true, 100);
    const progress = new ImportProgressReporter(r.out, { files: 100, bytes: 100_000 }, r.clock, 0);
    r.advance(200);
    progress.update({ done: 1, bytesDone: 1000 });
    r.advance(10);
    progress.update({ done: 2, bytesDone: 2000 }); // too soon: not drawn
    assert.equal(r.writes.length, 1);
    assert.match(r.writes[0]!, /^\r\[#?-+\] 1\/100 files .*\x1b\[K$/);
    progress.note('refused broken-1.0.tar.gz: not a tar.gz');
    assert.deepEqual(r.writes.slice(1, 3), ['\r\x1b[K', 'refused broken-1.0.tar.gz: not a tar.gz\n']);
    assert.match(r.writes[3]!, /^\r.* 2\/100 files /, 'redrawn below the note with the latest figures');
    r.advance(10);
    progress.update({ done: 100, bytesDone: 100_000 }); // the last one is always drawn
    assert.match(r.writes.at(-1)!, / 100\/100 files /);
    progress.finish();
    assert.equal(r.writes.at(-1), '\r\x1b[K');
  });

  test('the terminal width is read at each draw (a resized window)', () => {
    const r = recorder(true, 200);
    const out = { ...r.out, columns: 200 };
    const progress = new ImportProgressReporter(out, { files: 10, bytes: 10 }, r.clock, 0);
    r.advance(1000);
    progress.update({ done: 1, bytesDone: 1 });
    out.columns = 20;
    r.advance(1000);
    progress.update({ done: 2, bytesDone: 2 });
    assert.match(r.writes[0]!, /files\/s/);
    assert.equal(r.writes[1], '\r2/10 files ETA 8s\x1b[K');
  });

  test('in a CI log: nothing for a short import, then a line per tenth at most every 5 s, and one every 30 s at least', () => {
    const r = recorder(false);
    const progress = new ImportProgressReporter(r.out, { files: 1000, bytes: 1_000_000 }, r.clock, 0);
    r.advance(1000);
    progress.update({ done: 300, bytesDone: 300_000 });
    assert.equal(r.writes.length, 0, 'quiet in the first seconds');
    r.advance(5000);
    progress.update({ done: 400, bytesDone: 400_000 });
    assert.equal(r.writes.length, 1);
    assert.match(r.writes[0]!, /^400\/1000 files \(40%\), 400\.0 kB\/1\.0 MB, .* ETA 9s\n$/);
    r.advance(1000);
    progress.update({ done: 500, bytesDone: 500_000 });
    assert.equal(r.writes.length, 1, 'a new tenth, but too soon after the last line');
    r.advance(5000);
    progress.update({ done: 510, bytesDone: 510_000 });
    assert.equal(r.writes.length, 2, 'the tenth reached before is told now');
    r.advance(29_000);
    progress.update({ done: 520, bytesDone: 520_000 });
    assert.equal(r.writes.length, 2);
    r.advance(1000);
    progress.update({ done: 521, bytesDone: 521_000 });
    assert.equal(r.writes.length, 3, 'no new tenth, but 30 s without a line');
    r.advance(60_000);
    progress.update({ done: 1000, bytesDone: 1_000_000 });
    assert.equal(r.writes.length, 3, 'the end is the summary');
    progress.note('refused x.whl: bad');
    progress.finish();
    assert.equal(r.writes.length, 3, 'notes and clearing are for terminals');
    assert.ok(r.writes.every((w) => !w.includes('\r') && !w.includes('\x1b')));
  });
});
