import { BatchClient, DescribeJobDefinitionsCommand, ListJobsCommand, SubmitJobCommand, SubmitJobCommandInput } from '@aws-sdk/client-batch';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createHandler } from '../../lambda/handlers/submit';
import { IDEMPOTENCY_TAG } from '../../lambda/core/submit';
import type { AttemptLedger, IdempotencyGateway } from '../../lambda/core/ports';
import { InvalidRequestError } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { expectRejection } from '../support/errors';

const batch = mockClient(BatchClient);
const s3 = mockClient(S3Client);
const JOB_ID = '0f6ad6c4-3c1b-4d3a-9a57-5b8b0f7f3c21';

/** Runs the work every time: these tests look at what is submitted, not at what is remembered. */
const passThrough: IdempotencyGateway = { once: (_key, _request, work) => work() };
/** A ledger with no earlier attempt, that records nothing. */
const noAttempts: AttemptLedger = { latest: () => Promise.resolve(undefined), begin: () => Promise.resolve(), settle: () => Promise.resolve() };

const handler = () =>
  createHandler({
    config: new RuntimeConfig(
      encodeConfig({
        jobDefinitions: {
          report: { definition: 'pendant-report:2', platform: 'EC2' },
          // A main node 0 and an open range "1:" over 3 nodes, as MultiNodeJobDefinition writes it.
          mpi: {
            definition: 'pendant-mpi:1',
            platform: 'EC2',
            nodes: { mainNode: 0, numNodes: 3, openRangeStart: 1 },
            overrides: { command: true, environment: ['ROLE'], maxVcpus: 4, maxMemoryMebibytes: 8192 },
          },
          fixed: { definition: 'pendant-fixed:1', platform: 'EC2', nodes: { mainNode: 1, numNodes: 2 } },
        },
        jobQueues: [{ queue: 'ec2-queue', platform: 'EC2', fairShare: false }],
      }),
    ),
    idempotency: passThrough,
    attempts: noAttempts,
    now: () => new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
  });

function submitted(): SubmitJobCommandInput {
  expect(batch).toHaveReceivedCommandTimes(SubmitJobCommand, 1);
  return batch.commandCalls(SubmitJobCommand)[0].args[0].input;
}

function expectNothingSent(): void {
  expect(batch).not.toHaveReceivedAnyCommand();
  expect(s3).not.toHaveReceivedAnyCommand();
}

beforeEach(() => {
  batch.reset();
  s3.reset();
  s3.on(HeadObjectCommand).resolves({});
  batch.on(ListJobsCommand).resolves({ jobSummaryList: [] });
  batch.on(DescribeJobDefinitionsCommand).resolves({ jobDefinitions: [] });
  batch.on(SubmitJobCommand).callsFake((input: SubmitJobCommandInput) => ({ jobId: JOB_ID, jobName: input.jobName, jobArn: `arn:aws:batch:us-east-1:123456789012:job/${JOB_ID}` }));
});

describe('Function: submit › tags, retry strategy and timeout', () => {
  it('passes tags, propagateTags, retryStrategy and timeout to SubmitJob in its own shape', async () => {
    await handler()({
      jobDefinition: 'report',
      tags: { team: 'genomics', 'cost-centre': '42' },
      propagateTags: true,
      retryStrategy: { attempts: 2, evaluateOnExit: [{ action: 'retry', onStatusReason: 'Host EC2*' }, { action: 'EXIT', onExitCode: '*' }] },
      timeout: { attemptDurationSeconds: 3600 },
    });

    expect(submitted()).toMatchObject({
      tags: { team: 'genomics', 'cost-centre': '42' },
      propagateTags: true,
      retryStrategy: { attempts: 2, evaluateOnExit: [{ action: 'RETRY', onStatusReason: 'Host EC2*' }, { action: 'EXIT', onExitCode: '*' }] },
      timeout: { attemptDurationSeconds: 3600 },
    });
  });

  it('sends none of them when the request has none', async () => {
    await handler()({ jobDefinition: 'report' });

    for (const field of ['tags', 'propagateTags', 'retryStrategy', 'timeout', 'nodeOverrides']) expect(submitted()).not.toHaveProperty(field);
  });

  it("keeps pendant's idempotency tag beside the caller's on a keyed submission", async () => {
    await handler()({ jobDefinition: 'report', idempotencyKey: 'run-1', tags: { team: 'genomics' } });

    expect(submitted().tags).toEqual({ team: 'genomics', [IDEMPOTENCY_TAG]: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  // AWS Batch API Reference, SubmitJob: tags holds at most 50; a keyed job already carries pendant's own tag.
  it("throws InvalidRequestError when the caller's tags and pendant's pass 50, before any AWS call", async () => {
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`k${index}`, 'v']));
    await expectRejection(
      handler()({ jobDefinition: 'report', idempotencyKey: 'run-1', tags }),
      InvalidRequestError,
      'invalid request: tags: a job carries at most 50 tags and pendant adds 1 of its own to this one, so at most 49 may be given, got 50 [max-items]',
    );
    expectNothingSent();
  });

  it('takes 50 tags on a submission without a key', async () => {
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`k${index}`, 'v']));
    await handler()({ jobDefinition: 'report', tags });

    expect(Object.keys(submitted().tags!)).toHaveLength(50);
  });
});

describe('Function: submit › multi-node parallel jobs', () => {
  it('passes nodeOverrides in Batch\'s shape, with the instance type of a range', async () => {
    await handler()({
      jobDefinition: 'mpi',
      nodeOverrides: {
        numNodes: 4,
        nodePropertyOverrides: [
          { targetNodes: '0', containerOverrides: { command: ['main'], instanceType: 'c5.large' } },
          { targetNodes: '1:', containerOverrides: { environment: { ROLE: 'worker' }, vcpus: 2, memoryMiB: 4096 } },
        ],
      },
    });

    expect(submitted()).toMatchObject({
      jobDefinition: 'pendant-mpi:1',
      nodeOverrides: {
        numNodes: 4,
        nodePropertyOverrides: [
          { targetNodes: '0', containerOverrides: { command: ['main'], instanceType: 'c5.large' } },
          {
            targetNodes: '1:',
            containerOverrides: {
              environment: [{ name: 'ROLE', value: 'worker' }],
              resourceRequirements: [
                { type: 'VCPU', value: '2' },
                { type: 'MEMORY', value: '4096' },
              ],
            },
          },
        ],
      },
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'nodeOverrides on a single-node definition',
      { jobDefinition: 'report', nodeOverrides: { numNodes: 2 } },
      'nodeOverrides: applies to multi-node parallel jobs only; job definition report runs a single node, so use containerOverrides [multi-node]',
    ],
    [
      'containerOverrides on a multi-node definition',
      { jobDefinition: 'mpi', containerOverrides: { command: ['x'] } },
      'containerOverrides: job definition mpi is multi-node parallel: override containers per node range with nodeOverrides.nodePropertyOverrides [multi-node]',
    ],
    // AWS Batch API Reference, NodeOverrides: numNodes needs a node range with an open upper boundary, and must exceed
    // its lower boundary and the main node's index.
    [
      'numNodes on a definition without an open node range',
      { jobDefinition: 'fixed', nodeOverrides: { numNodes: 4 } },
      'nodeOverrides.numNodes: needs a node range with an open end (such as "1:"), and job definition fixed has none [open-range]',
    ],
    [
      'numNodes not above the open range\'s start',
      { jobDefinition: 'mpi', nodeOverrides: { numNodes: 1 } },
      'nodeOverrides.numNodes: must exceed the main node\'s index (0) and the start of the open node range (1) of job definition mpi, got 1 [range]',
    ],
    [
      "a node range's override the definition does not allow",
      { jobDefinition: 'mpi', nodeOverrides: { nodePropertyOverrides: [{ targetNodes: '1:', containerOverrides: { environment: { LD_PRELOAD: 'x' } } }] } },
      'nodeOverrides.nodePropertyOverrides[0].containerOverrides.environment.LD_PRELOAD: is not an environment variable job definition mpi lets callers set; allowed: ROLE [not-allowed]',
    ],
    [
      'a node range past the last node',
      { jobDefinition: 'mpi', nodeOverrides: { nodePropertyOverrides: [{ targetNodes: '3:' }] } },
      'nodeOverrides.nodePropertyOverrides[0].targetNodes: starts at node 3, but the job\'s nodes are 0 to 2 [range]',
    ],
  ])('throws InvalidRequestError for %s, before any AWS call', async (_, request, message) => {
    await expectRejection(handler()(request), InvalidRequestError, `invalid request: ${message}`);
    expectNothingSent();
  });
});
