/**
 * The answer a Lambda-backed CloudFormation custom resource owes its stack: a PUT of the
 * outcome to the presigned `ResponseURL` of the event. Without it the stack waits an hour.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

export interface CustomResourceOutcome {
  readonly status: 'SUCCESS' | 'FAILED';
  /** Shown in the stack's events: for a failure, what happened and what to do. */
  readonly reason: string;
  readonly physicalResourceId: string;
}

export async function answerCloudFormation(event: CloudFormationCustomResourceEvent, outcome: CustomResourceOutcome): Promise<void> {
  const body = JSON.stringify({
    Status: outcome.status,
    // CloudFormation keeps at most 4 KB of the response.
    Reason: outcome.reason.slice(0, 1000),
    PhysicalResourceId: outcome.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  // The URL is presigned without a content type: send none.
  const answer = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!answer.ok) throw new Error(`CloudFormation's response URL answered ${answer.status}: ${(await answer.text()).slice(0, 300)}`);
}
