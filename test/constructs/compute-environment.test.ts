import { Validations } from 'aws-cdk-lib';
import { Template, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ComputeEnvironment, ComputeKind, CpuArchitecture, InstanceRolePolicy, JobPlatform } from '../../lib';
import { platformOf } from '../../lib/compute-environment';
import { hasGpus, isArm64InstanceType } from '../../lib/private/instance-types';
import { expectValidationError, logicalId, newStackWithVpc, roleStatements } from './helpers';

jest.setTimeout(30_000);

const KINDS = [
  { kind: ComputeKind.FARGATE, type: 'FARGATE', platform: JobPlatform.FARGATE },
  { kind: ComputeKind.FARGATE_SPOT, type: 'FARGATE_SPOT', platform: JobPlatform.FARGATE },
  { kind: ComputeKind.EC2, type: 'EC2', platform: JobPlatform.EC2 },
  { kind: ComputeKind.EC2_SPOT, type: 'SPOT', platform: JobPlatform.EC2 },
] as const;

const EC2_KINDS = KINDS.filter((entry) => entry.platform === JobPlatform.EC2);
const FARGATE_KINDS = KINDS.filter((entry) => entry.platform === JobPlatform.FARGATE);

describe('ComputeEnvironment', () => {
  describe.each(KINDS)('of kind $kind', ({ kind, type, platform }) => {
    const { stack, vpc } = newStackWithVpc();
    const environment = new ComputeEnvironment(stack, 'Compute', { kind, vpc });
    const template = Template.fromStack(stack);

    it(`is a managed ${type} environment`, () => {
      template.resourceCountIs('AWS::Batch::ComputeEnvironment', 1);
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        Type: 'managed',
        State: 'ENABLED',
        ComputeResources: Match.objectLike({ Type: type, MaxvCpus: 64 }),
      });
    });

    it(`reports kind ${kind} and platform ${platform}`, () => {
      expect(environment.kind).toBe(kind);
      expect(environment.platform).toBe(platform);
      expect(platformOf(kind)).toBe(platform);
    });

    it('runs in the private subnets only', () => {
      const resource = template.findResources('AWS::Batch::ComputeEnvironment')[logicalId(environment.computeEnvironment)];
      const subnets = resource.Properties.ComputeResources.Subnets;
      expect(subnets).toEqual(stack.resolve(vpc.privateSubnets.map((subnet) => subnet.subnetId)));
      for (const publicSubnet of stack.resolve(vpc.publicSubnets.map((subnet) => subnet.subnetId))) {
        expect(subnets).not.toContainEqual(publicSubnet);
      }
    });

    it('gets one security group with no inbound rules and all outbound traffic allowed', () => {
      template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
      template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        SecurityGroupIngress: Match.absent(),
        SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', IpProtocol: '-1' })],
      });
      template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    });

    it('leaves its name to CloudFormation', () => {
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeEnvironmentName: Match.absent() });
    });

    it('is never replaced by an update', () => {
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ReplaceComputeEnvironment: false });
    });

    it('takes a name, a vCPU ceiling, subnets and security groups', () => {
      const custom = newStackWithVpc();
      const group = new ec2.SecurityGroup(custom.stack, 'Group', { vpc: custom.vpc });
      new ComputeEnvironment(custom.stack, 'Compute', {
        kind,
        vpc: custom.vpc,
        computeEnvironmentName: 'my-compute',
        maxvCpus: 256,
        vpcSubnets: { subnets: [custom.vpc.privateSubnets[1]] },
        securityGroups: [group],
      });
      const customTemplate = Template.fromStack(custom.stack);
      customTemplate.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeEnvironmentName: 'my-compute',
        ComputeResources: Match.objectLike({
          MaxvCpus: 256,
          Subnets: [custom.stack.resolve(custom.vpc.privateSubnets[1].subnetId)],
          SecurityGroupIds: [custom.stack.resolve(group.securityGroupId)],
        }),
      });
      customTemplate.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    });

    it.each([0, -4, 2.5])('throws when maxvCpus is %p', (maxvCpus) => {
      const other = newStackWithVpc();
      expectValidationError(
        () => new ComputeEnvironment(other.stack, 'Compute', { kind, vpc: other.vpc, maxvCpus }),
        'compute environment Test/Compute',
        `maxvCpus must be a positive integer, got ${maxvCpus}`,
      );
    });
  });

  describe.each(EC2_KINDS)('of EC2 kind $kind', ({ kind }) => {
    const { stack, vpc } = newStackWithVpc();
    const environment = new ComputeEnvironment(stack, 'Compute', { kind, vpc });
    const template = Template.fromStack(stack);

    it('starts instances from a launch template that requires IMDSv2', () => {
      template.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
      template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
        LaunchTemplateData: Match.objectLike({ MetadataOptions: Match.objectLike({ HttpTokens: 'required' }) }),
      });
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({ LaunchTemplate: { LaunchTemplateId: stack.resolve(environment.launchTemplate!.launchTemplateId) } }),
      });
    });

    it('gives instances no public IP', () => {
      template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
        LaunchTemplateData: Match.objectLike({ NetworkInterfaces: Match.absent() }),
      });
    });

    it('encrypts every volume, as gp3, with a 30 GiB root by default', () => {
      const data = Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0].Properties.LaunchTemplateData;
      expect(data.BlockDeviceMappings).toEqual([{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 30 } }]);
    });

    it('sizes the root volume from rootVolumeSizeGiB', () => {
      const custom = newStackWithVpc();
      new ComputeEnvironment(custom.stack, 'Compute', { kind, vpc: custom.vpc, rootVolumeSizeGiB: 200 });
      Template.fromStack(custom.stack).hasResourceProperties('AWS::EC2::LaunchTemplate', {
        LaunchTemplateData: Match.objectLike({
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 200 } }],
        }),
      });
    });

    // AWS Batch User Guide, "Amazon ECS instance role": the documented setup attaches AmazonEC2ContainerServiceforEC2Role.
    it('runs instances as a role of its own with the AWS-managed ECS instance policy, and no policy of its own', () => {
      template.resourceCountIs('AWS::IAM::Role', 1);
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Action: 'sts:AssumeRole', Principal: { Service: 'ec2.amazonaws.com' } })],
        }),
        ManagedPolicyArns: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role']] },
        ],
      });
      expect(roleStatements(template, logicalId(environment.instanceRole!))).toEqual([]);
      template.hasResourceProperties('AWS::IAM::InstanceProfile', { Roles: [stack.resolve(environment.instanceRole!.roleName)] });
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({ InstanceRole: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ComputeInstanceProfile'), 'Arn'] } }),
      });
    });

    it('acknowledges the managed policy for cdk-nag with a reason, and nothing of the environment is found', () => {
      const ofEnvironment = new AwsSolutionsChecks()
        .validateScope(stack)
        .violations.filter((violation) => violation.violatingResources.some((resource) => resource.constructPath?.startsWith('Test/Compute/')));
      expect(ofEnvironment).toEqual([]);
      const acknowledged = environment.instanceRole!.node.metadata.filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((entry) => entry.data);
      expect(JSON.stringify(acknowledged)).toContain('AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]');
    });

    it('grants, when asked for the unverified scoped policy, the ECS agent its actions on AWS Batch clusters only, never a wildcard action', () => {
      const scoped = newStackWithVpc();
      const environment = new ComputeEnvironment(scoped.stack, 'Compute', { kind, vpc: scoped.vpc, instanceRolePolicy: InstanceRolePolicy.SCOPED_TO_BATCH_CLUSTERS });
      const template = Template.fromStack(scoped.stack);
      template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
      const statements = roleStatements(template, logicalId(environment.instanceRole!));
      expect(statements.map((statement) => statement.Sid).sort()).toEqual(['AgentSession', 'ClusterMembership', 'NoResourceType']);
      const cluster = statements.find((statement) => statement.Sid === 'ClusterMembership')!;
      expect(JSON.stringify(cluster.Resource)).toContain(':cluster/AWSBatch-*');
      const noResource = statements.find((statement) => statement.Sid === 'NoResourceType')!;
      expect([...noResource.Action].sort()).toEqual(['ec2:DescribeTags', 'ecr:GetAuthorizationToken', 'ecs:DiscoverPollEndpoint']);
      for (const action of statements.flatMap((statement) => statement.Action)) expect(action).not.toContain('*');
    });

    // AWS Batch User Guide, "Instance type compute table": default_x86_64 and default_arm64 (Graviton, no GPUs).
    it('uses the x86 default instance classes unless an architecture or instance types are given', () => {
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({ InstanceTypes: ['default_x86_64'] }),
      });
      expect(environment.architectures).toEqual([CpuArchitecture.X86_64]);
      expect(environment.hasGpus).toBe(false);
    });

    it('uses the Graviton default instance classes for ARM64', () => {
      const custom = newStackWithVpc();
      const arm = new ComputeEnvironment(custom.stack, 'Compute', { kind, vpc: custom.vpc, architecture: CpuArchitecture.ARM64 });
      Template.fromStack(custom.stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({ InstanceTypes: ['default_arm64'] }),
      });
      expect(arm.architectures).toEqual([CpuArchitecture.ARM64]);
    });

    it('launches the instance types given, and reads their architecture and GPUs', () => {
      const custom = newStackWithVpc();
      const graviton = new ComputeEnvironment(custom.stack, 'Compute', {
        kind,
        vpc: custom.vpc,
        instanceTypes: [new ec2.InstanceType('c7g.large'), new ec2.InstanceType('m7g.xlarge')],
      });
      Template.fromStack(custom.stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({ InstanceTypes: ['c7g.large', 'm7g.xlarge'] }),
      });
      expect(graviton.architectures).toEqual([CpuArchitecture.ARM64]);
      expect(graviton.hasGpus).toBe(false);
      const gpu = newStackWithVpc();
      const withGpus = new ComputeEnvironment(gpu.stack, 'Compute', { kind, vpc: gpu.vpc, instanceTypes: [new ec2.InstanceType('g5.2xlarge')] });
      expect(withGpus.architectures).toEqual([CpuArchitecture.X86_64]);
      expect(withGpus.hasGpus).toBe(true);
    });

    // AWS Batch API Reference, ComputeResource: "the instance types … must share the same architecture".
    it('throws when instance types mix architectures', () => {
      const custom = newStackWithVpc();
      expectValidationError(
        () => new ComputeEnvironment(custom.stack, 'Compute', { kind, vpc: custom.vpc, instanceTypes: [new ec2.InstanceType('c7g.large'), new ec2.InstanceType('c7i.large')] }),
        'instanceTypes must share one CPU architecture, got c7g.large (ARM64), c7i.large (X86_64)',
      );
    });

    it('throws when architecture contradicts the instance types', () => {
      const custom = newStackWithVpc();
      expectValidationError(
        () => new ComputeEnvironment(custom.stack, 'Compute', { kind, vpc: custom.vpc, architecture: CpuArchitecture.ARM64, instanceTypes: [new ec2.InstanceType('c7i.large')] }),
        'architecture is ARM64, but instanceTypes are X86_64',
      );
    });
  });

  it('allocates EC2 Spot instances price-capacity-optimized', () => {
    const { stack, vpc } = newStackWithVpc();
    new ComputeEnvironment(stack, 'Compute', { kind: ComputeKind.EC2_SPOT, vpc });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'SPOT', AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED' }),
    });
  });

  it('allocates EC2 on-demand instances best-fit-progressive', () => {
    const { stack, vpc } = newStackWithVpc();
    new ComputeEnvironment(stack, 'Compute', { kind: ComputeKind.EC2, vpc });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'EC2', AllocationStrategy: 'BEST_FIT_PROGRESSIVE' }),
    });
  });

  describe.each(FARGATE_KINDS)('of Fargate kind $kind', ({ kind }) => {
    it('makes no launch template and no instance role', () => {
      const { stack, vpc } = newStackWithVpc();
      const environment = new ComputeEnvironment(stack, 'Compute', { kind, vpc });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::EC2::LaunchTemplate', 0);
      template.resourceCountIs('AWS::IAM::Role', 0);
      expect(environment.launchTemplate).toBeUndefined();
      expect(environment.instanceRole).toBeUndefined();
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({ InstanceRole: Match.absent(), AllocationStrategy: Match.absent() }),
      });
    });

    it('throws when instanceTypes are given', () => {
      const { stack, vpc } = newStackWithVpc();
      expectValidationError(
        () => new ComputeEnvironment(stack, 'Compute', { kind, vpc, instanceTypes: [new ec2.InstanceType('c7g.large')] }),
        'compute environment Test/Compute',
        `apply to EC2 kinds only, not ${kind}`,
      );
    });

    it('throws when rootVolumeSizeGiB is given', () => {
      const { stack, vpc } = newStackWithVpc();
      expectValidationError(() => new ComputeEnvironment(stack, 'Compute', { kind, vpc, rootVolumeSizeGiB: 100 }), 'rootVolumeSizeGiB apply to EC2 kinds only');
    });

    it('throws when an architecture or instance role policy is given', () => {
      const { stack, vpc } = newStackWithVpc();
      expectValidationError(
        () => new ComputeEnvironment(stack, 'Compute', { kind, vpc, architecture: CpuArchitecture.ARM64, instanceRolePolicy: InstanceRolePolicy.AWS_MANAGED }),
        'architecture and instanceRolePolicy apply to EC2 kinds only',
      );
    });
  });

  // AWS Fargate Developer Guide, "Fargate capacity providers": Linux ARM64 is not supported on Fargate Spot.
  it('runs both architectures on Fargate, X86_64 only on Fargate Spot, and no GPUs on either', () => {
    const { stack, vpc } = newStackWithVpc();
    const fargate = new ComputeEnvironment(stack, 'Fargate', { kind: ComputeKind.FARGATE, vpc });
    const spot = new ComputeEnvironment(stack, 'Spot', { kind: ComputeKind.FARGATE_SPOT, vpc });
    expect(fargate.architectures).toEqual([CpuArchitecture.X86_64, CpuArchitecture.ARM64]);
    expect(spot.architectures).toEqual([CpuArchitecture.X86_64]);
    expect([fargate.hasGpus, spot.hasGpus]).toEqual([false, false]);
  });
});

describe('instance type names', () => {
  it.each(['c7g.4xlarge', 'c7g', 'm6gd.large', 'c7gn.xlarge', 'g5g.xlarge', 'x2gd.large', 'im4gn.large', 'is4gen.large', 'a1.large', 't4g.micro', 'r8g.large'])(
    '%s is Graviton (ARM64)',
    (type) => expect(isArm64InstanceType(type)).toBe(true),
  );

  it.each(['c7i.large', 'm6i', 'g4dn.xlarge', 'g5.2xlarge', 'p4d.24xlarge', 'r7iz.large', 'c7a.large', 'm7i-flex.large', 'inf2.xlarge', 'u7i-12tb.224xlarge'])(
    '%s is x86',
    (type) => expect(isArm64InstanceType(type)).toBe(false),
  );

  // AWS Batch User Guide, "Use GPU workloads on AWS Batch": NVIDIA GPU families.
  it.each(['g4dn.xlarge', 'g5.2xlarge', 'g5g.xlarge', 'g6', 'g6e.xlarge', 'gr6.4xlarge', 'p3.2xlarge', 'p4d.24xlarge', 'p5.48xlarge'])('%s has GPUs', (type) => {
    expect(hasGpus(type)).toBe(true);
  });

  it.each(['c7g.4xlarge', 'm6i.large', 'g4ad.xlarge', 'inf2.xlarge', 'trn1.2xlarge', 'default_x86_64', 'optimal'])('%s has no GPUs Batch can reserve', (type) => {
    expect(hasGpus(type)).toBe(false);
  });
});
