/**
 * Starts the verifier function on AWS: an asynchronous invoke (InvocationType Event) with
 * {"sessionId"}, so verifying a large upload session may outlast API Gateway's 30 s.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

/**
 * A starter with its own client (what the write function loads on first use): `verify` for
 * a file upload session, `publish` for a PEP 694 publishing session published in the background.
 */
export function createLambdaVerification(functionName: string): { verify(sessionId: string): Promise<void>; publish(publishingSessionId: string): Promise<void> } {
  const lambda = new LambdaClient({});
  const invoke = async (payload: Record<string, string>) => {
    await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: JSON.stringify(payload) }));
  };
  return { verify: (sessionId) => invoke({ sessionId }), publish: (publishingSessionId) => invoke({ publishingSessionId }) };
}
