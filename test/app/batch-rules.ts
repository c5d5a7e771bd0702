// The project's Batch rules as one function over a synthesized template, for any stack: the example app's
// (batch-rules.test.ts) and the README's (readme.test.ts). cdk-nag has no Batch rules of its own.
import { Template } from 'aws-cdk-lib/assertions';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized CloudFormation is untyped JSON; the tests assert its shape
type Json = any;

/** Everything in `template` that breaks a Batch rule, one line each; empty when the template keeps them all. */
export function batchRuleViolations(template: Template): string[] {
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties?: Json }>;
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const launchTemplates = ofType('AWS::EC2::LaunchTemplate').map(([id]) => id);
  const logGroups = new Set(ofType('AWS::Logs::LogGroup').map(([id]) => id));
  const violations: string[] = [];

  for (const [id, launchTemplate] of ofType('AWS::EC2::LaunchTemplate')) {
    if (launchTemplate.Properties?.LaunchTemplateData?.MetadataOptions?.HttpTokens !== 'required') violations.push(`${id}: launch template does not require IMDSv2`);
  }
  for (const [id, environment] of ofType('AWS::Batch::ComputeEnvironment')) {
    const resources = environment.Properties?.ComputeResources;
    if (!['EC2', 'SPOT'].includes(resources?.Type)) continue;
    const reference = resources?.LaunchTemplate?.LaunchTemplateId?.Ref;
    if (!launchTemplates.includes(reference)) violations.push(`${id}: EC2 compute environment launches from no launch template of the stack`);
  }
  for (const [id, definition] of ofType('AWS::Batch::JobDefinition')) {
    const container = definition.Properties?.ContainerProperties ?? {};
    if (container.ReadonlyRootFilesystem !== true) violations.push(`${id}: root filesystem is not read-only`);
    // AWS Batch User Guide, "Job definition parameters for ECS" (readonlyRootFilesystem): only mounted volumes are writable.
    if ((container.MountPoints ?? []).length === 0) violations.push(`${id}: read-only root with no writable volume mounted`);
    const logging = container.LogConfiguration;
    if (logging?.LogDriver !== 'awslogs' || !logGroups.has(logging?.Options?.['awslogs-group']?.Ref)) {
      violations.push(`${id}: job output does not go to a log group of the stack through awslogs`);
    }
    if (JSON.stringify(definition).includes('/aws/batch/job')) violations.push(`${id}: mentions /aws/batch/job`);
    // First match wins: a catch-all EXIT before a RETRY makes the RETRY dead.
    const rules: Json[] = definition.Properties?.RetryStrategy?.EvaluateOnExit ?? [];
    const catchAll = rules.findIndex((rule) => rule.Action === 'EXIT' && rule.OnExitCode === '*' && rule.OnStatusReason === undefined && rule.OnReason === undefined);
    if (catchAll !== -1 && rules.slice(catchAll + 1).some((rule) => rule.Action === 'RETRY')) violations.push(`${id}: a catch-all EXIT comes before a RETRY rule`);
    if ((definition.Properties?.PlatformCapabilities ?? []).includes('FARGATE') && container.RuntimePlatform?.CpuArchitecture === undefined) {
      violations.push(`${id}: Fargate definition without a runtime platform CPU architecture`);
    }
  }
  for (const [id, logGroup] of ofType('AWS::Logs::LogGroup')) {
    if (typeof logGroup.Properties?.RetentionInDays !== 'number') violations.push(`${id}: log group without retention`);
  }
  for (const [id, fn] of ofType('AWS::Lambda::Function')) {
    if (!logGroups.has(fn.Properties?.LoggingConfig?.LogGroup?.Ref)) violations.push(`${id}: function without a log group of the stack`);
  }
  return violations;
}
