/**
 * What the Lambda bundles get for `@aws-sdk/credential-provider-node` (lib/bundling.ts
 * aliases it here): the SDK's own environment provider, the first link of the default chain.
 *
 * The Lambda runtime puts the function role's credentials in the environment, so on Lambda
 * the default chain always answers from its first link, as Wharf's own DynamoDB client does
 * (config/environment.ts `roleCredentials`). The chain's other links (SSO, shared ini
 * files, process, web identity, ECS, IMDS) can never answer there, yet bundled they bring
 * the STS, SSO and sign-in clients with their JSON and query protocols, and esbuild keeps
 * the parts of those protocols that the S3 client's barrel imports reach in the chunks
 * every cold start loads (34 KB of the background functions' cold start, for nothing).
 *
 * Only the Lambda bundles use this; the CLI and the local server keep the whole chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/** The signature of the default chain's `defaultProvider`, which the SDK clients' runtime config calls. */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]): AwsCredentialIdentityProvider => fromEnv(init);
