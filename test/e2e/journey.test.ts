import { DescribeJobDefinitionsCommand, ListJobsCommand } from '@aws-sdk/client-batch';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Size } from 'aws-cdk-lib';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_INPUTS } from '../../bin/stacks';
import { PendantClient } from '../../lib/client';
import { DEFAULT_JOB_LOG_GROUP, isTerminal, JobSummary, jobQueueName, LogsResponse, SubmitResponse } from '../../lib/model';
import { ACCOUNT, CREDENTIALS, motoClients, motoEndpoint, REGION, unsetJobTransition } from '../integration/moto/aws';
import { createBucket, createServiceRole, describeJob, holdJob, putObject, WrittenEvent, writeLogEvents } from '../integration/moto/fixtures';
import { CdkCli, ExampleAppIds, FunctionRole, ResourceId, synthExampleApp } from './harness/cdk';
import { DeployedStacks } from './harness/deployment';
import { journey } from './harness/journey';
import { DeployedFunction, LocalLambda } from './harness/local-lambda';
import { assemblyStacks, patchTemplateForMoto, readTemplate, rewriteAssemblyTemplate, Template } from './harness/moto-gaps';

/**
 * The example app (bin/stacks.ts), synthesized, deployed into moto's CloudFormation with `cdk bootstrap` and
 * `cdk deploy`, and a job's whole life run through the deployed functions: their bundles as deployed, read back
 * from moto with their deployed environments, run locally (moto cannot run Lambdas without Docker) against moto.
 *
 * Each step builds on the one before and the first that fails stops the journey. moto's gaps are worked around in
 * ./harness only, each named where it is handled (moto-gaps.ts, local-lambda.ts, cdk.ts, and the logs and terminate
 * steps below).
 */

const DEMO_INPUT = `${DEMO_INPUTS}sample-1.fastq`;
const MISSING_INPUT = `${DEMO_INPUTS}sample-404.fastq`;
const DEMO_BUCKET = new URL(DEMO_INPUTS).hostname;
/** The logs function answers at most this much JSON per response unless configured otherwise (4 MiB). */
const LOGS_BUDGET_BYTES = 4 * 1024 * 1024;
/** About 10 MB of log output: at least three responses of the logs function. */
const LOG_EVENT_COUNT = 9_000;
const STEP_TIMEOUT_MILLIS = 120_000;

describe('End to end: the example app deployed into moto', () => {
  const endpoint = motoEndpoint();
  const work = mkdtempSync(join(tmpdir(), 'pendant-e2e-'));
  const stacks = new DeployedStacks(endpoint);
  const cli = new CdkCli({ motoEndpoint: endpoint, workDirectory: join(work, 'cli') });
  const moto = motoClients();
  const deployedTemplates = new Map<string, Template>();
  /** The deployed functions, as moto's Lambda reports them after the latest deploy. */
  const deployed = {} as Record<FunctionRole, DeployedFunction>;
  const names = {} as Record<FunctionRole, string>;
  let ids: ExampleAppIds;
  let serviceRoleArn: string;
  let assetBucket: string;
  let lambda: LocalLambda | undefined;
  let operator: LambdaClient;
  let pendant: PendantClient;
  let firstJob: SubmitResponse;
  let firstStatus: JobSummary;

  /** On a failure: what the functions said lately, but their routine INFO lines. */
  const step = journey(() =>
    Object.values(names)
      .map((name) => ({ name, lines: (lambda?.recentOutput(name) ?? []).filter((line) => !/^\{.*"level":"INFO"/.test(line)).slice(-15) }))
      .filter(({ lines }) => lines.length > 0)
      .map(({ name, lines }) => `recent output of ${name}:\n  ${lines.join('\n  ')}`)
      .join('\n'),
  );

  afterAll(async () => {
    await lambda?.close();
    operator?.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  /**
   * Synthesizes the app, rewrites the assembly for moto's gaps (against what moto holds from the previous deploy),
   * deploys it with the CLI, checks that every resource of every template exists, and serves the deployed functions.
   */
  async function deploy(label: string, options: Parameters<typeof synthExampleApp>[1] = {}): Promise<void> {
    const assembly = join(work, label);
    ids = synthExampleApp(assembly, options);
    const patched = new Map<string, Template>();
    for (const stack of assemblyStacks(assembly)) {
      const template = patchTemplateForMoto(readTemplate(assembly, stack), {
        batchServiceRoleArn: serviceRoleArn,
        deployed: deployedTemplates.get(stack.stackName),
      });
      rewriteAssemblyTemplate(assembly, stack, template);
      patched.set(stack.stackName, template);
    }
    await cli.deploy(assembly);
    for (const [stackName, template] of patched) {
      expect(await stacks.status(stackName)).toMatch(/^(CREATE|UPDATE)_COMPLETE$/);
      await stacks.checkEveryResourceExists(stackName, template);
      expect(await stacks.template(stackName)).toEqual(template);
      deployedTemplates.set(stackName, template);
    }
    lambda ??= await LocalLambda.start({ motoEndpoint: endpoint, workDirectory: join(work, 'functions'), assetBucket });
    for (const [role, resource] of Object.entries(ids.functions) as Array<[FunctionRole, ResourceId]>) {
      names[role] = await physicalId(resource);
      deployed[role] = await lambda.load(names[role], patched.get(resource.stackName)!.Resources[resource.logicalId]);
    }
  }

  async function physicalId({ stackName, logicalId }: ResourceId): Promise<string> {
    const id = (await stacks.physicalIds(stackName)).get(logicalId);
    if (!id) throw new Error(`moto's stack ${stackName} has no ${logicalId}`);
    return id;
  }

  async function jobDefinitionRevisions() {
    const response = await moto.batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: 'demo-job' }));
    return (response.jobDefinitions ?? [])
      .map((definition) => ({
        revision: definition.revision,
        status: definition.status,
        memory: definition.containerProperties?.resourceRequirements?.find((requirement) => requirement.type === 'MEMORY')?.value,
      }))
      .sort((a, b) => a.revision! - b.revision!);
  }

  step(
    'cdk bootstrap prepares moto: the asset bucket and the bootstrap version, through a stack that is complete',
    async () => {
      await cli.bootstrap(ACCOUNT);
      // Bootstrap always deploys through a change set, which moto can report complete after a failure, so what the
      // deploys rely on is checked: the bucket, the version parameter and the roles the CLI assumes. Not the rest:
      // moto skips the bootstrap template's AWS::S3::BucketPolicy (unsupported) and reports none of its outputs.
      expect(await stacks.status('CDKToolkit')).toBe('CREATE_COMPLETE');
      const bootstrap = await stacks.physicalIds('CDKToolkit');
      assetBucket = bootstrap.get('StagingBucket')!;
      expect(assetBucket).toBe(`cdk-hnb659fds-assets-${ACCOUNT}-${REGION}`);
      expect(bootstrap.get('CdkBootstrapVersion')).toBe('/cdk-bootstrap/hnb659fds/version');
      for (const role of ['FilePublishingRole', 'DeploymentActionRole', 'CloudFormationExecutionRole']) {
        expect(bootstrap.get(role)).toMatch(/^cdk-hnb659fds-/);
      }

      serviceRoleArn = await createServiceRole();
      await createBucket(moto.s3, DEMO_BUCKET);
    },
    STEP_TIMEOUT_MILLIS,
  );

  step(
    'cdk deploy puts both stacks into moto, every resource of both templates exists, and the functions are configured with what was deployed',
    async () => {
      await deploy('first');
      operator = new LambdaClient({ endpoint: lambda!.endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
      pendant = new PendantClient({ lambda: operator, functions: names });

      const submit = deployed.submit.environment;
      const queues = await Promise.all(ids.jobQueues.map(physicalId));
      expect(queues).toHaveLength(2);
      expect(JSON.parse(submit.PENDANT_JOB_QUEUES)).toEqual(queues.map(jobQueueName));
      expect(submit.PENDANT_JOB_DEFINITION_REVISIONS).toBe('1');
      expect(await jobDefinitionRevisions()).toEqual([{ revision: 1, status: 'ACTIVE', memory: '2048' }]);
      // The cross-stack reference: the caller stack imported the ARN the platform stack exported.
      expect(deployed.caller.environment.SUBMIT_FUNCTION_ARN).toBe(deployed.submit.functionArn);
    },
    STEP_TIMEOUT_MILLIS,
  );

  step('validate: with its input missing, the demo job has one problem, naming the URI', async () => {
    const response = await pendant.validate({ jobDefinition: 'demo-job', parameters: { input_object: MISSING_INPUT } });

    expect(response).toEqual({
      valid: false,
      problems: [{ parameter: 'input_object', code: 'not-found', message: expect.stringContaining(MISSING_INPUT) }],
    });
  });

  step('validate: with its input present, the demo job is valid', async () => {
    await putObject(moto.s3, DEMO_INPUT, '@read-1\nACGT\n+\nIIII\n');

    await expect(pendant.validate({ jobDefinition: 'demo-job', parameters: { input_object: DEMO_INPUT } })).resolves.toEqual({ valid: true, problems: [] });
  });

  step('submit: the demo job goes to the first queue at the revision deployed with the function', async () => {
    firstJob = await pendant.submit({ jobDefinition: 'demo-job', parameters: { input_object: DEMO_INPUT } });

    const fargateQueue = await physicalId(ids.jobQueues[0]);
    expect(firstJob).toEqual({
      jobId: expect.any(String),
      jobName: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d_demo-job$/),
      jobArn: expect.stringContaining(firstJob.jobId),
      jobDefinition: 'demo-job:1',
      jobQueue: jobQueueName(fargateQueue),
    });
    const job = await describeJob(moto.batch, firstJob.jobId);
    expect(job.jobQueue).toBe(fargateQueue);
    expect(job.jobDefinition).toMatch(/:job-definition\/demo-job:1$/);
    expect(job.parameters).toEqual({ input_object: DEMO_INPUT });
  });

  step('submit: a retry with the same idempotency key answers the first job, and the key with another request is refused', async () => {
    const request = { jobDefinition: 'demo-job', parameters: { input_object: DEMO_INPUT }, jobName: 'idempotent-demo', idempotencyKey: `e2e-${randomUUID()}` };

    const first = await pendant.submit(request);
    await expect(pendant.submit(request)).resolves.toEqual(first);

    const listed = await moto.batch.send(new ListJobsCommand({ jobQueue: first.jobQueue, jobStatus: 'SUCCEEDED' }));
    expect(listed.jobSummaryList?.filter((job) => job.jobName === 'idempotent-demo')).toHaveLength(1);
    await expect(pendant.submit({ ...request, jobName: 'idempotent-demo-2' })).rejects.toMatchObject({
      name: 'IdempotencyConflictError',
      idempotencyKey: request.idempotencyKey,
    });
  });

  step('status: polled until the job is terminal, it has SUCCEEDED and names its log stream', async () => {
    // moto without Docker finishes a job inside SubmitJob; the loop is what a caller writes for real Batch.
    const deadline = Date.now() + 30_000;
    do {
      firstStatus = await pendant.jobStatus(firstJob.jobId);
      if (isTerminal(firstStatus.status)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    } while (Date.now() < deadline);

    expect(firstStatus).toEqual(
      expect.objectContaining({ jobId: firstJob.jobId, jobName: firstJob.jobName, status: 'SUCCEEDED', logStreamName: expect.any(String) }),
    );
    await expect(pendant.status([firstJob.jobId, '00000000-0000-4000-8000-000000000000'])).resolves.toEqual({
      jobs: [expect.objectContaining({ jobId: firstJob.jobId, status: 'SUCCEEDED' })],
      notFound: ['00000000-0000-4000-8000-000000000000'],
    });
  });

  step(
    "logs: every event written to the job's stream is read back, in order, across several responses within the budget",
    async () => {
      // moto's DescribeJobs leaves `container.logConfiguration` out (and moto's own Batch writes job output to
      // /aws/batch/job whatever the definition says), so the logs function reads Batch's default group, as it would
      // for a definition without `awslogs-group`. The events go where the function will look, in the stream the
      // job reports; the deployed definition's own group is checked below, and the unit tests cover reading it.
      const definitions = (await moto.batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: 'demo-job' }))).jobDefinitions ?? [];
      const logOptions = definitions.find((definition) => definition.revision === 1)?.containerProperties?.logConfiguration?.options;
      expect(logOptions?.['awslogs-group']).toBe(await physicalId(ids.jobLogGroup));

      const start = Date.now() - 60 * 60 * 1000;
      const written: WrittenEvent[] = Array.from({ length: LOG_EVENT_COUNT }, (_, index) => ({
        timestamp: start + index,
        message: `${String(index).padStart(5, '0')} ${'ACGT'.repeat(270)}`,
      }));
      await writeLogEvents(moto.logs, DEFAULT_JOB_LOG_GROUP, firstStatus.logStreamName!, written);

      const responses: LogsResponse[] = [];
      let nextToken: string | null | undefined;
      do {
        const response = await pendant.logs({ jobId: firstJob.jobId, ...(nextToken && { nextToken }) });
        responses.push(response);
        nextToken = response.nextToken;
      } while (nextToken !== null && responses.length < 50);

      expect(responses.length).toBeGreaterThanOrEqual(3);
      for (const response of responses) {
        expect(response).toEqual(expect.objectContaining({ jobId: firstJob.jobId, logGroupName: DEFAULT_JOB_LOG_GROUP, logStreamName: firstStatus.logStreamName }));
        expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(LOGS_BUDGET_BYTES);
      }
      const read = responses.flatMap((response) => response.events.map(({ timestamp, message }) => ({ timestamp, message })));
      expect(read.length).toBe(written.length);
      expect(read).toEqual(written);
    },
    STEP_TIMEOUT_MILLIS,
  );

  step('terminate: a second job, submitted and held in STARTING, is terminated with the reason given', async () => {
    const reason = 'input withdrawn by the lab';
    // moto without Docker finishes every job inside SubmitJob; its Docker backend, held by its state manager, keeps
    // a job in STARTING (the fixtures explain how). moto records the reason but leaves a held job where it is.
    // The hold lasts until the transition is unset, which the later steps need (their jobs finish at once).
    try {
      const jobId = await holdJob(moto.batch, 'STARTING', async () => (await pendant.submit({ jobDefinition: 'demo-job', parameters: { input_object: DEMO_INPUT } })).jobId);

      await expect(pendant.terminate({ jobId, reason })).resolves.toEqual({ jobId, previousStatus: 'STARTING', action: 'terminated' });
      await expect(pendant.jobStatus(jobId)).resolves.toEqual(expect.objectContaining({ jobId, status: 'STARTING', statusReason: reason }));
    } finally {
      await unsetJobTransition();
    }
  });

  step("caller stack: its function submits the demo job through the platform's submit function, across stacks", async () => {
    const answer = await operator.send(new InvokeCommand({ FunctionName: names.caller, Payload: Buffer.from(JSON.stringify({ input: DEMO_INPUT })) }));
    const payload = JSON.parse(Buffer.from(answer.Payload!).toString('utf8')) as SubmitResponse;
    expect(answer.FunctionError).toBeUndefined();
    expect(payload).toEqual(expect.objectContaining({ jobDefinition: 'demo-job:1', jobId: expect.any(String) }));
    expect((await describeJob(moto.batch, payload.jobId)).parameters).toEqual({ input_object: DEMO_INPUT });

    // The grant is exactly the submit function: with the caller's role, another function of the platform is refused.
    const asCaller = new LambdaClient({ endpoint: lambda!.endpoint, region: REGION, credentials: await lambda!.roleCredentials(names.caller), maxAttempts: 1 });
    await expect(asCaller.send(new InvokeCommand({ FunctionName: names.status, Payload: Buffer.from(JSON.stringify({ jobId: payload.jobId })) }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    asCaller.destroy();

    // The submit function's typed error reaches the caller's caller with its name, through both envelopes.
    const refused = await operator.send(new InvokeCommand({ FunctionName: names.caller, Payload: Buffer.from(JSON.stringify({ input: MISSING_INPUT })) }));
    expect(refused.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(refused.Payload!).toString('utf8'))).toEqual(
      expect.objectContaining({ errorType: 'S3ObjectNotFoundError', errorMessage: expect.stringContaining(MISSING_INPUT) }),
    );
  });

  step(
    "redeploy: with the demo job's memory changed, cdk deploy registers revision 2, keeps revision 1, and submit uses 2",
    async () => {
      await deploy('second', { demoJobMemory: Size.gibibytes(4) });

      expect(await jobDefinitionRevisions()).toEqual([
        { revision: 1, status: 'ACTIVE', memory: '2048' },
        { revision: 2, status: 'ACTIVE', memory: '4096' },
      ]);
      expect(deployed.submit.environment.PENDANT_JOB_DEFINITION_REVISIONS).toBe('2');
      const job = await pendant.submit({ jobDefinition: 'demo-job', parameters: { input_object: DEMO_INPUT } });
      expect(job.jobDefinition).toBe('demo-job:2');
      const detail = await describeJob(moto.batch, job.jobId);
      expect(detail.jobDefinition).toMatch(/:job-definition\/demo-job:2$/);
      expect(detail.container?.memory).toBe(4096);
    },
    STEP_TIMEOUT_MILLIS,
  );

  step('redeploy: a request that pins revision 1 is still submitted at revision 1, and Batch takes the job', async () => {
    const job = await pendant.submit({ jobDefinition: 'demo-job', parameters: { input_object: DEMO_INPUT }, revision: 1 });

    expect(job.jobDefinition).toBe('demo-job:1');
    const detail = await describeJob(moto.batch, job.jobId);
    expect(detail.jobDefinition).toMatch(/:job-definition\/demo-job:1$/);
    expect(detail.container?.memory).toBe(2048);
    await expect(pendant.jobStatus(job.jobId)).resolves.toEqual(expect.objectContaining({ status: 'SUCCEEDED' }));
  });
});
