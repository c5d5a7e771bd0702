import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges one wildcard finding (cdk-nag's `AwsSolutions-IAM5` for one resource or action) on one construct,
 * with the reason a reviewer needs. pendant acknowledges only wildcards AWS offers nothing narrower for, so users'
 * own policy checks stay quiet about them and loud about everything else.
 */
export function acknowledgeWildcard(scope: IConstruct, finding: { resource: string } | { action: string }, reason: string): void {
  const subject = 'resource' in finding ? `Resource::${renderForNag(scope, finding.resource)}` : `Action::${finding.action}`;
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${subject}]`, reason });
}

/** Renders an ARN the way cdk-nag names it in a finding: pseudo parameters and references as `<Name>`. */
function renderForNag(scope: IConstruct, value: string): string {
  const stack = Stack.of(scope);
  const resolved = stack.resolve(value);
  if (typeof resolved === 'string') return resolved;
  const parts: unknown[] = resolved?.['Fn::Join']?.[1] ?? [resolved];
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      if (ref !== undefined) return `<${ref}>`;
      const getAtt = (part as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt'];
      if (getAtt !== undefined) return `<${getAtt.join('.')}>`;
      return JSON.stringify(part);
    })
    .join('');
}
