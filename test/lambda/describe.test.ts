import { BatchClient, DescribeJobDefinitionsCommand } from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createHandler } from '../../lambda/handlers/describe';
import { InvalidRequestError, JobDefinitionDescription, UnknownJobDefinitionError } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { Parameter } from '../../lib/model/parameters';
import { expectRejection } from '../support/errors';

const batch = mockClient(BatchClient);

const QUEUE_ARN = 'arn:aws:batch:us-east-1:123456789012:job-queue/pendant-fargate';

/** As the constructs write it: declarations, the deployed revisions apart, queues with their platform and scheduling. */
function config(): RuntimeConfig {
  return new RuntimeConfig(
    encodeConfig({
      jobDefinitions: {
        align: {
          definition: 'pendant-align',
          revision: '7',
          platform: 'FARGATE',
          parameters: {
            input: Parameter.s3Object({ mustExist: true, within: ['s3://pendant-inputs/reads/'], description: 'the reads to align' }),
            threads: Parameter.integer({ default: 4, min: 1, max: 64 }),
            mates: Parameter.s3Objects({ default: ['s3://pendant-inputs/reads/a.fq'], maxItems: 4 }),
          },
          overrides: { command: true, maxVcpus: 4 },
        },
        // By name only: its revision is Batch's latest ACTIVE one.
        'align-latest': { definition: 'pendant-align-latest', platform: 'FARGATE' },
        gpu: { definition: 'pendant-gpu:2', platform: 'EC2' },
      },
      jobQueues: [
        { queue: QUEUE_ARN, platform: 'FARGATE', fairShare: false },
        { queue: 'pendant-fair', platform: 'FARGATE', fairShare: true },
        { queue: 'pendant-gpu', platform: 'EC2', fairShare: false },
      ],
    }),
  );
}

beforeEach(() => {
  batch.reset();
});

describe('Function: describe', () => {
  it('lists the declared job definitions when the request names none, without calling AWS', async () => {
    const response = await createHandler({ config: config() })({});

    expect(response).toEqual({ jobDefinitions: ['align', 'align-latest', 'gpu'] });
    expect(batch.calls()).toHaveLength(0);
  });

  it('describes a declared definition: parameters with kind, required, default and what a value must be; deployed revision, platform, overrides and its queues', async () => {
    const response = await createHandler({ config: config() })({ jobDefinition: 'align' });

    expect(response).toEqual({
      jobDefinition: 'align',
      physicalName: 'pendant-align',
      revision: 7,
      revisionSource: 'deployed',
      platform: 'FARGATE',
      parameters: [
        { name: 'input', kind: 's3-object', required: true, accepts: 'an S3 object URI', description: 'the reads to align' },
        { name: 'threads', kind: 'integer', required: false, default: 4, accepts: 'an integer between 1 and 64' },
        { name: 'mates', kind: 's3-objects', required: false, default: ['s3://pendant-inputs/reads/a.fq'], accepts: 'a list of 1 to 4 S3 object URIs' },
      ],
      overrides: { command: true, maxVcpus: 4 },
      jobQueues: [
        { name: 'pendant-fargate', default: true, fairShare: false },
        { name: 'pendant-fair', default: false, fairShare: true },
      ],
    } satisfies JobDefinitionDescription);
    expect(batch.calls()).toHaveLength(0);
  });

  it("lists only the queues of the definition's platform: an EC2 definition is not sent to the default Fargate queue", async () => {
    const response = (await createHandler({ config: config() })({ jobDefinition: 'gpu' })) as JobDefinitionDescription;

    expect(response.jobQueues).toEqual([{ name: 'pendant-gpu', default: false, fairShare: false }]);
    expect(response).toMatchObject({ revision: 2, revisionSource: 'deployed', parameters: [], overrides: {} });
  });

  it('answers the latest ACTIVE revision from DescribeJobDefinitions for a definition configured by name only', async () => {
    batch.on(DescribeJobDefinitionsCommand).resolves({ jobDefinitions: [{ jobDefinitionName: 'pendant-align-latest', jobDefinitionArn: 'a', type: 'container', revision: 3 }, { jobDefinitionName: 'pendant-align-latest', jobDefinitionArn: 'b', type: 'container', revision: 5 }] });

    const response = await createHandler({ config: config() })({ jobDefinition: 'align-latest' });

    expect(response).toMatchObject({ physicalName: 'pendant-align-latest', revision: 5, revisionSource: 'latest-active' });
    expect(batch).toHaveReceivedCommandWith(DescribeJobDefinitionsCommand, { jobDefinitionName: 'pendant-align-latest', status: 'ACTIVE' });
  });

  it('throws UnknownJobDefinitionError when a definition configured by name only has no ACTIVE revision', async () => {
    batch.on(DescribeJobDefinitionsCommand).resolves({ jobDefinitions: [] });

    await expectRejection(createHandler({ config: config() })({ jobDefinition: 'align-latest' }), UnknownJobDefinitionError, 'job definition pendant-align-latest has no ACTIVE revision');
  });

  it('throws UnknownJobDefinitionError naming the declared definitions when the name is not one of them', async () => {
    await expectRejection(createHandler({ config: config() })({ jobDefinition: 'allign' }), UnknownJobDefinitionError, 'unknown job definition "allign"; known: align, align-latest, gpu');
    expect(batch.calls()).toHaveLength(0);
  });

  it('throws InvalidRequestError naming the field and rule for a malformed request, before any AWS call', async () => {
    const error = await createHandler({ config: config() })({ jobDefinition: 42, extra: true }).then(
      () => undefined,
      (reason: unknown) => reason as InvalidRequestError,
    );

    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error!.problems.map(({ field, rule }) => ({ field, rule }))).toEqual([
      { field: 'extra', rule: 'unknown-field' },
      { field: 'jobDefinition', rule: 'type' },
    ]);
    expect(batch.calls()).toHaveLength(0);
  });
});
