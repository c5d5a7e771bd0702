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

/** cdk-nag's compliance packs: HIPAA Security, NIST 800-53 rev. 5 and PCI DSS 3.2.1, by the prefix of their rule ids. */
export const COMPLIANCE_PACKS = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'] as const;
type CompliancePack = (typeof COMPLIANCE_PACKS)[number];

/** The compliance rules pendant acknowledges somewhere, and the packs that carry each (cdk-nag 3's pack sources). */
const COMPLIANCE_RULES = {
  IAMNoInlinePolicy: COMPLIANCE_PACKS,
  LambdaInsideVPC: COMPLIANCE_PACKS,
  LambdaDLQ: ['HIPAA.Security', 'NIST.800.53.R5'],
  DynamoDBInBackupPlan: ['HIPAA.Security', 'NIST.800.53.R5'],
  VPCDefaultSecurityGroupClosed: COMPLIANCE_PACKS,
  VPCNoUnrestrictedRouteToIGW: COMPLIANCE_PACKS,
} as const satisfies Record<string, readonly CompliancePack[]>;
export type ComplianceRule = keyof typeof COMPLIANCE_RULES;

/**
 * Acknowledges one rule of the compliance packs on one construct (and what it holds), in every pack that carries
 * the rule, with the reason the design departs from it. Only rules whose fix would be wrong for this design are
 * acknowledged; the others are fixed.
 */
export function acknowledgeComplianceRule(scope: IConstruct, rule: ComplianceRule, reason: string): void {
  Validations.of(scope).acknowledge(...COMPLIANCE_RULES[rule].map((pack) => ({ id: `${pack}-${rule}`, reason })));
}

/** Why pendant's roles keep inline policies, acknowledged on each role it makes. */
export const INLINE_POLICY_REASON =
  'the policy is generated for this one role from what the platform declares, is created, changed and deleted with ' +
  'the role in one template, and can be attached to no other principal, which a customer-managed policy could';

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
