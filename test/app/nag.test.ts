import { Acknowledgment, CfnResource, Size, Stack, Validations } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { exampleApp } from './example-app';
import { NAG_PACKS } from '../support/nag';

/** One acknowledgement as aws-cdk-lib records it: on a construct, under the metadata key cdk-nag reads. */
interface RecordedAcknowledgement {
  readonly construct: IConstruct;
  /** The id without the `Annotation::` namespace aws-cdk-lib gives ids that name no plugin. */
  readonly id: string;
  readonly reason: unknown;
}

function acknowledgementsIn(scope: IConstruct): RecordedAcknowledgement[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({ construct, id: id.replace(/^annotation::/i, ''), reason })),
      ),
  );
}

/**
 * aws-cdk-lib's own constructs acknowledge some findings of its built-in CloudFormation validator (literal AZs on a
 * stack, camelCase flow-log options): those are not pendant's, and are recognised by being made by a plain
 * aws-cdk-lib stack with the same VPC features.
 */
const BUILTIN_VALIDATOR = /^CloudFormation-Validate::/;

/** cdk-nag's specific finding ids for one wildcard resource: `AwsSolutions-IAM5[Resource::<the resource>]`. */
const WILDCARD_FINDING = /^AwsSolutions-IAM5\[Resource::.+\]$/;

/**
 * The one AWS-managed policy pendant attaches: the ECS instance policy AWS Batch documents for EC2 instance roles
 * (AWS Batch User Guide, "Amazon ECS instance role"), acknowledged on the role it is attached to.
 */
const ECS_INSTANCE_POLICY_FINDING = 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]';

/** The packs run over the example app: AWS Solutions, and the HIPAA, NIST 800-53 rev. 5 and PCI DSS 3.2.1 compliance packs. */
const PACKS = NAG_PACKS;
const PACK_PREFIXES = PACKS.map(([prefix]) => prefix);
const COMPLIANCE_FINDING = /^(HIPAA\.Security|NIST\.800\.53\.R5|PCI\.DSS\.321)-[A-Za-z0-9]+$/;

function findings(stack: Stack): Array<{ id: string; path: string }> {
  return PACKS.flatMap(([, pack]) =>
    pack()
      .validateScope(stack)
      .violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => ({ id: violation.ruleName, path: resource.constructPath ?? '(no path)' })),
      ),
  );
}

const example = exampleApp();
const STACKS = [
  ['PendantPlatform', example.platform],
  ['PendantCaller', example.caller],
] as const;
const pendantAcknowledgements = acknowledgementsIn(example.app).filter((ack) => !BUILTIN_VALIDATOR.test(ack.id));
const solutionsAcknowledgements = pendantAcknowledgements.filter((ack) => ack.id.startsWith('AwsSolutions'));
const complianceAcknowledgements = pendantAcknowledgements.filter((ack) => !ack.id.startsWith('AwsSolutions'));

describe('cdk-nag packs', () => {
  describe.each(PACKS.flatMap(([prefix, pack]) => STACKS.map(([id, stack]) => [prefix, id, pack, stack] as const)))('%s over %s', (_prefix, _id, pack, stack) => {
    it('has no unacknowledged finding', () => {
      const result = pack().validateScope(stack);
      expect(result.violations.map((violation) => [violation.ruleName, violation.violatingResources.map((resource) => resource.constructPath)])).toEqual([]);
      expect(result.success).toBe(true);
    });
  });

  describe('acknowledgements', () => {
    it('exist (the platform grants wildcards AWS offers nothing narrower for)', () => {
      expect(pendantAcknowledgements.length).toBeGreaterThan(0);
    });

    it.each(solutionsAcknowledgements.map((ack) => [ack.construct.node.path, ack.id, ack] as const))(
      'on %s: %s is one specific finding, on a policy (or the documented managed policy on its role), with a reason',
      (_path, id, ack) => {
        if (id === ECS_INSTANCE_POLICY_FINDING) {
          // On the instance role of an EC2 compute environment, the only place the managed policy is attached.
          expect(ack.construct).toBeInstanceOf(iam.Role);
          expect(ack.construct.node.id).toBe('InstanceRole');
        } else {
          // A bare rule id (AwsSolutions-IAM5), a namespaced one (AwsSolutions::AwsSolutions-IAM5) or another rule
          // would silence every finding of its kind below the construct.
          expect(id).toMatch(WILDCARD_FINDING);
          // On the policy that grants the wildcard: not on its role, the function, the platform or the stack.
          expect(ack.construct).toBeInstanceOf(iam.Policy);
        }
        expect(typeof ack.reason).toBe('string');
        const reason = ack.reason as string;
        expect(reason.length).toBeGreaterThanOrEqual(40);
        expect(reason.split(/\s+/).length).toBeGreaterThanOrEqual(8);
        expect(reason).not.toContain('AwsSolutions');
      },
    );

    it('exist for the compliance packs (the rules whose fix would be wrong for this design)', () => {
      expect(complianceAcknowledgements.length).toBeGreaterThan(0);
    });

    it.each(complianceAcknowledgements.map((ack) => [ack.construct.node.path, ack.id, ack] as const))(
      'on %s: %s is one rule of one compliance pack, on the resource it excuses, with a reason',
      (_path, id, ack) => {
        expect(id).toMatch(COMPLIANCE_FINDING);
        // On a resource's own construct (a role, a function, a log group, a subnet…): not on a platform, a stack or
        // the app, where it would silence the rule for everything below.
        expect(ack.construct.node.defaultChild).toBeInstanceOf(CfnResource);
        expect(typeof ack.reason).toBe('string');
        const reason = ack.reason as string;
        expect(reason.length).toBeGreaterThanOrEqual(40);
        expect(reason.split(/\s+/).length).toBeGreaterThanOrEqual(8);
        for (const prefix of PACK_PREFIXES) expect(reason).not.toContain(prefix);
      },
    );

    it("are, apart from pendant's, only the ones aws-cdk-lib makes itself", () => {
      const plain = new Stack(undefined, 'PlainVpc');
      const group = new logs.LogGroup(plain, 'FlowLogGroup');
      new ec2.Vpc(plain, 'Vpc', {
        maxAzs: 2,
        natGateways: 1,
        subnetConfiguration: [
          { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: false },
          { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        ],
      }).addFlowLog('FlowLog', { trafficType: ec2.FlowLogTrafficType.ALL, destination: ec2.FlowLogDestination.toCloudWatchLogs(group) });
      const builtIn = new Set(acknowledgementsIn(plain).map((ack) => ack.id));
      const others = acknowledgementsIn(example.app).filter((ack) => BUILTIN_VALIDATOR.test(ack.id));
      expect(builtIn.size).toBeGreaterThan(0);
      for (const ack of others) expect(builtIn).toContain(ack.id);
    });

    it('each silence a finding the stack really has, on the resource it is placed over', () => {
      // The same app, built with pendant's acknowledgements dropped: what cdk-nag finds then is what they silence.
      // eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be called with the spied instance as `this`
      const acknowledge = Validations.prototype.acknowledge;
      const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (this: Validations, ...rules: Acknowledgment[]) {
        const kept = rules.filter((rule) => !PACK_PREFIXES.some((prefix) => rule.id.startsWith(prefix)));
        if (kept.length > 0) acknowledge.apply(this, kept);
      });
      let bare: ReturnType<typeof exampleApp>;
      try {
        bare = exampleApp();
      } finally {
        spy.mockRestore();
      }
      const unacknowledged = [...findings(bare.platform), ...findings(bare.caller)];
      const silenced = (ack: RecordedAcknowledgement, finding: { id: string; path: string }) =>
        finding.id === ack.id && (finding.path === ack.construct.node.path || finding.path.startsWith(`${ack.construct.node.path}/`));

      expect(unacknowledged.length).toBeGreaterThan(0);
      for (const ack of pendantAcknowledgements) {
        expect({ acknowledgement: `${ack.construct.node.path} ${ack.id}`, silences: unacknowledged.some((finding) => silenced(ack, finding)) }).toEqual({
          acknowledgement: `${ack.construct.node.path} ${ack.id}`,
          silences: true,
        });
      }
      for (const finding of unacknowledged) {
        expect({ finding, acknowledged: pendantAcknowledgements.some((ack) => silenced(ack, finding)) }).toEqual({ finding, acknowledged: true });
      }
    });
  });

  describe('a plain aws-cdk-lib Batch stack, for comparison', () => {
    const stack = new Stack(undefined, 'PlainBatch');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const environment = new batch.FargateComputeEnvironment(stack, 'ComputeEnvironment', { vpc });
    new batch.JobQueue(stack, 'JobQueue', { computeEnvironments: [{ computeEnvironment: environment, order: 1 }] });
    new batch.EcsJobDefinition(stack, 'JobDefinition', {
      container: new batch.EcsFargateContainerDefinition(stack, 'Container', {
        image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable'),
        cpu: 1,
        memory: Size.gibibytes(2),
      }),
    });
    new lambda.Function(stack, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => null;'),
    });
    const result = new AwsSolutionsChecks().validateScope(stack);
    const ids = result.violations.map((violation) => violation.ruleName);

    it('fails the checks', () => {
      expect(result.success).toBe(false);
    });

    it("draws IAM4 for the function's default role with the AWS-managed basic execution policy", () => {
      expect(ids).toContain('AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]');
    });

    it("draws IAM5 for the job definition's own execution role writing to any stream of /aws/batch/job", () => {
      expect(ids).toContain('AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/batch/job:*]');
    });

    it('draws VPC7 for a VPC without flow logs', () => {
      expect(ids).toContain('AwsSolutions-VPC7');
    });
  });
});
