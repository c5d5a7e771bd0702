// Shared by the construct tests: fresh environment-agnostic stacks, error capture, and readers of synthesized
// IAM policies and staged assets. Not a test file itself (no `.test.ts`), so jest only runs it through imports.
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { IConstruct } from 'constructs';
import { ValidationError } from '../../lib';

/** A registry image: no asset, so templates stay small and synth needs no Docker. */
export const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable');

/** An environment-agnostic stack in an app of its own: synthesizes offline with no credentials. */
export function newStack(id = 'Test'): Stack {
  return new Stack(new App(), id);
}

/** A stack with a two-AZ VPC: public and private-with-egress subnets. */
export function newStackWithVpc(id = 'Test'): { stack: Stack; vpc: ec2.Vpc } {
  const stack = newStack(id);
  return { stack, vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }) };
}

/** The error `action` throws, which must be pendant's `ValidationError` (not a plain Error or CDK's own). */
export function validationErrorOf(action: () => unknown): ValidationError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) throw new Error('expected a ValidationError, but nothing was thrown');
  expect(caught).toBeInstanceOf(ValidationError);
  return caught as ValidationError;
}

/** Asserts `action` throws a `ValidationError` whose message holds every fragment. */
export function expectValidationError(action: () => unknown, ...fragments: Array<string | RegExp>): void {
  const error = validationErrorOf(action);
  for (const fragment of fragments) {
    if (typeof fragment === 'string') expect(error.message).toContain(fragment);
    else expect(error.message).toMatch(fragment);
  }
}

/** The logical id of a construct's CloudFormation resource (the construct itself or its default child). */
export function logicalId(construct: IConstruct): string {
  const element = (construct instanceof CfnElement ? construct : construct.node.defaultChild) as CfnElement | undefined;
  if (element === undefined) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).resolve(element.logicalId) as string;
}

/** Synthesized CloudFormation: untyped JSON, read by tests that assert its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized CloudFormation is untyped JSON; the tests assert its shape
type Json = any;

export interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: Json;
  readonly Condition?: Json;
}

/** Always an array: IAM writes a single action or resource as a scalar. */
export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Every statement of every identity policy of a role: its inline policies, the AWS::IAM::Policy resources attached to
 * it, and the customer-managed policies of the template attached to it (CDK's overflow policies of a large role).
 */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const resources = template.toJSON().Resources as Record<string, Json>;
  const role = resources[roleLogicalId];
  const managedByArn = asArray(role?.Properties?.ManagedPolicyArns).map((arn: Json) => arn?.Ref);
  const statements: Statement[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const attached = asArray(resource.Properties.Roles).some((attachedRole: Json) => attachedRole?.Ref === roleLogicalId) || managedByArn.includes(id);
    if (attached) statements.push(...resource.Properties.PolicyDocument.Statement);
  }
  for (const inline of asArray(role?.Properties?.Policies)) statements.push(...(inline).PolicyDocument.Statement);
  return statements;
}

/** The logical id of the role a function runs as. */
export function functionRoleId(template: Template, functionLogicalId: string): string {
  const fn = template.toJSON().Resources[functionLogicalId];
  if (fn?.Type !== 'AWS::Lambda::Function') throw new Error(`${functionLogicalId} is not a function`);
  return fn.Properties.Role['Fn::GetAtt'][0];
}

/** The statements of the function's role. */
export function functionStatements(template: Template, functionLogicalId: string): Statement[] {
  return roleStatements(template, functionRoleId(template, functionLogicalId));
}

/** Every action of every statement, sorted and distinct. */
export function actionsOf(statements: readonly Statement[]): string[] {
  return [...new Set(statements.flatMap((statement) => asArray(statement.Action)))].sort();
}

/** The resources of the statements that grant `action`. */
export function resourcesFor(statements: readonly Statement[], action: string): Json[] {
  return statements.filter((statement) => asArray(statement.Action).includes(action)).flatMap((statement) => asArray(statement.Resource));
}

/** Order-insensitive comparison of CloudFormation values. */
export function sortedJson(values: readonly Json[]): string[] {
  return values.map((value) => JSON.stringify(value)).sort();
}

/**
 * The directory an asset was staged to in the app's cloud assembly (`cdk.out`), found from the function's S3 key
 * (`<hash>.zip`, the directory being `asset.<hash>`).
 */
export function stagedAssetDirectory(stack: Stack, functionLogicalId: string): string {
  const assembly = (stack.node.root as App).synth();
  const fn = Template.fromStack(stack).toJSON().Resources[functionLogicalId];
  const key: string = fn.Properties.Code.S3Key;
  const hash = /^([0-9a-f]{64})\.zip$/.exec(key)?.[1];
  if (hash === undefined) throw new Error(`${functionLogicalId}: S3Key ${key} is not an asset key`);
  const directory = join(assembly.directory, `asset.${hash}`);
  if (!existsSync(directory)) throw new Error(`${functionLogicalId}: asset ${directory} was not staged`);
  return directory;
}
