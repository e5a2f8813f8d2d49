/**
 * The synthesized Wharf stack: secure defaults of table and bucket, one function and its
 * routes per entry of the route table, least privilege by role, and a clean cdk-nag run.
 * The stack is synthesized (and the handlers bundled) once per file and shared.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { EsbuildBundling } from '../../lib/bundling.ts';
import { App, CfnResource, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FUNCTIONS, type FunctionName, type FunctionSpec } from '../../lambdas/config/functions.ts';
import { WharfStack } from '../../lib/wharf-stack.ts';
import { ENV } from '../../lambdas/config/environment.ts';
import { logicalId, synthWharf } from '../support/cdk-synth.ts';
import { DownloadSigning, ROTATION_IAM_ACTIONS, ROTATION_SECRET_ACTIONS } from '../../lib/download-signing.ts';
import { Duration } from 'aws-cdk-lib';

// The same feature flags as `cdk synth`, so the tests check what gets deployed.
const synth = synthWharf;

const { app, stack, template } = synth();
const functionEntries = Object.entries(FUNCTIONS) as [FunctionName, FunctionSpec][];

/** Every Allow statement that reaches a role: its policies, inline and managed. */
function roleStatements(roleId: string): { Action: string | string[]; Resource: unknown }[] {
  const role = template.toJSON().Resources[roleId];
  assert.ok(role, `role ${roleId} not found`);
  assert.equal(role.Properties.ManagedPolicyArns, undefined, 'no managed policies on a Wharf role');
  const documents: { Statement: { Effect: string; Action: string | string[]; Resource: unknown }[] }[] = [
    ...(role.Properties.Policies ?? []).map((p: { PolicyDocument: unknown }) => p.PolicyDocument),
  ];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const roles = (policy.Properties.Roles ?? []) as unknown[];
    if (roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }))) {
      documents.push(policy.Properties.PolicyDocument);
    }
  }
  return documents.flatMap((d) => d.Statement).filter((s) => s.Effect === 'Allow');
}

/** `{bucket ARN}{suffix}`, as the grants write it. */
function bucketObjects(suffix: string): unknown {
  return { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.index.bucket), 'Arn'] }, suffix]] };
}

function roleActions(roleId: string): string[] {
  return roleStatements(roleId).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

/** The actions a role has on one resource (matched by its CloudFormation value). */
function actionsOn(roleId: string, resource: unknown): string[] {
  const wanted = JSON.stringify(resource);
  return roleStatements(roleId)
    .filter((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).some((r) => JSON.stringify(r) === wanted))
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .sort();
}

describe('tables', () => {
  test('the metadata table and the tokens table, and no other', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    assert.notEqual(logicalId(stack.index.table), logicalId(stack.index.tokensTable));
  });

  test('the tokens table lets DynamoDB expire old tokens by their ttl attribute', () => {
    const tokens = template.toJSON().Resources[logicalId(stack.index.tokensTable)];
    assert.deepEqual(tokens.Properties.TimeToLiveSpecification, { AttributeName: 'ttl', Enabled: true });
  });

  test('both have pk/sk string keys, on-demand billing, PITR, encryption, and are retained and protected', () => {
    const tables = template.findResources('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ]),
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      },
    });
    assert.equal(Object.keys(tables).length, 2);
  });
});

describe('buckets', () => {
  const filesBucketId = logicalId(stack.index.bucket);
  const logBucketId = logicalId(stack.index.accessLogBucket);

  test('every bucket is encrypted, blocks all public access and is retained', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    assert.deepEqual(Object.keys(buckets).sort(), [filesBucketId, logBucketId].sort());
    for (const [id, bucket] of Object.entries(buckets)) {
      assert.equal(bucket.DeletionPolicy, 'Retain', id);
      assert.equal(bucket.UpdateReplacePolicy, 'Retain', id);
      assert.deepEqual(
        bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
        { SSEAlgorithm: 'AES256' },
        id,
      );
      assert.deepEqual(
        bucket.Properties.PublicAccessBlockConfiguration,
        { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        id,
      );
    }
  });

  test('every bucket policy denies requests without TLS', () => {
    for (const id of [filesBucketId, logBucketId]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  test('the files bucket is versioned, logs access to the log bucket and cleans up after itself', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: logBucketId } },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' }),
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
        ]),
      },
    });
    const filesBucket = template.toJSON().Resources[filesBucketId];
    assert.deepEqual(filesBucket.Properties.LoggingConfiguration.DestinationBucketName, { Ref: logBucketId });
  });
});

describe('functions', () => {
  test('one Lambda function per entry of the route table, and no other', () => {
    // ... plus the upload verifier, the orphan sweeper, the retention run and the signing-key
    // rotation, which have no route (test/cdk/upload-sessions.test.ts, orphan-sweeper.test.ts,
    // retention.test.ts).
    template.resourceCountIs('AWS::Lambda::Function', functionEntries.length + 4);
    assert.deepEqual(Object.keys(stack.index.functions).sort(), functionEntries.map(([name]) => name).sort());
  });

  for (const [name] of functionEntries) {
    test(`${name}: Node.js 22 on arm64, traced, 29 s, 1024 MB, own log group, WHARF_ environment`, () => {
      const fn = stack.index.functions[name];
      const resource = template.toJSON().Resources[logicalId(fn.function)];
      assert.ok(resource);
      assert.equal(resource.Properties.Runtime, 'nodejs22.x');
      assert.deepEqual(resource.Properties.Architectures, ['arm64']);
      assert.deepEqual(resource.Properties.TracingConfig, { Mode: 'Active' });
      assert.equal(resource.Properties.Timeout, 29);
      assert.equal(resource.Properties.MemorySize, 1024);
      assert.equal(resource.Properties.Handler, 'index.handler');
      assert.deepEqual(resource.Properties.LoggingConfig, { LogGroup: { Ref: logicalId(fn.logGroup) } });
      const variables = resource.Properties.Environment.Variables;
      const spec = FUNCTIONS[name] as FunctionSpec;
      assert.equal(variables.NODE_OPTIONS, '--enable-source-maps');
      if (spec.access === 'none') {
        assert.equal(variables[ENV.tableName], undefined);
        assert.equal(variables[ENV.bucketName], undefined);
      } else if (spec.access === 'lookup') {
        assert.deepEqual(variables[ENV.tableName], { Ref: logicalId(stack.index.table) });
        assert.equal(variables[ENV.bucketName], undefined);
      } else {
        assert.deepEqual(variables[ENV.tableName], { Ref: logicalId(stack.index.table) });
        assert.deepEqual(variables[ENV.bucketName], { Ref: logicalId(stack.index.bucket) });
      }
      assert.deepEqual(variables[ENV.tokensTableName], { Ref: logicalId(stack.index.tokensTable) });
      assert.equal(variables[ENV.publicRead], 'false');
      assert.equal(variables[ENV.authCacheSeconds], '30');
      assert.equal(variables[ENV.maxUploadBytes], String(4 * 1024 * 1024));
      assert.equal(variables[ENV.pageCacheControl], 'max-age=30');
      assert.equal(variables[ENV.signingWindowSeconds], '86400');
      const logGroup = template.toJSON().Resources[logicalId(fn.logGroup)];
      assert.equal(logGroup.DeletionPolicy, 'Retain');
      assert.equal(logGroup.Properties.RetentionInDays, RetentionDays.ONE_MONTH);
    });
  }
});

describe('HTTP API', () => {
  const apiId = logicalId(stack.index.api);

  test('a $default stage with access logging and throttling', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: apiId },
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [logicalId(stack.index.apiAccessLogGroup), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
      DefaultRouteSettings: { ThrottlingBurstLimit: 400, ThrottlingRateLimit: 200 },
    });
  });

  test('one route per RouteSpec, each to its own function', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    const expected = functionEntries.flatMap(([name, spec]) =>
      spec.routes.map((route) => ({ name, key: `${route.method} ${route.path}` })),
    );
    assert.equal(routes.length, expected.length);
    for (const { name, key } of expected) {
      const route = routes.find((r) => r.Properties.RouteKey === key);
      assert.ok(route, `route "${key}" missing`);
      assert.deepEqual(route.Properties.ApiId, { Ref: apiId });
      const target = route.Properties.Target['Fn::Join'][1] as unknown[];
      const integrationId = (target[1] as { Ref: string }).Ref;
      const integration = integrations[integrationId];
      assert.ok(integration, `route "${key}" targets no integration`);
      assert.equal(integration.Properties.IntegrationType, 'AWS_PROXY');
      assert.equal(integration.Properties.PayloadFormatVersion, '2.0');
      assert.deepEqual(integration.Properties.IntegrationUri, {
        'Fn::GetAtt': [logicalId(stack.index.functions[name].function), 'Arn'],
      });
    }
  });
});

describe('least privilege', () => {
  const WRITE_ACTIONS = [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
    's3:PutObject',
    's3:DeleteObject',
    's3:AbortMultipartUpload',
  ];

  for (const [name, spec] of functionEntries) {
    const actions = () => roleActions(logicalId(stack.index.functions[name].role));

    test(`${name}: no wildcard actions, no Scan, no table or bucket management`, () => {
      for (const action of actions()) {
        assert.ok(!action.includes('*'), `${name} has wildcard action ${action}`);
        assert.ok(!/^dynamodb:(Scan|Describe|Create|Delete(Table|Backup)|Update(Table|TimeToLive))/.test(action), `${name} may ${action}`);
        assert.ok(!/^s3:(PutBucket|DeleteBucket|PutLifecycle|PutEncryption)/.test(action), `${name} may ${action}`);
      }
    });

    const roleId = () => logicalId(stack.index.functions[name].role);
    const tableArn = () => ({ 'Fn::GetAtt': [logicalId(stack.index.table), 'Arn'] });
    const tokensArn = () => ({ 'Fn::GetAtt': [logicalId(stack.index.tokensTable), 'Arn'] });

    if (spec.tokens === 'verify') {
      test(`${name} (tokens: verify): only GetItem on the tokens table, so it cannot create, list or revoke tokens`, () => {
        assert.deepEqual(actionsOn(roleId(), tokensArn()), ['dynamodb:GetItem']);
      });
    } else if (spec.tokens === 'publishers') {
      test(`${name} (tokens: publishers): GetItem and Query (trusted publishers, for PEP 740), never a write to the tokens table`, () => {
        assert.deepEqual(actionsOn(roleId(), tokensArn()), ['dynamodb:GetItem', 'dynamodb:Query']);
      });
    } else {
      test(`${name} (tokens: manage): create, list and revoke tokens, never delete or scan them`, () => {
        assert.deepEqual(actionsOn(roleId(), tokensArn()), [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ]);
      });
    }

    if (spec.access === 'none') {
      test(`${name} (no package access): nothing on the metadata table or the files bucket`, () => {
        assert.deepEqual(actionsOn(roleId(), tableArn()), []);
        assert.deepEqual(actions().filter((a) => a.startsWith('s3:')), []);
      });
    } else if (spec.access === 'lookup') {
      test(`${name} (lookup): GetItem on the metadata table (is a name free?), nothing on the files bucket`, () => {
        assert.deepEqual(actionsOn(roleId(), tableArn()), ['dynamodb:GetItem']);
        assert.deepEqual(actions().filter((a) => a.startsWith('s3:')), []);
      });
    } else if (spec.access === 'read') {
      test(`${name} (read): only Query/GetItem/BatchGetItem and s3:GetObject, no write action`, () => {
        // The one write a read function has: kept upstream pages (proxy mode, the default).
        const upstreamPages = bucketObjects('/upstream/pages/*');
        const granted = roleStatements(roleId())
          .filter((st) => JSON.stringify(st.Resource) !== JSON.stringify(upstreamPages))
          .flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]));
        for (const action of WRITE_ACTIONS) {
          assert.ok(!granted.includes(action), `${name} may ${action}`);
        }
        assert.deepEqual(actionsOn(roleId(), tableArn()), ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
        assert.deepEqual(actionsOn(roleId(), bucketObjects('/files/*')), ['s3:GetObject']);
        assert.deepEqual(actionsOn(roleId(), upstreamPages), ['s3:GetObject', 's3:PutObject']);
      });
    } else {
      test(`${name} (write): may put items and objects`, () => {
        const granted = actions();
        for (const action of ['dynamodb:PutItem', 'dynamodb:Query', 's3:PutObject', 's3:GetObject']) {
          assert.ok(granted.includes(action), `${name} may not ${action}`);
        }
      });
    }
  }

  test('object grants are limited to files/*, uploads/* (upload staging), upstream/pages/* (kept upstream pages) and, to read only, upstream/files/* (the signing user)', () => {
    const allowed = ['/files/*', '/uploads/*', '/upstream/pages/*'].map((suffix) => JSON.stringify(bucketObjects(suffix)));
    const readOnly = JSON.stringify(bucketObjects('/upstream/files/*'));
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        const actions: string[] = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
        if (!actions.some((a) => a.startsWith('s3:') && a !== 's3:ListBucket')) continue;
        for (const resource of Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]) {
          const isReadOnly = JSON.stringify(resource) === readOnly && actions.every((a) => a === 's3:GetObject');
          assert.ok(allowed.includes(JSON.stringify(resource)) || isReadOnly, JSON.stringify(resource));
        }
      }
    }
  });
});

describe('outputs', () => {
  test('IndexUrl, PipConfig, ApiEndpoint, TableName, TokensTableName and BucketName', () => {
    const endpoint = { 'Fn::GetAtt': [logicalId(stack.index.api), 'ApiEndpoint'] };
    template.hasOutput('IndexUrl', { Value: { 'Fn::Join': ['', [endpoint, '/simple/']] } });
    template.hasOutput('PipConfig', {
      Value: { 'Fn::Join': ['', ['pip config set global.index-url ', endpoint, '/simple/']] },
    });
    template.hasOutput('ApiEndpoint', { Value: endpoint });
    template.hasOutput('TableName', { Value: { Ref: logicalId(stack.index.table) } });
    template.hasOutput('BucketName', { Value: { Ref: logicalId(stack.index.bucket) } });
    template.hasOutput('TokensTableName', { Value: { Ref: logicalId(stack.index.tokensTable) } });
  });

  test('the stack has a description', () => {
    assert.match(template.toJSON().Description, /Wharf/);
  });
});

describe('download signing (rotated user key)', () => {
  const signing = () => stack.index.downloadSigning;
  const secretRef = () => ({ Ref: logicalId(signing().secret) });
  const userId = () => logicalId(signing().user);

  test('the signing user may only s3:GetObject under files/ and upstream/files/, has no password, and no key in the template', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      (p.Properties.Users ?? []).some((u: unknown) => JSON.stringify(u) === JSON.stringify({ Ref: userId() })),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    assert.deepEqual(statements, [
      { Action: 's3:GetObject', Effect: 'Allow', Resource: [bucketObjects('/files/*'), bucketObjects('/upstream/files/*')] },
    ]);
    const user = template.toJSON().Resources[userId()];
    assert.equal(user.Properties?.LoginProfile, undefined);
    assert.equal(user.Properties?.ManagedPolicyArns, undefined);
    template.resourceCountIs('AWS::IAM::AccessKey', 0);
  });

  test('a rotation schedule: every 30 days, by the rotation function, first at deploy', () => {
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: secretRef(),
      RotationLambdaARN: { 'Fn::GetAtt': [logicalId(signing().rotationFunction.function), 'Arn'] },
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediatelyOnUpdate: true,
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [logicalId(signing().rotationFunction.function), 'Arn'] },
      Principal: 'secretsmanager.amazonaws.com',
      SourceArn: secretRef(),
    });
  });

  test('the rotation function: its key actions on the signing user, its secret actions on the secret, nothing else', () => {
    const roleId = logicalId(signing().rotationFunction.role);
    const userArn = { 'Fn::GetAtt': [userId(), 'Arn'] };
    assert.deepEqual(actionsOn(roleId, userArn), [...ROTATION_IAM_ACTIONS].sort());
    assert.deepEqual(actionsOn(roleId, secretRef()), [...ROTATION_SECRET_ACTIONS].sort());
    const others = roleActions(roleId).filter((a) => !/^(iam:|secretsmanager:|logs:(CreateLogStream|PutLogEvents)$|xray:)/.test(a));
    assert.deepEqual(others, []);
    assert.ok(!roleActions(roleId).includes('secretsmanager:GetRandomPassword'));
    const fn = template.toJSON().Resources[logicalId(signing().rotationFunction.function)];
    assert.deepEqual(fn.Properties.Environment.Variables[ENV.signingUserName], { Ref: userId() });
    assert.equal(fn.Properties.Environment.Variables[ENV.signingKeyGraceSeconds], String(2 * 86_400 + 3600));
  });

  test('deleting the stack deletes the signing user keys first: the rotation function as a custom resource, after the schedule', () => {
    const resources = template.toJSON().Resources;
    const cleanupId = logicalId(signing().keysCleanup);
    const cleanup = resources[cleanupId];
    assert.equal(cleanup.Type, 'Custom::WharfSigningKeys');
    assert.deepEqual(cleanup.Properties.ServiceToken, { 'Fn::GetAtt': [logicalId(signing().rotationFunction.function), 'Arn'] });
    assert.deepEqual(cleanup.Properties.UserName, { Ref: userId() });
    // CloudFormation deletes dependents first: the schedule goes before the keys are removed.
    const schedule = Object.entries(resources).find(([, r]) => (r as { Type: string }).Type === 'AWS::SecretsManager::RotationSchedule')![1] as { DependsOn?: string[] };
    assert.ok(schedule.DependsOn?.includes(cleanupId), 'the rotation schedule depends on the key cleanup');
  });

  test('an alarm on failed rotations: any error of the rotation function within an hour', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(signing().rotationFunction.function) } }],
      Period: 3600,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('the read function may read the secret (GetSecretValue only) and is told where it is', () => {
    const read = stack.index.functions.read;
    assert.deepEqual(actionsOn(logicalId(read.role), secretRef()), ['secretsmanager:GetSecretValue']);
    const fn = template.toJSON().Resources[logicalId(read.function)];
    assert.deepEqual(fn.Properties.Environment.Variables[ENV.signingSecretArn], secretRef());
    for (const name of ['write', 'admin'] as const) {
      assert.deepEqual(actionsOn(logicalId(stack.index.functions[name].role), secretRef()), [], `${name} cannot read the signing key`);
    }
  });

  test('a rotation no longer than a replaced key must live, and a window over 3.5 days, are refused', () => {
    const scope = new Stack(new App(), 'Bare');
    const fake = { addEnvironment: () => fake, role: undefined } as unknown as ConstructorParameters<typeof DownloadSigning>[2]['readFunction'];
    assert.throws(
      () => new DownloadSigning(scope, 'S', { projectRoot: '.', bucket: stack.index.bucket, readFunction: fake, signingWindowSeconds: 86_400, rotationInterval: Duration.days(2), logRetention: RetentionDays.ONE_DAY, logRemovalPolicy: RemovalPolicy.DESTROY }),
      /longer than a replaced key must live/,
    );
    assert.throws(() => synth({ index: { signingWindowSeconds: 400_000 } }), /signingWindowSeconds must be a whole number from 1 to 302400/);
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('no finding is left unacknowledged, errors or warnings', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    assert.deepEqual(findings, []);
    assert.equal(report.success, true);
  });

  test('the stack carries no CDK error or warning annotations', () => {
    const annotations = Annotations.fromStack(stack);
    assert.deepEqual(annotations.findError('*', Match.anyValue()), []);
    assert.deepEqual(annotations.findWarning('*', Match.anyValue()), []);
  });

  test('every acknowledgement names one rule and gives a specific reason', () => {
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    assert.ok(acknowledged.length > 0);
    for (const [id, reason] of acknowledged) {
      assert.match(id, /AwsSolutions-[A-Z]+\d+/);
      assert.ok(reason.length >= 60, `reason for ${id} is too thin: "${reason}"`);
    }
  });
});

describe('PackageIndex props', () => {
  test('a token cache longer than 60 s is refused: revocation must take effect within a minute', () => {
    assert.throws(() => synth({ index: { authCacheSeconds: 61 } }), /authCacheSeconds must be 0 to 60/);
  });

  test('an upload limit that could not reach Lambda is refused', () => {
    assert.throws(() => synth({ index: { maxUploadBytes: 5_000_000 } }), /maxUploadBytes must be a whole number from 1 to 4700000/);
  });

  test('removal policy, caching, signing window, memory and log retention can be overridden', () => {
    const custom = synth({
      index: {
        removalPolicy: RemovalPolicy.DESTROY,
        pageCacheControl: 'max-age=5',
        signingWindowSeconds: 60,
        memorySize: 512,
        logRetention: RetentionDays.ONE_WEEK,
        throttle: { rateLimit: 10, burstLimit: 20 },
        publicRead: true,
        authCacheSeconds: 10,
      },
    });
    // Every function but the signing-key rotation, which has its own small environment and memory.
    const rotationId = custom.stack.resolve((custom.stack.index.downloadSigning.rotationFunction.function.node.defaultChild as CfnResource).logicalId) as string;
    const indexFunctions = Object.entries(custom.template.findResources('AWS::Lambda::Function')).filter(([id]) => id !== rotationId).map(([, fn]) => fn);
    assert.ok(indexFunctions.length >= 4);
    for (const fn of indexFunctions) {
      assert.equal(fn.Properties.Environment.Variables[ENV.publicRead], 'true');
      assert.equal(fn.Properties.Environment.Variables[ENV.authCacheSeconds], '10');
    }
    custom.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: { DeletionProtectionEnabled: false },
    });
    for (const bucket of Object.values(custom.template.findResources('AWS::S3::Bucket'))) {
      assert.equal(bucket.DeletionPolicy, 'Delete');
    }
    for (const fn of indexFunctions) {
      assert.equal(fn.Properties.MemorySize, 512);
      assert.equal(fn.Properties.Environment.Variables[ENV.pageCacheControl], 'max-age=5');
      assert.equal(fn.Properties.Environment.Variables[ENV.signingWindowSeconds], '60');
    }
    custom.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    custom.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingBurstLimit: 20, ThrottlingRateLimit: 10 },
    });
  });
});

describe('trusted publishing', () => {
  const variables = (name: FunctionName) =>
    (template.toJSON().Resources[logicalId(stack.index.functions[name].function)] as { Properties: { Environment: { Variables: Record<string, unknown> } } })
      .Properties.Environment.Variables;

  test('the admin function trusts gitlab.com and Google by default, and the write function takes their attestations (PEP 740)', () => {
    for (const name of ['admin', 'write'] as const) {
      assert.equal(variables(name)[ENV.oidcGitlabIssuers], 'https://gitlab.com');
      assert.equal(variables(name)[ENV.oidcGoogleIssuers], 'https://accounts.google.com');
    }
    assert.equal(variables('read')[ENV.oidcGitlabIssuers], undefined);
  });

  test('a self-managed GitLab instance, and Google turned off, reach both functions alike', () => {
    const custom = synth({ index: { trustedPublishing: { gitlabIssuerUrls: ['https://gitlab.com', 'https://git.acme.example'], google: false } } });
    for (const name of ['admin', 'write'] as const) {
      const env = (custom.template.toJSON().Resources[logicalId(custom.stack.index.functions[name].function)].Properties.Environment.Variables ?? {}) as Record<string, unknown>;
      assert.equal(env[ENV.oidcGitlabIssuers], 'https://gitlab.com,https://git.acme.example');
      assert.equal(env[ENV.oidcGoogleIssuers], 'none');
    }
  });

  test('only the admin function gets the audience; the issuer goes to it and to the write function (PEP 740 identities)', () => {
    assert.equal(variables('admin')[ENV.oidcGithubIssuer], 'https://token.actions.githubusercontent.com');
    assert.deepEqual(variables('admin')[ENV.oidcAudience], {
      'Fn::Join': ['', ['wharf:123456789012:eu-west-1:', { Ref: 'AWS::StackName' }]],
    });
    for (const name of ['read', 'write'] as const) assert.equal(variables(name)[ENV.oidcAudience], undefined);
    assert.equal(variables('read')[ENV.oidcGithubIssuer], undefined);
    assert.equal(variables('write')[ENV.oidcGithubIssuer], 'https://token.actions.githubusercontent.com');
  });

  test('/_/oidc/ routes reach the admin function, ahead of the catch-all routes', () => {
    const keys = FUNCTIONS.admin.routes.map((r) => `${r.method} ${r.path}`);
    assert.ok(keys.includes('GET /_/oidc/{proxy+}') && keys.includes('POST /_/oidc/{proxy+}'));
  });

  test('an issuer that is not https, or an audience with spaces, is refused before anything is built', () => {
    assert.throws(() => synth({ index: { trustedPublishing: { githubIssuerUrl: 'http://ghes.example.com' } } }), /must be an https:\/\/ issuer URL/);
    assert.throws(() => synth({ index: { trustedPublishing: { githubIssuerUrl: 'http://127.0.0.1:9000' } } }), /must be https:\/\/ in a deployed index/);
    assert.throws(() => synth({ index: { trustedPublishing: { audience: 'my index' } } }), /trustedPublishing.audience must be 1 to 255 printable characters/);
    assert.throws(() => synth({ index: { trustedPublishing: { gitlabIssuerUrls: ['http://git.acme.example'] } } }), /trustedPublishing.gitlabIssuerUrls must be an https:\/\/ issuer URL/);
    assert.throws(() => synth({ index: { trustedPublishing: { gitlabIssuerUrls: ['http://127.0.0.1:9000'] } } }), /gitlabIssuerUrls must be https:\/\/ in a deployed index/);
  });
});

describe('PEP 740 attestations in the deployment', () => {
  const writeEnv = (t: Template, s: WharfStack) =>
    (t.toJSON().Resources[logicalId(s.index.functions.write.function)].Properties.Environment.Variables ?? {}) as Record<string, unknown>;

  test('the write function checks attestations against the trusted-publishing issuer and, by default, the pinned public-good root', () => {
    const env = writeEnv(template, stack);
    assert.equal(env[ENV.oidcGithubIssuer], 'https://token.actions.githubusercontent.com');
    assert.equal(env[ENV.sigstoreTrustedRoot], undefined);
  });

  test("a private Sigstore's trusted root is bundled into the write function, and a missing one fails the synth", () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-cdk-root-'));
    try {
      const file = join(dir, 'trusted_root.json');
      writeFileSync(file, JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' }));
      const out = mkdtempSync(join(dir, 'bundle-'));
      new EsbuildBundling(resolvePath('lambdas/functions/write-handler.ts'), resolvePath('.'), { 'sigstore-trusted-root.json': file }).tryBundle(out);
      assert.equal(readFileSync(join(out, 'sigstore-trusted-root.json'), 'utf8'), readFileSync(file, 'utf8'));
      const custom = synth({ index: { sigstoreTrustedRootFile: file } });
      assert.equal(writeEnv(custom.template, custom.stack)[ENV.sigstoreTrustedRoot], 'sigstore-trusted-root.json');
      assert.throws(() => synth({ index: { sigstoreTrustedRootFile: join(dir, 'missing.json') } }), /The Sigstore trusted root .*missing\.json cannot be read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
