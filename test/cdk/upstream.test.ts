/**
 * The upstream settings of a synthesized stack: the read function's environment and
 * grants per mode, the cache mode's copier function, and refusals of bad props.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Duration, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { WharfStackProps } from '../../lib/wharf-stack.ts';
import { UPSTREAM_ENV } from '../../lambdas/config/environment.ts';
import { synthWharf } from '../support/cdk-synth.ts';

function synth(index: WharfStackProps['index']): ReturnType<typeof synthWharf> {
  return synthWharf(index ? { index } : {});
}

function idOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.resolve((construct.node.defaultChild as { logicalId: string }).logicalId) as string;
}

function envOf(template: Template, functionId: string): Record<string, unknown> {
  return template.toJSON().Resources[functionId].Properties.Environment.Variables;
}

/** Every Allow statement of the policies attached to a role. */
function statements(template: Template, roleId: string): { Action: string | string[]; Resource: unknown; Condition?: unknown }[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => ((p.Properties.Roles ?? []) as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function resourceText(s: { Resource: unknown }): string {
  return JSON.stringify(s.Resource);
}

const cache = synth({
  upstream: { mode: 'cache', url: 'https://mirror.example.com/pypi/simple', reservedNames: ['Acme_*', 'secret-app'], mixedProjects: ['patched-requests'], pageTtl: Duration.minutes(2) },
});

describe('upstream: cache mode', () => {
  const { stack, template } = cache;
  const read = stack.index.functions.read;
  const copier = stack.index.upstreamCopier!;

  test('the read function gets the settings, normalized', () => {
    const env = envOf(template, idOf(stack, read.function));
    assert.equal(env[UPSTREAM_ENV.mode], 'cache');
    assert.equal(env[UPSTREAM_ENV.url], 'https://mirror.example.com/pypi/simple/');
    assert.equal(env[UPSTREAM_ENV.reserved], 'acme-*,secret-app');
    assert.equal(env[UPSTREAM_ENV.mixed], 'patched-requests');
    assert.equal(env[UPSTREAM_ENV.pageTtlSeconds], '120');
    assert.deepEqual(env[UPSTREAM_ENV.copierFunction], { Ref: idOf(stack, copier.function) });
  });

  test('a copier function with 15 minutes, no retries, and object grants under upstream/ only', () => {
    assert.ok(copier);
    const fn = template.toJSON().Resources[idOf(stack, copier.function)];
    assert.equal(fn.Properties.Timeout, 900);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
    const objectStatements = statements(template, idOf(stack, copier.role)).filter((s) =>
      (Array.isArray(s.Action) ? s.Action : [s.Action]).some((a) => a.startsWith('s3:') && a !== 's3:ListBucket'),
    );
    assert.ok(objectStatements.length >= 2);
    for (const s of objectStatements) assert.match(resourceText(s), /\/upstream\/(files|incoming)\/\*/);
    assert.ok(!JSON.stringify(statements(template, idOf(stack, copier.role))).includes('dynamodb'), 'the copier has no table access');
  });

  test('the read function may write copies and pages under upstream/, invoke only the copier, and list only upstream prefixes', () => {
    const st = statements(template, idOf(stack, read.role));
    const puts = st.filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('s3:PutObject'));
    const putResources = puts.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource])).map((r) => JSON.stringify(r));
    assert.deepEqual(putResources.map((r) => /\/upstream\/(\w+)\/\*/.exec(r)?.[1]).sort(), ['files', 'pages']);
    const invokes = st.filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('lambda:InvokeFunction'));
    assert.equal(invokes.length, 1);
    assert.ok(resourceText(invokes[0]!).includes(idOf(stack, copier.function)));
    for (const s of st.filter((x) => (Array.isArray(x.Action) ? x.Action : [x.Action]).includes('s3:ListBucket'))) {
      assert.match(JSON.stringify(s.Condition ?? {}), /upstream\/(files|pages)\/\*/);
    }
  });

  test('abandoned copies expire', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-upstream-incoming', Prefix: 'upstream/incoming/', ExpirationInDays: 1 })]) },
    });
  });

  test('cdk-nag finds nothing unacknowledged, and CDK warns of nothing', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(cache.app);
    assert.deepEqual(report.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`), []);
    assert.deepEqual(Annotations.fromStack(stack).findWarning('*', Match.anyValue()), []);
    assert.deepEqual(Annotations.fromStack(stack).findError('*', Match.anyValue()), []);
  });
});

describe('upstream: other modes and bad props', () => {
  test('none: no copier, no upstream grants', () => {
    const { stack, template } = synth({ upstream: { mode: 'none' } });
    assert.equal(stack.index.upstreamCopier, undefined);
    assert.equal(envOf(template, idOf(stack, stack.index.functions.read.function))[UPSTREAM_ENV.mode], 'none');
    assert.ok(!JSON.stringify(statements(template, idOf(stack, stack.index.functions.read.role))).includes('upstream/'));
  });

  test('redirect: no copier, no writes', () => {
    const { stack, template } = synth({ upstream: { mode: 'redirect' } });
    assert.equal(stack.index.upstreamCopier, undefined);
    const st = statements(template, idOf(stack, stack.index.functions.read.role));
    assert.ok(!st.some((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('s3:PutObject')));
  });

  test('bad settings are refused with a clear message', () => {
    assert.throws(() => synth({ upstream: { mode: 'mirror' as never } }), /Upstream mode "mirror" is not one of none, redirect, proxy, cache/);
    assert.throws(() => synth({ upstream: { url: 'https://user:pw@example.com/simple/' } }), /carries credentials/);
    assert.throws(() => synth({ upstream: { timeout: Duration.seconds(29) } }), /at most 20 seconds/);
    assert.throws(() => synth({ upstream: { reservedNames: ['*'] } }), /would reserve every name/);
    assert.throws(() => synth({ upstream: { reservedNames: ['not a name'] } }), /is not a name pattern/);
  });
});
