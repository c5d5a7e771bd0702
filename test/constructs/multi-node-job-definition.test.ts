import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Size } from 'aws-cdk-lib';
import { BatchPlatform, ComputeKind, MultiNodeJobDefinition, Parameter } from '../../lib';
import { ENV } from '../../lib/model/config';
import { functionConfig } from '../../lambda/aws/environment';
import { expectValidationError, IMAGE, logicalId, newStack, stagedAssetDirectory } from './helpers';

const FARGATE_QUEUE = { id: 'FargateQueue', compute: [ComputeKind.FARGATE] };
const EC2_QUEUE = { id: 'Ec2Queue', compute: [ComputeKind.EC2] };

describe('MultiNodeJobDefinition', () => {
  it("renders aws-cdk-lib's multinode definition: EC2, the main node, each range's container and typed parameter defaults", () => {
    const stack = newStack();
    const definition = new MultiNodeJobDefinition(stack, 'Mpi', {
      name: 'mpi',
      mainNode: 0,
      instanceType: new ec2.InstanceType('c5.xlarge'),
      nodeRanges: [
        { startNode: 0, endNode: 0, image: IMAGE, command: ['main', 'Ref::input'] },
        { startNode: 1, endNode: 3, image: IMAGE, command: ['worker'], vcpus: 2, memory: Size.gibibytes(4) },
      ],
      parameters: { input: Parameter.string({ default: 'a' }) },
    });

    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobDefinition', {
      Type: 'multinode',
      PlatformCapabilities: ['EC2'],
      Parameters: { input: 'a' },
      NodeProperties: {
        MainNode: 0,
        NumNodes: 4,
        NodeRangeProperties: [
          Match.objectLike({ TargetNodes: '0:0', Container: Match.objectLike({ Command: ['main', 'Ref::input'], InstanceType: 'c5.xlarge', ReadonlyRootFilesystem: true }) }),
          Match.objectLike({ TargetNodes: '1:3', Container: Match.objectLike({ Command: ['worker'] }) }),
        ],
      },
    });
    expect(definition._layout).toEqual({ mainNode: 0, numNodes: 4 });
  });

  it('leaves the last range open-ended when asked, so a submission may set numNodes', () => {
    const stack = newStack();
    const definition = new MultiNodeJobDefinition(stack, 'Mpi', {
      name: 'mpi',
      openLastRange: true,
      nodeRanges: [
        { startNode: 0, endNode: 0, image: IMAGE },
        { startNode: 1, endNode: 2, image: IMAGE },
      ],
    });

    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobDefinition', {
      NodeProperties: Match.objectLike({ NodeRangeProperties: [Match.objectLike({ TargetNodes: '0:0' }), Match.objectLike({ TargetNodes: '1:' })] }),
    });
    expect(definition._layout).toEqual({ mainNode: 0, numNodes: 3, openRangeStart: 1 });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no ranges', { nodeRanges: [] }, 'nodeRanges must hold at least one range'],
    ['a gap between ranges', { nodeRanges: [{ startNode: 0, endNode: 0, image: IMAGE }, { startNode: 2, endNode: 3, image: IMAGE }] }, 'the range starting at 2 should start at node 1'],
    ['ranges not starting at 0', { nodeRanges: [{ startNode: 1, endNode: 2, image: IMAGE }] }, 'should start at node 0'],
    ['a range ending before it starts', { nodeRanges: [{ startNode: 0, endNode: -1, image: IMAGE }] }, 'its end not before its start'],
    ['six ranges', { nodeRanges: Array.from({ length: 6 }, (_, index) => ({ startNode: index, endNode: index, image: IMAGE })) }, 'at most 5 nodeRanges'],
    ['a main node outside the ranges', { mainNode: 2, nodeRanges: [{ startNode: 0, endNode: 1, image: IMAGE }] }, 'mainNode must be a node of the ranges, 0 to 1, got 2'],
    ['an undeclared placeholder', { nodeRanges: [{ startNode: 0, endNode: 0, image: IMAGE, command: ['run', 'Ref::x'] }] }, 'Ref::x, but x is not a declared parameter'],
    ['11 attempts', { retryAttempts: 11, nodeRanges: [{ startNode: 0, endNode: 0, image: IMAGE }] }, 'retryAttempts must be an integer from 1 to 10'],
  ])('throws ValidationError for %s', (_, props, message) => {
    const stack = newStack();
    expectValidationError(() => new MultiNodeJobDefinition(stack, 'Mpi', { name: 'mpi', ...(props as { nodeRanges: [] }) }), message);
  });
});

describe('BatchPlatform with multi-node job definitions', () => {
  const mpi = { name: 'mpi', openLastRange: true, nodeRanges: [{ startNode: 0, endNode: 1, image: IMAGE, command: ['run', 'Ref::input'] }], parameters: { input: Parameter.string() } };

  // AWS Batch User Guide, "Create a multi-node parallel job definition": AWS Fargate doesn't support multi-node
  // parallel jobs.
  it('throws ValidationError naming the AWS rule when every queue runs on Fargate', () => {
    const stack = newStack();
    expectValidationError(
      () => new BatchPlatform(stack, 'Platform', { jobQueues: [FARGATE_QUEUE], multiNodeJobDefinitions: [mpi] }),
      'multi-node job definition "mpi" runs on EC2 only',
      "AWS Fargate doesn't support multi-node parallel jobs",
      'add a queue of EC2 compute',
    );
  });

  it('throws ValidationError when a multi-node definition has the name of a single-node one', () => {
    const stack = newStack();
    expectValidationError(
      () =>
        new BatchPlatform(stack, 'Platform', {
          jobQueues: [EC2_QUEUE],
          jobDefinitions: [{ name: 'mpi', image: IMAGE, command: ['run'], platform: undefined }],
          multiNodeJobDefinitions: [mpi],
        }),
      'job definition "mpi" is declared twice',
    );
  });

  it("declares it on the platform's log group and execution role, tells submit its nodes, and lets submit use it", () => {
    const stack = newStack();
    const platform = new BatchPlatform(stack, 'Platform', { jobQueues: [FARGATE_QUEUE, EC2_QUEUE], multiNodeJobDefinitions: [mpi] });
    const template = Template.fromStack(stack);

    const [definition] = platform.multiNodeJobDefinitions;
    expect(definition.logGroup).toBe(platform.jobLogGroup);
    expect(definition.executionRole).toBe(platform.executionRole);
    const config = functionConfig(stagedAssetDirectory(stack, logicalId(platform.runtime.submitFunction)), { [ENV.JOB_QUEUES]: '["f","e"]', [ENV.JOB_DEFINITION_REVISIONS]: 'mpi=1' });
    expect(config.jobDefinitions.get('mpi')).toMatchObject({ platform: 'EC2', nodes: { mainNode: 0, numNodes: 2, openRangeStart: 0 } });
    // The submit role may submit any revision of the definition.
    const policies = template.findResources('AWS::IAM::Policy');
    const submitStatements = Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>);
    const submitResources = JSON.stringify(submitStatements.filter((statement) => JSON.stringify(statement.Action).includes('batch:SubmitJob')).map((statement) => statement.Resource));
    expect(submitResources).toContain(`job-definition/${definition.physicalName}:*`);
  });
});
