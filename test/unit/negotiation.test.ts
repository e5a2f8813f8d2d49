import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formatFromQuery,
  MEDIA_HTML_V1,
  MEDIA_JSON_V1,
  MEDIA_TEXT_HTML,
  negotiateFormat,
  parseAccept,
} from '../../lambdas/core/negotiation.ts';

describe('PEP 691 content negotiation', () => {
  test('what pip sends picks JSON', () => {
    const pip =
      'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';
    assert.equal(negotiateFormat(pip), MEDIA_JSON_V1);
  });

  test('poetry and browsers (*/*) get HTML, as does no Accept header', () => {
    assert.equal(negotiateFormat('*/*'), MEDIA_TEXT_HTML);
    assert.equal(negotiateFormat(undefined), MEDIA_TEXT_HTML);
    assert.equal(negotiateFormat(''), MEDIA_TEXT_HTML);
    assert.equal(
      negotiateFormat('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'),
      MEDIA_TEXT_HTML,
    );
  });

  test('q-values decide, whatever the order', () => {
    assert.equal(negotiateFormat(`${MEDIA_JSON_V1};q=0.2, ${MEDIA_HTML_V1};q=0.9`), MEDIA_HTML_V1);
    assert.equal(negotiateFormat(`text/html;q=0.5, ${MEDIA_JSON_V1};q=0.6`), MEDIA_JSON_V1);
    assert.equal(negotiateFormat(`text/html;q=0.5, ${MEDIA_JSON_V1};q=0.4`), MEDIA_TEXT_HTML);
  });

  test('latest aliases resolve to v1', () => {
    assert.equal(negotiateFormat('application/vnd.pypi.simple.latest+json'), MEDIA_JSON_V1);
    assert.equal(negotiateFormat('application/vnd.pypi.simple.latest+html'), MEDIA_HTML_V1);
  });

  test('an exact type beats a wildcard at the same q, and q=0 refuses', () => {
    assert.equal(negotiateFormat(`*/*, ${MEDIA_JSON_V1}`), MEDIA_JSON_V1);
    assert.equal(negotiateFormat(`${MEDIA_JSON_V1};q=0, */*`), MEDIA_TEXT_HTML);
    assert.equal(negotiateFormat(`text/html;q=0, ${MEDIA_HTML_V1};q=0, */*;q=0.5`), MEDIA_JSON_V1);
  });

  test('the most specific range sets an offer q', () => {
    // text/* would allow text/html, but text/html;q=0 forbids it.
    assert.equal(negotiateFormat('text/*, text/html;q=0'), undefined);
    assert.equal(negotiateFormat('application/*;q=0.3, text/html;q=0.2'), MEDIA_HTML_V1);
  });

  test('nothing acceptable is undefined (406)', () => {
    assert.equal(negotiateFormat('application/xml'), undefined);
    assert.equal(negotiateFormat('image/png, text/plain'), undefined);
    assert.equal(negotiateFormat('*/*;q=0'), undefined);
  });

  test('malformed ranges are ignored, bad q counts as 0', () => {
    assert.equal(negotiateFormat('garbage, ;;;'), MEDIA_TEXT_HTML);
    assert.equal(negotiateFormat(`${MEDIA_JSON_V1};q=abc, text/html;q=0.1`), MEDIA_TEXT_HTML);
    assert.deepEqual(parseAccept('Text/HTML ; Q=0.5'), [{ type: 'text', subtype: 'html', q: 0.5 }]);
  });

  test('?format= accepts media types and short names', () => {
    assert.equal(formatFromQuery('json'), MEDIA_JSON_V1);
    assert.equal(formatFromQuery(MEDIA_JSON_V1), MEDIA_JSON_V1);
    assert.equal(formatFromQuery('application/vnd.pypi.simple.latest+html'), MEDIA_HTML_V1);
    assert.equal(formatFromQuery('text/html'), MEDIA_TEXT_HTML);
    assert.equal(formatFromQuery('xml'), undefined);
  });
});
