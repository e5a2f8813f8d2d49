/**
 * BackgroundCopier on AWS: an asynchronous invoke of the upstream copier function, which
 * runs for up to 15 minutes after the download request that started it has returned.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { BackgroundCopier, CopyJob } from '../app/upstream-ports.ts';

export class LambdaCopier implements BackgroundCopier {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async start(job: CopyJob): Promise<void> {
    await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(job)),
      }),
    );
  }
}

/** A copier with its own client (what the read function loads on first use). */
export function createLambdaCopier(functionName: string): LambdaCopier {
  return new LambdaCopier(new LambdaClient({}), functionName);
}
