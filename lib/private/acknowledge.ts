import * as iam from 'aws-cdk-lib/aws-iam';
import { AspectPriority, Aspects, Stack, Validations } from 'aws-cdk-lib';
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

/**
 * Acknowledges cdk-nag's `AwsSolutions-IAM4` finding for one AWS-managed policy on the role it is attached to, where
 * AWS documents that policy as the setup and nothing narrower can be verified.
 */
export function acknowledgeManagedPolicy(role: iam.IRole, managedPolicyName: string, reason: string): void {
  Validations.of(role).acknowledge({ id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${managedPolicyName}]`, reason });
}

/**
 * Carries the wildcard acknowledgements of a role's default policy over to the overflow policies CDK splits off it at
 * synth time when its statements outgrow IAM's inline limit (a platform of hundreds of job definitions), each
 * overflow policy acknowledging only the findings of the statements it took.
 */
export function acknowledgeOverflowPolicies(role: iam.Role): void {
  Aspects.of(role).add(
    {
      visit(node: IConstruct): void {
        const defaultPolicy = role.node.tryFindChild('DefaultPolicy');
        if (!(node instanceof iam.ManagedPolicy) || node.node.scope !== role || defaultPolicy === undefined) return;
        const reasons = acknowledgedReasons(defaultPolicy);
        const document = Stack.of(node).resolve(node.document) as { Statement?: Array<{ Resource?: unknown }> };
        for (const statement of document.Statement ?? []) {
          for (const resource of [statement.Resource ?? []].flat()) {
            const id = `AwsSolutions-IAM5[Resource::${renderResolved(resource)}]`;
            const reason = reasons.get(id);
            if (reason !== undefined) Validations.of(node).acknowledge({ id, reason });
          }
        }
      },
    },
    // After CDK's own aspect has split the policy.
    { priority: AspectPriority.READONLY },
  );
}

/** The acknowledgements recorded on a construct, by rule id. */
function acknowledgedReasons(scope: IConstruct): Map<string, string> {
  const reasons = new Map<string, string>();
  for (const entry of scope.node.metadata) {
    if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
    for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) reasons.set(id.replace(/^annotation::/i, ''), reason);
  }
  return reasons;
}

/** Renders an ARN the way cdk-nag names it in a finding: pseudo parameters and references as `<Name>`. */
function renderForNag(scope: IConstruct, value: string): string {
  return renderResolved(Stack.of(scope).resolve(value));
}

function renderResolved(resolved: unknown): string {
  if (typeof resolved === 'string') return resolved;
  const parts: unknown[] = (resolved as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join']?.[1] ?? [resolved];
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
