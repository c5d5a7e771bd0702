import * as batch from 'aws-cdk-lib/aws-batch';
import { Fn, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { JobPlatform } from '../compute-environment';
import { checkParameterSpecs, findParameterReferences, ParameterSpecs } from '../model/parameters';
import { ValidationError } from '../model/errors';

/** Rules every job definition of pendant follows, single-node and multi-node alike. */

/** Batch's limit on a job definition name. */
const MAX_NAME_LENGTH = 128;

/**
 * The declared name and 8 hex characters of a hash of the stack's name and the declared name, within Batch's 128
 * characters: CloudFormation stack names are unique in an account and Region, and so are these.
 */
export function stackUniqueName(scope: Construct, name: string): string {
  const stack = Stack.of(scope);
  const stackName = Token.isUnresolved(stack.stackName) ? stack.node.path : stack.stackName;
  const suffix = createHash('sha256').update(`${stackName}\0${name}`).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME_LENGTH - suffix.length - 1)}-${suffix}`;
}

/**
 * Retry what Spot takes back before any exit rule: AWS Batch User Guide, "Automated job retries": the rules of
 * evaluateOnExit are tried in order and the first match wins, so a catch-all EXIT first would fail every interrupted
 * job. An interrupted Fargate Spot task stops with "Your Spot Task was interrupted."; a reclaimed EC2 Spot instance
 * with a reason starting "Host EC2".
 */
export function defaultRetryStrategies(platform: JobPlatform): batch.RetryStrategy[] {
  const interrupted =
    platform === JobPlatform.FARGATE ? batch.Reason.custom({ onStatusReason: 'Your Spot Task was interrupted*' }) : batch.Reason.SPOT_INSTANCE_RECLAIMED;
  return [batch.RetryStrategy.of(batch.Action.RETRY, interrupted), batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.NON_ZERO_EXIT_CODE)];
}

export function checkParameters(where: string, parameters: ParameterSpecs, command: readonly string[] | undefined): void {
  const problems = checkParameterSpecs(parameters);
  const referenced = findParameterReferences(command ?? []);
  for (const name of referenced) {
    if (!(name in parameters)) problems.push(`the command references Ref::${name}, but ${name} is not a declared parameter`);
  }
  for (const name of Object.keys(parameters)) {
    if (!referenced.includes(name)) problems.push(`parameter ${name} is declared but no command uses Ref::${name}`);
  }
  if (problems.length > 0) throw new ValidationError(`${where}: ${problems.join('; ')}`);
}

/** The revision in a job definition's ARN, `arn:<partition>:batch:<region>:<account>:job-definition/<name>:<revision>`: its seventh field. */
export function revisionOf(jobDefinitionArn: string): string {
  return Fn.select(6, Fn.split(':', jobDefinitionArn));
}
