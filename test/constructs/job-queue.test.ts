import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ComputeEnvironment, ComputeKind, JobPlatform, JobQueue } from '../../lib';
import { MAX_COMPUTE_ENVIRONMENTS_PER_QUEUE } from '../../lib/job-queue';
import { expectValidationError, logicalId, newStackWithVpc } from './helpers';

jest.setTimeout(30_000);

/** A stack with one compute environment of each kind, named after the kind. */
function fixture(): { stack: Stack; vpc: ec2.Vpc; compute: Record<ComputeKind, ComputeEnvironment> } {
  const { stack, vpc } = newStackWithVpc();
  const compute = {} as Record<ComputeKind, ComputeEnvironment>;
  for (const kind of Object.values(ComputeKind)) compute[kind] = new ComputeEnvironment(stack, kind, { kind, vpc });
  return { stack, vpc, compute };
}

function environmentArn(environment: ComputeEnvironment): unknown {
  return { 'Fn::GetAtt': [logicalId(environment.computeEnvironment), 'ComputeEnvironmentArn'] };
}

const DEFAULT_ACTIONS = [
  { Action: 'CANCEL', State: 'RUNNABLE', Reason: 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE', MaxTimeSeconds: 1800 },
  { Action: 'CANCEL', State: 'RUNNABLE', Reason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', MaxTimeSeconds: 1800 },
  { Action: 'CANCEL', State: 'RUNNABLE', Reason: 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY', MaxTimeSeconds: 14400 },
];

describe('JobQueue', () => {
  describe('with defaults', () => {
    const { stack, compute } = fixture();
    const queue = new JobQueue(stack, 'Queue', { computeEnvironments: [compute.FARGATE_SPOT, compute.FARGATE] });
    const template = Template.fromStack(stack);

    it('tries the compute environments in the order given', () => {
      template.resourceCountIs('AWS::Batch::JobQueue', 1);
      template.hasResourceProperties('AWS::Batch::JobQueue', {
        ComputeEnvironmentOrder: [
          { ComputeEnvironment: environmentArn(compute.FARGATE_SPOT), Order: 1 },
          { ComputeEnvironment: environmentArn(compute.FARGATE), Order: 2 },
        ],
      });
    });

    it('has priority 1, is enabled and schedules first in, first out', () => {
      template.hasResourceProperties('AWS::Batch::JobQueue', { Priority: 1, State: 'ENABLED', SchedulingPolicyArn: Match.absent() });
      template.resourceCountIs('AWS::Batch::SchedulingPolicy', 0);
    });

    it('cancels jobs stuck in RUNNABLE: 30 minutes when misconfigured, 4 hours without capacity', () => {
      template.hasResourceProperties('AWS::Batch::JobQueue', { JobStateTimeLimitActions: DEFAULT_ACTIONS });
    });

    it('leaves its name to CloudFormation', () => {
      template.hasResourceProperties('AWS::Batch::JobQueue', { JobQueueName: Match.absent() });
    });

    it('exposes its platform, environments, ARN and name', () => {
      expect(queue.platform).toBe(JobPlatform.FARGATE);
      // aws-cdk-lib's IJobQueue shape: the L2 environments with Batch's order, the cheapest first.
      expect(queue.computeEnvironments).toEqual([
        { computeEnvironment: compute.FARGATE_SPOT.computeEnvironment, order: 1 },
        { computeEnvironment: compute.FARGATE.computeEnvironment, order: 2 },
      ]);
      expect(stack.resolve(queue.jobQueueArn)).toEqual({ 'Fn::GetAtt': [logicalId(queue.jobQueue), 'JobQueueArn'] });
      expect(JSON.stringify(stack.resolve(queue.jobQueueName))).toContain(`"${logicalId(queue.jobQueue)}","JobQueueArn"`);
    });
  });

  it('runs EC2 jobs on EC2 Spot before EC2 on-demand', () => {
    const { stack, compute } = fixture();
    const queue = new JobQueue(stack, 'Queue', { computeEnvironments: [compute.EC2_SPOT, compute.EC2] });
    expect(queue.platform).toBe(JobPlatform.EC2);
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobQueue', {
      ComputeEnvironmentOrder: [
        { ComputeEnvironment: environmentArn(compute.EC2_SPOT), Order: 1 },
        { ComputeEnvironment: environmentArn(compute.EC2), Order: 2 },
      ],
    });
  });

  it('holds up to three compute environments of one platform', () => {
    const { stack, vpc } = newStackWithVpc();
    const environments = [1, 2, 3].map((n) => new ComputeEnvironment(stack, `Fargate${n}`, { kind: ComputeKind.FARGATE, vpc }));
    new JobQueue(stack, 'Queue', { computeEnvironments: environments });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobQueue', {
      ComputeEnvironmentOrder: environments.map((environment, index) => ({ ComputeEnvironment: environmentArn(environment), Order: index + 1 })),
    });
  });

  it('takes a priority and a name', () => {
    const { stack, compute } = fixture();
    new JobQueue(stack, 'Queue', { computeEnvironments: [compute.FARGATE], priority: 50, jobQueueName: 'urgent' });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobQueue', { Priority: 50, JobQueueName: 'urgent' });
  });

  it('schedules by fair share when given a fair-share policy', () => {
    const { stack, compute } = fixture();
    const queue = new JobQueue(stack, 'Queue', {
      computeEnvironments: [compute.FARGATE],
      fairShare: {
        shareDecay: Duration.hours(1),
        computeReservation: 25,
        shares: [
          { shareIdentifier: 'teamA', weightFactor: 1 },
          { shareIdentifier: 'teamB', weightFactor: 0.5 },
        ],
      },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Batch::SchedulingPolicy', 1);
    template.hasResourceProperties('AWS::Batch::SchedulingPolicy', {
      FairsharePolicy: {
        ShareDecaySeconds: 3600,
        ComputeReservation: 25,
        ShareDistribution: [
          { ShareIdentifier: 'teamA', WeightFactor: 1 },
          { ShareIdentifier: 'teamB', WeightFactor: 0.5 },
        ],
      },
    });
    const policy = queue.node.findChild('SchedulingPolicy');
    template.hasResourceProperties('AWS::Batch::JobQueue', { SchedulingPolicyArn: { 'Fn::GetAtt': [logicalId(policy), 'Arn'] } });
  });

  it('cancels stuck jobs after the given time limits', () => {
    const { stack, compute } = fixture();
    new JobQueue(stack, 'Queue', {
      computeEnvironments: [compute.EC2],
      misconfiguredJobTimeLimit: Duration.minutes(10),
      insufficientCapacityTimeLimit: Duration.hours(24),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobQueue', {
      JobStateTimeLimitActions: [
        { ...DEFAULT_ACTIONS[0], MaxTimeSeconds: 600 },
        { ...DEFAULT_ACTIONS[1], MaxTimeSeconds: 600 },
        { ...DEFAULT_ACTIONS[2], MaxTimeSeconds: 86400 },
      ],
    });
  });

  it('leaves stuck jobs alone when cancelStuckJobs is false', () => {
    const { stack, compute } = fixture();
    new JobQueue(stack, 'Queue', { computeEnvironments: [compute.FARGATE], cancelStuckJobs: false });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobQueue', { JobStateTimeLimitActions: Match.absent() });
  });

  it(`throws when given more than ${MAX_COMPUTE_ENVIRONMENTS_PER_QUEUE} compute environments`, () => {
    const { stack, vpc } = newStackWithVpc();
    const environments = [1, 2, 3, 4].map((n) => new ComputeEnvironment(stack, `Fargate${n}`, { kind: ComputeKind.FARGATE, vpc }));
    expectValidationError(
      () => new JobQueue(stack, 'Queue', { computeEnvironments: environments }),
      'job queue Test/Queue: computeEnvironments must hold 1 to 3 compute environments, got 4',
    );
  });

  it('throws when given no compute environment', () => {
    const { stack } = newStackWithVpc();
    expectValidationError(
      () => new JobQueue(stack, 'Queue', { computeEnvironments: [] }),
      'job queue Test/Queue: computeEnvironments must hold 1 to 3 compute environments, got 0',
    );
  });

  it.each([
    [ComputeKind.FARGATE, ComputeKind.EC2],
    [ComputeKind.FARGATE_SPOT, ComputeKind.EC2_SPOT],
    [ComputeKind.EC2_SPOT, ComputeKind.FARGATE],
  ])('throws when mixing %s and %s compute environments', (first, second) => {
    const { stack, compute } = fixture();
    expectValidationError(
      () => new JobQueue(stack, 'Queue', { computeEnvironments: [compute[first], compute[second]] }),
      'job queue Test/Queue: computeEnvironments must not mix EC2 and Fargate',
      `${first} (${first}), ${second} (${second})`,
      'make one queue per platform',
    );
  });

  it.each([
    ['misconfiguredJobTimeLimit', Duration.minutes(9), '9 minutes'],
    ['misconfiguredJobTimeLimit', Duration.hours(25), '1 day 1 hour'],
    ['insufficientCapacityTimeLimit', Duration.seconds(599), '9 minutes 59 seconds'],
    ['insufficientCapacityTimeLimit', Duration.days(2), '2 days'],
  ] as const)('throws when %s is %s', (prop, limit, shown) => {
    const { stack, compute } = fixture();
    expectValidationError(
      () => new JobQueue(stack, 'Queue', { computeEnvironments: [compute.FARGATE], [prop]: limit }),
      `job queue Test/Queue: ${prop} must be between 10 minutes and 24 hours, got ${shown}`,
    );
  });
});
