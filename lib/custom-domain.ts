/**
 * The index at its own domain: an ACM certificate (DNS-validated, or one that exists), an
 * API Gateway custom domain for the HTTP API, mapped at its root, and optionally a Route 53
 * alias record.
 *
 * At the root, not under a path: pypa/gh-action-pypi-publish asks `<index host>/_/oidc/audience`
 * and `/_/oidc/github/mint-token` at the host's root whatever path the repository URL has,
 * so a mapping key (`https://example.com/pypi/...`) would break trusted publishing.
 * HTTP API, so the apigatewayv2 DomainName and ApiMapping (a REST API's BasePathMapping
 * would not attach to it).
 */
import { Certificate, CertificateValidation, type ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { ApiMapping, DomainName, EndpointType, type HttpApi, type HttpStage, SecurityPolicy } from 'aws-cdk-lib/aws-apigatewayv2';
import { ARecord, HostedZone, type IHostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets';
import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface DomainProps {
  /** The host name the index answers at, e.g. `pypi.example.com`. */
  readonly name: string;
  /**
   * The Route 53 public hosted zone that holds `name`: the certificate is validated through
   * it and an alias record `name` → the API is made in it.
   * @default - no zone: the certificate's validation CNAME and the record pointing `name` at
   *   the API (`DomainTarget` output) are yours to create in your DNS
   */
  readonly hostedZone?: { readonly hostedZoneId: string; readonly zoneName: string };
  /**
   * An ACM certificate (in the stack's region) that covers `name`, instead of a new one.
   * @default - a new certificate for `name`, validated by DNS
   */
  readonly certificateArn?: string;
  /**
   * Whether to make the alias record in `hostedZone` (false: the zone only validates the
   * certificate, e.g. while the name still points at an old index).
   * @default true when `hostedZone` is given
   */
  readonly createRecord?: boolean;
}

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Every problem with the domain props at once (empty: fine). */
export function domainPropsProblems(props: DomainProps): string[] {
  const problems: string[] = [];
  if (!Token.isUnresolved(props.name) && !HOST_NAME.test(props.name)) {
    problems.push(`domain.name must be a host name in lower case such as pypi.example.com (no scheme, path or port), not "${props.name}".`);
  }
  const zone = props.hostedZone;
  if (zone) {
    if (!/^Z[0-9A-Z]{1,31}$/.test(zone.hostedZoneId)) problems.push(`domain.hostedZone.hostedZoneId must be a Route 53 zone id such as Z0123456789ABCDEFGHIJ, not "${zone.hostedZoneId}".`);
    const zoneName = zone.zoneName.replace(/\.$/, '');
    if (!Token.isUnresolved(props.name) && props.name !== zoneName && !props.name.endsWith(`.${zoneName}`)) {
      problems.push(`domain.name "${props.name}" is not in the hosted zone "${zoneName}".`);
    }
  }
  if (props.certificateArn !== undefined && !Token.isUnresolved(props.certificateArn) && !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/.test(props.certificateArn)) {
    problems.push(`domain.certificateArn must be an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID), not "${props.certificateArn}".`);
  }
  if (props.createRecord === true && !zone) problems.push('domain.createRecord needs domain.hostedZone: there is no zone to make the record in.');
  return problems;
}

export interface CustomDomainProps extends DomainProps {
  readonly api: HttpApi;
  readonly stage: HttpStage;
}

export class CustomDomain extends Construct {
  public readonly certificate: ICertificate;
  public readonly domainName: DomainName;
  public readonly mapping: ApiMapping;
  public readonly hostedZone?: IHostedZone;
  public readonly record?: ARecord;
  /** `https://<name>`, no trailing slash. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: CustomDomainProps) {
    super(scope, id);
    const problems = domainPropsProblems(props);
    if (problems.length > 0) throw new Error(problems.join('\n'));
    if (props.hostedZone) {
      this.hostedZone = HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: props.hostedZone.hostedZoneId,
        zoneName: props.hostedZone.zoneName.replace(/\.$/, ''),
      });
    }
    this.certificate = props.certificateArn
      ? Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn)
      : new Certificate(this, 'Certificate', {
          domainName: props.name,
          // Without a zone, CloudFormation waits (up to 72 h) until the CNAME that ACM shows
          // in the console and in the stack events exists in your DNS.
          validation: this.hostedZone ? CertificateValidation.fromDns(this.hostedZone) : CertificateValidation.fromDns(),
        });
    this.domainName = new DomainName(this, 'DomainName', {
      domainName: props.name,
      certificate: this.certificate,
      endpointType: EndpointType.REGIONAL,
      securityPolicy: SecurityPolicy.TLS_1_2,
    });
    // No apiMappingKey: the API at the domain's root (see the file comment).
    this.mapping = new ApiMapping(this, 'RootMapping', { api: props.api, domainName: this.domainName, stage: props.stage });
    if (this.hostedZone && props.createRecord !== false) {
      this.record = new ARecord(this, 'AliasRecord', {
        zone: this.hostedZone,
        recordName: props.name,
        target: RecordTarget.fromAlias(new ApiGatewayv2DomainProperties(this.domainName.regionalDomainName, this.domainName.regionalHostedZoneId)),
      });
    }
    this.url = `https://${props.name}`;
  }
}
