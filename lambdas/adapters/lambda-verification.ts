/**
 * Starts the verifier function on AWS: an asynchronous invoke (InvocationType Event) with
 * {"sessionId"}, so verifying a large upload session may outlast API Gateway's 30 s.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

/** A starter with its own client (what the write function loads on first use). */
export function createLambdaVerification(functionName: string): (sessionId: string) => Promise<void> {
  const lambda = new LambdaClient({});
  return async (sessionId) => {
    await lambda.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: JSON.stringify({ sessionId }) }),
    );
  };
}
