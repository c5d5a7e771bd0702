import { Template, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ComputeEnvironment, ComputeKind, JobPlatform, platformOf } from '../../lib';
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

    it('runs instances as a role of its own with no AWS-managed policies', () => {
      template.resourceCountIs('AWS::IAM::Role', 1);
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Action: 'sts:AssumeRole', Principal: { Service: 'ec2.amazonaws.com' } })],
        }),
        ManagedPolicyArns: Match.absent(),
      });
      template.hasResourceProperties('AWS::IAM::InstanceProfile', { Roles: [stack.resolve(environment.instanceRole!.roleName)] });
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({ InstanceRole: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ComputeInstanceProfile'), 'Arn'] } }),
      });
    });

    it('grants the ECS agent its actions on AWS Batch clusters only, never a wildcard action', () => {
      const statements = roleStatements(template, logicalId(environment.instanceRole!));
      expect(statements.map((statement) => statement.Sid).sort()).toEqual(['AgentSession', 'ClusterMembership', 'NoResourceType']);
      const cluster = statements.find((statement) => statement.Sid === 'ClusterMembership')!;
      expect(JSON.stringify(cluster.Resource)).toContain(':cluster/AWSBatch-*');
      const noResource = statements.find((statement) => statement.Sid === 'NoResourceType')!;
      expect([...noResource.Action].sort()).toEqual(['ec2:DescribeTags', 'ecr:GetAuthorizationToken', 'ecs:DiscoverPollEndpoint']);
      for (const action of statements.flatMap((statement) => statement.Action)) expect(action).not.toContain('*');
    });

    it('uses the ARM64 default instance classes unless instance types are given', () => {
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({ InstanceTypes: ['default_arm64'] }),
      });
      const custom = newStackWithVpc();
      new ComputeEnvironment(custom.stack, 'Compute', {
        kind,
        vpc: custom.vpc,
        instanceTypes: [new ec2.InstanceType('c7g.large'), new ec2.InstanceType('m7g.xlarge')],
      });
      Template.fromStack(custom.stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({ InstanceTypes: ['c7g.large', 'm7g.xlarge'] }),
      });
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
      expectValidationError(
        () => new ComputeEnvironment(stack, 'Compute', { kind, vpc, rootVolumeSizeGiB: 100 }),
        'instanceTypes and rootVolumeSizeGiB apply to EC2 kinds only',
      );
    });
  });
});
