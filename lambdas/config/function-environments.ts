/**
 * What each function reads from its environment, in one table: the handler of each
 * function calls its entry once at start-up, and a CDK test runs every entry over the
 * environment the synthesized template gives that function, so the construct and the
 * functions can never disagree about a variable. A missing or malformed setting throws
 * ConfigError naming the variable.
 */
import { ENV, type Environment, awsRegion, required } from './environment.ts';
import { type UploadSessionsConfig, loadUploadSessionsConfig } from './upload-config.ts';
import { type SweeperConfig, loadSweeperConfig } from './sweeper-config.ts';
import { type RetentionConfig, loadRetentionConfig } from './retention-config.ts';
import { type UpstreamConfig, loadCopierUpstreamConfig, loadUpstreamConfig } from './upstream-config.ts';
import {
  type AccessConfig,
  type AttestationConfig,
  loadAttestationConfig,
  type OidcConfig,
  type StoreNames,
  type WharfConfig,
  loadAccessConfig,
  loadBucketName,
  loadConfig,
  loadOidcConfig,
  loadStoreNames,
  loadVerifierFunctionName,
  loadSigningKeyConfig,
  loadSigningKeyRotationConfig,
  type SigningKeyConfig,
  type SigningKeyRotationConfig,
} from './wharf-config.ts';

export interface ReadEnvironment {
  readonly config: WharfConfig;
  readonly upstream: UpstreamConfig;
  readonly region: string;
  readonly signingKey: SigningKeyConfig;
}

export interface SigningKeyRotationEnvironment {
  readonly rotation: SigningKeyRotationConfig;
}

export interface WriteEnvironment {
  readonly config: WharfConfig;
  readonly attestations: AttestationConfig;
  readonly uploadSessions: UploadSessionsConfig;
  readonly verifierFunctionName: string;
  readonly region: string;
}

export interface AdminEnvironment {
  readonly config: AccessConfig;
  readonly oidc: OidcConfig;
  /** The metadata table, looked up only (pending publishers: is a project name free?). */
  readonly tableName: string;
}

export interface VerifierEnvironment {
  readonly stores: StoreNames;
  readonly region: string;
}

export interface SweeperEnvironment {
  readonly stores: StoreNames;
  readonly sweeper: SweeperConfig;
}

export interface RetentionEnvironment {
  readonly stores: StoreNames;
  readonly retention: RetentionConfig;
}

export interface CopierEnvironment {
  readonly bucketName: string;
  readonly upstream: UpstreamConfig;
}

// One function per entry, each imported by its own handler: esbuild cannot drop what an
// object literal's unused properties name, so a handler that imported the table would carry
// every function's loaders and what they import (the upload rules, PEP 440, the upstream's).
export const readEnvironment = (env: Environment): ReadEnvironment => ({
  config: loadConfig(env),
  upstream: loadUpstreamConfig(env),
  region: awsRegion(env),
  signingKey: loadSigningKeyConfig(env),
});
export const writeEnvironment = (env: Environment): WriteEnvironment => ({
  config: loadConfig(env),
  attestations: loadAttestationConfig(env),
  uploadSessions: loadUploadSessionsConfig(env),
  verifierFunctionName: loadVerifierFunctionName(env),
  region: awsRegion(env),
});
export const adminEnvironment = (env: Environment): AdminEnvironment => ({ config: loadAccessConfig(env), oidc: loadOidcConfig(env), tableName: required(env, ENV.tableName) });
export const verifierEnvironment = (env: Environment): VerifierEnvironment => ({ stores: loadStoreNames(env), region: awsRegion(env) });
export const sweeperEnvironment = (env: Environment): SweeperEnvironment => ({ stores: loadStoreNames(env), sweeper: loadSweeperConfig(env) });
export const retentionEnvironment = (env: Environment): RetentionEnvironment => ({ stores: loadStoreNames(env), retention: loadRetentionConfig(env) });
export const signingKeyRotationEnvironment = (env: Environment): SigningKeyRotationEnvironment => ({ rotation: loadSigningKeyRotationConfig(env) });
export const upstreamCopierEnvironment = (env: Environment): CopierEnvironment => ({ bucketName: loadBucketName(env), upstream: loadCopierUpstreamConfig(env) });

/** Every function's entry, by the function's name (the CDK contract test runs them all). */
export const FUNCTION_ENVIRONMENTS = {
  read: readEnvironment,
  write: writeEnvironment,
  admin: adminEnvironment,
  verifier: verifierEnvironment,
  sweeper: sweeperEnvironment,
  retention: retentionEnvironment,
  signingKeyRotation: signingKeyRotationEnvironment,
  upstreamCopier: upstreamCopierEnvironment,
} as const;

export type FunctionEnvironmentName = keyof typeof FUNCTION_ENVIRONMENTS;
