import { DeregisterJobDefinitionCommand } from '@aws-sdk/client-batch';
import { SdkBatchGateway } from '../../lambda/aws/batch';
import { createHandler } from '../../lambda/handlers/describe';
import { UnknownJobDefinitionError } from '../../lib/model';
import { encodeConfig, RuntimeConfig } from '../../lib/model/config';
import { Parameter } from '../../lib/model/parameters';
import { motoClients, recordCalls, resetMoto } from './moto/aws';
import { registerJobDefinition } from './moto/fixtures';

const DEFINITION = 'pendant-describe-align';

function config(): RuntimeConfig {
  const parameters = { input: Parameter.s3Object({ within: ['s3://pendant-inputs/reads/'] }), threads: Parameter.integer({ default: 1, min: 1, max: 64 }) };
  return new RuntimeConfig(
    encodeConfig({
      jobDefinitions: {
        // Pinned, as the constructs deploy it: Batch is not asked.
        align: { definition: DEFINITION, revision: '1', parameters, platform: 'FARGATE' },
        // By name only: Batch's latest ACTIVE revision.
        'align-latest': { definition: DEFINITION, parameters, platform: 'FARGATE' },
      },
      jobQueues: [{ queue: 'pendant-queue', platform: 'FARGATE', fairShare: false }],
    }),
  );
}

describe('Integration: describe', () => {
  beforeEach(async () => {
    await resetMoto();
  });

  function setUp() {
    const fixtures = motoClients();
    const clients = motoClients();
    const calls = recordCalls(clients.batch);
    const handler = createHandler({ config: config(), batch: new SdkBatchGateway(clients.batch) });
    return { fixtures, calls, handler };
  }

  it('answers the deployed revision of a pinned definition without asking Batch', async () => {
    const { calls, handler } = setUp();

    const response = await handler({ jobDefinition: 'align' });

    expect(response).toMatchObject({ jobDefinition: 'align', physicalName: DEFINITION, revision: 1, revisionSource: 'deployed', platform: 'FARGATE' });
    expect(calls.calls).toEqual([]);
  });

  it("answers the newest ACTIVE revision of a definition configured by name, through the real SDK's DescribeJobDefinitions", async () => {
    const { fixtures, calls, handler } = setUp();
    await registerJobDefinition(fixtures.batch, DEFINITION);
    await registerJobDefinition(fixtures.batch, DEFINITION);
    const third = await registerJobDefinition(fixtures.batch, DEFINITION);
    await fixtures.batch.send(new DeregisterJobDefinitionCommand({ jobDefinition: `${DEFINITION}:${third}` }));

    const response = await handler({ jobDefinition: 'align-latest' });

    expect(response).toMatchObject({ physicalName: DEFINITION, revision: third - 1, revisionSource: 'latest-active', jobQueues: [{ name: 'pendant-queue', default: true, fairShare: false }] });
    expect(calls.count('DescribeJobDefinitions')).toBeGreaterThanOrEqual(1);
  });

  it('throws UnknownJobDefinitionError when Batch has no ACTIVE revision of it', async () => {
    const { handler } = setUp();

    await expect(handler({ jobDefinition: 'align-latest' })).rejects.toThrow(new UnknownJobDefinitionError('align-latest', [], `job definition ${DEFINITION} has no ACTIVE revision`));
  });
});
