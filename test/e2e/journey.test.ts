import { DescribeJobDefinitionsCommand, ListJobsCommand } from '@aws-sdk/client-batch';
import { DescribeLogStreamsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Size } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_INPUTS, ExampleAppOptions } from '../../bin/stacks';
import { PendantClient } from '../../lib/client';
import { isTerminal, JobStatus, JobSummary, LogsResponse, SubmitRequest, SubmitResponse } from '../../lib/model';
import { DEFAULT_JOB_LOG_GROUP, jobQueueName } from '../../lib/model/config';
import { JOB_STATUSES } from '../../lib/model/job-status';
import { ACCOUNT, CREDENTIALS, motoClients, motoEndpoint, REGION, unsetJobTransition } from '../integration/moto/aws';
import { createBucket, createServiceRole, describeJob, holdJob, putObject, WrittenEvent, writeLogEvents } from '../integration/moto/fixtures';
import { motoApi } from '../integration/moto/server';
import { jobStateChangeEvent } from '../support/batch-events';
import { CdkCli, ExampleAppIds, FunctionRole, ResourceId, synthExampleApp } from './harness/cdk';
import { journeyEngine } from './harness/container-engine';
import { DeployedStacks } from './harness/deployment';
import { journey } from './harness/journey';
import { DeployedFunction, LocalLambda } from './harness/local-lambda';
import { assemblyStacks, patchTemplateForMoto, readTemplate, rewriteAssemblyTemplate, Template } from './harness/moto-gaps';
import { eventually as settle } from '../support/eventually';

/** What this suite waits for settles within this bound. */
const eventually = <T>(check: () => Promise<T>): Promise<T> => settle(check, { timeoutMillis: 10_000, intervalMillis: 250 });

/**
 * The example app (bin/stacks.ts), synthesized, deployed into moto's CloudFormation with `cdk bootstrap` and
 * `cdk deploy`, and a job's whole life run through the deployed functions: their bundles as deployed, read back
 * from moto with their deployed environments, run locally (moto cannot run Lambdas without Docker) against moto.
 *
 * Each step builds on the one before and the first that fails stops the journey. moto's gaps are worked around in
 * ./harness only, each named where it is handled (moto-gaps.ts, local-lambda.ts, cdk.ts, and the logs and terminate
 * steps below).
 *
 * Two modes, chosen and announced by the global setup (harness/global-setup.ts):
 * - real jobs: a container engine serves the Docker API, moto's Batch runs every job in a container of a busybox
 *   image the setup built, and the steps after `status` follow real jobs (output, failure, termination, arrays,
 *   dependencies, a read-only root with its scratch directory);
 * - simulated jobs: no engine, moto marks each job SUCCEEDED at submission; the logs step writes the job's output
 *   itself and the terminate step holds a job in STARTING.
 */

const DEMO_INPUT = `${DEMO_INPUTS}sample-1.fastq`;
const MISSING_INPUT = `${DEMO_INPUTS}sample-404.fastq`;
const DEMO_BUCKET = new URL(DEMO_INPUTS).hostname;
/** The logs function answers at most this much JSON per response unless configured otherwise (4 MiB). */
const LOGS_BUDGET_BYTES = 4 * 1024 * 1024;
/** About 10 MB of log output: at least three responses of the logs function. */
const LOG_EVENT_COUNT = 9_000;
const STEP_TIMEOUT_MILLIS = 120_000;

/** Set when jobs really run: the engine's API (to see containers) and the job image the setup built. */
const engine = journeyEngine();
/**
 * With real jobs, the logs function is deployed with a small response budget, so that a job's few hundred KB of
 * output takes several responses.
 */
const REAL_LOGS_BUDGET_BYTES = 64 * 1024;
/**
 * The many-lines job's output: periods of 64 lines of 64 bytes and one line of 4,096 bytes (newlines included).
 * The sizes are chosen for podman: its conmon reads a job's output 8 KiB at a time and stores a line cut by a read
 * as parts, which podman's Docker API (4.3) hands moto with a timestamp inside the line. Lines written whole
 * (at most 4 KiB, one write) whose sizes tile 8 KiB are never cut. Docker cuts only lines over 16 KiB.
 */
const OUTPUT_PERIODS = 50;
const SHORT_LINES_PER_PERIOD = 64;
const SHORT_LINE_BYTES = 64;
const LONG_LINE_BYTES = 4096;
const APP_OPTIONS: ExampleAppOptions =
  engine === undefined ? {} : { demoJobImage: ecs.ContainerImage.fromRegistry(engine.image), logsMaxResponseBytes: REAL_LOGS_BUDGET_BYTES };
/** Batch's order of statuses; a job only ever moves forward in it. */
const ORDER: readonly JobStatus[] = JOB_STATUSES.filter((status) => status !== 'FAILED');

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
  /** Every job the journey submitted, so the last step can check that each has ended and left no container. */
  const submitted = new Set<string>();

  /** On a failure: what the functions said lately, but their routine INFO lines. */
  const step = journey(() =>
    Object.values(names)
      .map((name) => ({ name, lines: (lambda?.recentOutput(name) ?? []).filter((line) => !/^\{.*"level":"INFO"/.test(line)).slice(-15) }))
      .filter(({ lines }) => lines.length > 0)
      .map(({ name, lines }) => `recent output of ${name}:\n  ${lines.join('\n  ')}`)
      .join('\n'),
  );

  afterAll(async () => {
    // After a failed step, jobs may still run: moto ends with the suite and would leave their containers behind.
    if (engine !== undefined) for (const jobId of submitted) await engine.api.removeContainersNamed(jobId);
    await lambda?.close();
    operator?.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  /**
   * Synthesizes the app, rewrites the assembly for moto's gaps (against what moto holds from the previous deploy),
   * deploys it with the CLI, checks that every resource of every template exists, and serves the deployed functions.
   */
  async function deploy(label: string, options: ExampleAppOptions = {}): Promise<void> {
    const assembly = join(work, label);
    ids = synthExampleApp(assembly, { ...APP_OPTIONS, ...options });
    const patched = new Map<string, Template>();
    for (const stack of assemblyStacks(assembly)) {
      const template = patchTemplateForMoto(readTemplate(assembly, stack), {
        batchServiceRoleArn: serviceRoleArn,
        deployed: deployedTemplates.get(stack.stackName),
        ...(engine && { scratchVolumesDirectory: join(work, 'volumes') }),
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

  /** Submits through the deployed submit function, and remembers the job. */
  async function submit(request: SubmitRequest): Promise<SubmitResponse> {
    const job = await pendant.submit(request);
    submitted.add(job.jobId);
    return job;
  }

  /**
   * Asks the deployed status function about a job until `done` holds (by default: the job is terminal); every status
   * seen on the way, in order, and the last answer.
   */
  async function follow(jobId: string, done: (job: JobSummary) => boolean = (job) => isTerminal(job.status), timeoutMillis = 60_000) {
    const seen: JobStatus[] = [];
    const deadline = Date.now() + timeoutMillis;
    for (;;) {
      const last = await pendant.jobStatus(jobId);
      if (seen.at(-1) !== last.status) seen.push(last.status);
      if (done(last)) return { last, seen };
      if (Date.now() > deadline) throw new Error(`job ${jobId}: still ${last.status} after ${timeoutMillis} ms (seen: ${seen.join(' → ')})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Every response of the deployed logs function for a job, read to the end. */
  async function readLogs(jobId: string): Promise<LogsResponse[]> {
    const responses: LogsResponse[] = [];
    let nextToken: string | null | undefined;
    do {
      const response = await pendant.logs({ jobId, ...(nextToken && { nextToken }) });
      responses.push(response);
      nextToken = response.nextToken;
    } while (nextToken !== null && responses.length < 100);
    return responses;
  }

  async function logLines(jobId: string): Promise<string[]> {
    return (await readLogs(jobId)).flatMap((response) => response.events.map((event) => event.message));
  }

  async function jobDefinitionRevisions() {
    const response = await moto.batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: ids.demoJobDefinitionName }));
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
      expect(submit.PENDANT_JOB_DEFINITION_REVISIONS).toBe('demo-job=1');
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
      problems: [{ field: 'parameters.input_object', rule: 'not-found', message: expect.stringContaining(MISSING_INPUT) }],
    });
  });

  step('validate: with its input present, the demo job is valid', async () => {
    await putObject(moto.s3, DEMO_INPUT, '@read-1\nACGT\n+\nIIII\n');

    await expect(pendant.validate({ jobDefinition: 'demo-job', parameters: { input_object: DEMO_INPUT } })).resolves.toEqual({ valid: true, problems: [] });
  });

  step('submit: the demo job goes to the first queue at the revision deployed with the function', async () => {
    firstJob = await submit({ jobDefinition: 'demo-job', parameters: { input_object: DEMO_INPUT } });

    const fargateQueue = await physicalId(ids.jobQueues[0]);
    expect(firstJob).toEqual({
      jobId: expect.any(String),
      jobName: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d_demo-job$/),
      jobArn: expect.stringContaining(firstJob.jobId),
      jobDefinition: `${ids.demoJobDefinitionName}:1`,
      jobQueue: jobQueueName(fargateQueue),
    });
    const job = await describeJob(moto.batch, firstJob.jobId);
    expect(job.jobQueue).toBe(fargateQueue);
    expect(job.jobDefinition).toBe(`arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/${ids.demoJobDefinitionName}:1`);
    expect(job.parameters).toEqual({ input_object: DEMO_INPUT });
  });

  step('submit: a retry with the same idempotency key answers the first job, and the key with another request is refused', async () => {
    const request = { jobDefinition: 'demo-job', parameters: { input_object: DEMO_INPUT }, jobName: 'idempotent-demo', idempotencyKey: `e2e-${randomUUID()}` };

    const first = await submit(request);
    await expect(pendant.submit(request)).resolves.toEqual(first);

    // By name, whatever the job's status (ListJobs ignores jobStatus when filters are given).
    const listed = await moto.batch.send(new ListJobsCommand({ jobQueue: first.jobQueue, filters: [{ name: 'JOB_NAME', values: ['idempotent-demo'] }] }));
    expect(listed.jobSummaryList?.map((job) => job.jobId)).toEqual([first.jobId]);
    await expect(pendant.submit({ ...request, jobName: 'idempotent-demo-2' })).rejects.toMatchObject({
      name: 'IdempotencyConflictError',
      idempotencyKey: request.idempotencyKey,
    });
  });

  step('status: polled until the job is terminal, it has SUCCEEDED and names its log stream', async () => {
    // moto without Docker finishes a job inside SubmitJob; the loop is what a caller writes for real Batch.
    firstStatus = (await follow(firstJob.jobId, undefined, 30_000)).last;

    expect(firstStatus).toEqual(
      expect.objectContaining({ jobId: firstJob.jobId, jobName: firstJob.jobName, status: 'SUCCEEDED', logStreamName: expect.any(String) }),
    );
    await expect(pendant.status([firstJob.jobId, '00000000-0000-4000-8000-000000000000'])).resolves.toEqual({
      jobs: [expect.objectContaining({ jobId: firstJob.jobId, status: 'SUCCEEDED' })],
      notFound: ['00000000-0000-4000-8000-000000000000'],
    });
  });

  if (engine !== undefined) {
    step(
      'logs: the demo job ran its own command in a container, with its parameter substituted, and the logs function reads that output from the stream Batch created',
      async () => {
        const responses = await readLogs(firstJob.jobId);

        expect(responses.flatMap((response) => response.events.map((event) => event.message))).toEqual([`You have started up this demo job on ${DEMO_INPUT}`]);
        expect(responses.at(-1)).toEqual(expect.objectContaining({ jobId: firstJob.jobId, logGroupName: DEFAULT_JOB_LOG_GROUP, logStreamName: firstStatus.logStreamName, nextToken: null }));
        // Nobody but Batch wrote it: the journey writes no log events in this mode.
        const streams = await moto.logs.send(new DescribeLogStreamsCommand({ logGroupName: DEFAULT_JOB_LOG_GROUP, logStreamNamePrefix: firstStatus.logStreamName! }));
        expect(streams.logStreams?.map((stream) => stream.logStreamName)).toContain(firstStatus.logStreamName);
      },
    );

    step(
      "a job writing 3,250 lines (50 of them 4 KB) walks through RUNNING to SUCCEEDED, and the logs function reads every line of the container's output exactly once, in order, across several responses within the budget",
      async () => {
        // The parameter is substituted into the overriding command, and the job's first line says so. The pause
        // lets the status function see RUNNING, and lets the engine read the first line before the rest comes.
        const script =
          'echo "input $1"; sleep 2; s=$(head -c 57 /dev/zero | tr "\\0" s); l=$(head -c 4089 /dev/zero | tr "\\0" L); n=0; p=0; ' +
          'while [ $p -lt $2 ]; do k=0; while [ $k -lt $3 ]; do echo "$((n + 10000)) $s"; n=$((n + 1)); k=$((k + 1)); done; ' +
          'echo "$((n + 10000)) $l"; n=$((n + 1)); p=$((p + 1)); done';
        const job = await submit({
          jobDefinition: 'demo-job',
          parameters: { input_object: DEMO_INPUT },
          containerOverrides: { command: ['sh', '-c', script, 'demo', 'Ref::input_object', String(OUTPUT_PERIODS), String(SHORT_LINES_PER_PERIOD)] },
        });
        const expected = [`input ${DEMO_INPUT}`];
        for (let period = 0; period < OUTPUT_PERIODS; period++) {
          for (let line = 0; line < SHORT_LINES_PER_PERIOD; line++) expected.push(`${10000 + expected.length - 1} ${'s'.repeat(SHORT_LINE_BYTES - 7)}`);
          expected.push(`${10000 + expected.length - 1} ${'L'.repeat(LONG_LINE_BYTES - 7)}`);
        }

        const { last, seen } = await follow(job.jobId);
        expect(last.status).toBe('SUCCEEDED');
        expect(seen).toContain('RUNNING');
        expect(seen.map((status) => ORDER.indexOf(status))).toEqual([...seen.map((status) => ORDER.indexOf(status))].sort((a, b) => a - b));

        const responses = await readLogs(job.jobId);
        expect(responses.length).toBeGreaterThanOrEqual(3);
        for (const response of responses) {
          expect(response).toEqual(expect.objectContaining({ jobId: job.jobId, logGroupName: DEFAULT_JOB_LOG_GROUP, logStreamName: last.logStreamName }));
          expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(REAL_LOGS_BUDGET_BYTES);
        }
        const events = responses.flatMap((response) => response.events);
        expect(events.map((event) => event.message)).toEqual(expected);
        const times = events.map((event) => event.timestamp);
        expect(times).toEqual([...times].sort((a, b) => a - b));
      },
      STEP_TIMEOUT_MILLIS,
    );

    step('a job whose command fails ends FAILED; status reports what Batch says of it, and the logs function reads what it wrote before failing', async () => {
      const job = await submit({
        jobDefinition: 'demo-job',
        parameters: { input_object: DEMO_INPUT },
        containerOverrides: { command: ['sh', '-c', 'echo "cannot read $1"; exit 3', 'demo', 'Ref::input_object'] },
      });

      const { last } = await follow(job.jobId);
      const detail = await describeJob(moto.batch, job.jobId);
      expect(last).toEqual(
        expect.objectContaining({ status: 'FAILED', statusReason: detail.statusReason ?? null, exitCode: detail.container?.exitCode ?? null }),
      );
      // moto 5.2.1 gives a failed container neither a status reason nor, in DescribeJobs, an exit code (its ListJobs
      // has the code); Batch says "Essential container in task exited" and the code. See the README's moto gaps.
      expect([detail.statusReason, detail.container?.exitCode]).toEqual([undefined, undefined]);
      const listed = await moto.batch.send(new ListJobsCommand({ jobQueue: job.jobQueue, filters: [{ name: 'JOB_NAME', values: [job.jobName] }] }));
      expect(listed.jobSummaryList?.find((summary) => summary.jobId === job.jobId)?.container?.exitCode).toBe(3);
      await expect(logLines(job.jobId)).resolves.toEqual([`cannot read ${DEMO_INPUT}`]);
    });

    step('terminate: a long-running job is stopped through the terminate function while RUNNING, ends FAILED with the reason given, and its container is gone', async () => {
      const reason = 'input withdrawn by the lab';
      const job = await submit({ jobDefinition: 'demo-job', parameters: { input_object: DEMO_INPUT }, containerOverrides: { command: ['sh', '-c', 'echo started; sleep 600'] } });
      await follow(job.jobId, (summary) => summary.status === 'RUNNING' || isTerminal(summary.status));
      // moto reports RUNNING a moment before it asks the engine for the container.
      await eventually(async () => expect((await engine.api.containersNamed(job.jobId)).map((container) => container.State)).toEqual(['running']));
      await expect(pendant.jobStatus(job.jobId)).resolves.toEqual(expect.objectContaining({ status: 'RUNNING' }));

      await expect(pendant.terminate({ jobId: job.jobId, reason })).resolves.toEqual({ jobId: job.jobId, previousStatus: 'RUNNING', action: 'terminated' });
      const { last } = await follow(job.jobId, undefined, 30_000);
      expect(last).toEqual(expect.objectContaining({ status: 'FAILED', statusReason: reason }));
      await eventually(async () => expect(await engine.api.containersNamed(job.jobId)).toEqual([]));
      await expect(logLines(job.jobId)).resolves.toEqual(['started']);
    });

    step('an array job of 3 runs 3 containers, one per child, and status reports every child', async () => {
      const job = await submit({
        jobDefinition: 'demo-job',
        parameters: { input_object: DEMO_INPUT },
        arraySize: 3,
        containerOverrides: { command: ['sh', '-c', 'echo "child $AWS_BATCH_JOB_ID in container $(hostname)"'] },
      });
      const children = [0, 1, 2].map((index) => `${job.jobId}:${index}`);

      const { last } = await follow(job.jobId);
      expect(last.status).toBe('SUCCEEDED');
      const summary = last.arrayStatusSummary ?? {};
      expect(summary.SUCCEEDED).toBe(3);
      expect(Object.values(summary).reduce((sum, count) => sum + (count ?? 0), 0)).toBe(3);
      const status = await pendant.status(children);
      expect(status.notFound).toEqual([]);
      expect(status.jobs.map((child) => [child.jobId, child.status])).toEqual(children.map((child) => [child, 'SUCCEEDED']));

      const hosts = new Set<string>();
      for (const [index, child] of children.entries()) {
        const lines = await logLines(child);
        expect(lines).toHaveLength(1);
        const match = /^child (\S+) in container (\S+)$/.exec(lines[0]);
        expect(match?.[1]).toBe(children[index]);
        hosts.add(match![2]);
      }
      expect(hosts.size).toBe(3);
    });

    step('a job that depends on another waits in PENDING while the other runs, and starts only after it has ended', async () => {
      const first = await submit({ jobDefinition: 'demo-job', parameters: { input_object: DEMO_INPUT }, containerOverrides: { command: ['sh', '-c', 'sleep 3; echo first'] } });
      const second = await submit({
        jobDefinition: 'demo-job',
        parameters: { input_object: DEMO_INPUT },
        dependsOn: [first.jobId],
        containerOverrides: { command: ['sh', '-c', 'echo second'] },
      });

      await follow(first.jobId, (summary) => summary.status === 'RUNNING' || isTerminal(summary.status));
      await expect(pendant.jobStatus(second.jobId)).resolves.toEqual(expect.objectContaining({ status: 'PENDING' }));
      const firstEnd = (await follow(first.jobId)).last;
      const secondEnd = (await follow(second.jobId)).last;
      expect([firstEnd.status, secondEnd.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(Date.parse(secondEnd.startedAt!)).toBeGreaterThanOrEqual(Date.parse(firstEnd.stoppedAt!));
      await expect(logLines(second.jobId)).resolves.toEqual(['second']);
    });

    step('the demo job has a read-only root filesystem, and its job can still write to its scratch directory', async () => {
      // The scratch directory is the definition's writable mount, or /tmp (which the job image has) without one.
      const definitionArn = (await describeJob(moto.batch, firstJob.jobId)).jobDefinition!;
      const definitions = (await moto.batch.send(new DescribeJobDefinitionsCommand({ jobDefinitions: [definitionArn] }))).jobDefinitions ?? [];
      const container = definitions[0]?.containerProperties;
      expect(container?.readonlyRootFilesystem).toBe(true);
      const scratch = container?.mountPoints?.find((mountPoint) => mountPoint.readOnly !== true)?.containerPath ?? '/tmp';
      const script =
        'f="$1/scratch-$AWS_BATCH_JOB_ID"; echo kept > "$f" && echo "scratch $(cat "$f")"; ' +
        'if touch /root-check 2>/dev/null; then echo "root writable"; else echo "root read-only"; fi; ' +
        'echo "mounted $(grep -c " $1 " /proc/mounts)"';
      const job = await submit({ jobDefinition: 'demo-job', parameters: { input_object: DEMO_INPUT }, containerOverrides: { command: ['sh', '-c', script, 'demo', scratch] } });

      await expect(follow(job.jobId)).resolves.toEqual(expect.objectContaining({ last: expect.objectContaining({ status: 'SUCCEEDED' }) }));
      // moto 5.2.1 does not hand readonlyRootFilesystem to the engine, so the root is writable here (the README's
      // moto gaps); on Batch the touch fails. The scratch directory is a mount exactly when the definition has one.
      await expect(logLines(job.jobId)).resolves.toEqual(['scratch kept', 'root writable', `mounted ${container?.mountPoints?.some((m) => m.containerPath === scratch) ? 1 : 0}`]);
    });
  } else {
    step(
      "logs: every event written to the job's stream is read back, in order, across several responses within the budget",
      async () => {
        // moto's DescribeJobs leaves `container.logConfiguration` out (and moto's own Batch writes job output to
        // /aws/batch/job whatever the definition says), so the logs function reads Batch's default group, as it would
        // for a definition without `awslogs-group`. The events go where the function will look, in the stream the
        // job reports; the deployed definition's own group is checked below, and the unit tests cover reading it.
        const definitions = (await moto.batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: ids.demoJobDefinitionName }))).jobDefinitions ?? [];
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
  }

  step("caller stack: its function submits the demo job through the platform's submit function, across stacks", async () => {
    const answer = await operator.send(new InvokeCommand({ FunctionName: names.caller, Payload: Buffer.from(JSON.stringify({ input: DEMO_INPUT })) }));
    const payload = JSON.parse(Buffer.from(answer.Payload!).toString('utf8')) as SubmitResponse;
    expect(answer.FunctionError).toBeUndefined();
    expect(payload).toEqual(expect.objectContaining({ jobDefinition: `${ids.demoJobDefinitionName}:1`, jobId: expect.any(String) }));
    submitted.add(payload.jobId);
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

  step("demo pipeline: a job state change event as Batch emits it, delivered to the deployed resume function, completes a waiting execution's task", async () => {
    // moto's Step Functions interpreter holds a task open on a token; its state hands the token over through
    // DynamoDB, as RunJob's wait hands it to the resume function (moto cannot run that wait: see the next step).
    await motoApi(endpoint, '/moto-api/config', { stepfunctions: { execute_state_machine: true } });
    const sfnClient = new SFNClient({ endpoint, region: REGION, credentials: CREDENTIALS });
    const ddb = new DynamoDBClient({ endpoint, region: REGION, credentials: CREDENTIALS });
    try {
      const captured = `e2e-captured-${randomUUID().slice(0, 8)}`;
      await ddb.send(
        new CreateTableCommand({ TableName: captured, KeySchema: [{ AttributeName: 'jobId', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'jobId', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }),
      );
      // A job that is still on its way when its wait begins: the wait records the token and answers nothing yet.
      const request = { jobDefinition: 'demo-job', parameters: { input_object: DEMO_INPUT }, containerOverrides: { command: ['sh', '-c', 'sleep 8; echo done'] } };
      const job =
        engine === undefined
          ? { jobId: await holdJob(moto.batch, 'STARTING', async () => (await submit(request)).jobId) }
          : await submit(request);
      try {
        const machine = await sfnClient.send(
          new CreateStateMachineCommand({
            name: `e2e-wait-${job.jobId.slice(0, 8)}`,
            roleArn: `arn:aws:iam::${ACCOUNT}:role/e2e-wait`,
            definition: JSON.stringify({
              StartAt: 'AwaitJob',
              States: {
                AwaitJob: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken',
                  HeartbeatSeconds: 3600,
                  Parameters: { TableName: captured, Item: { jobId: { 'S.$': '$.jobId' }, taskToken: { 'S.$': '$$.Task.Token' } } },
                  End: true,
                },
              },
            }),
          }),
        );
        const { executionArn } = await sfnClient.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, name: 'e2e-wait', input: JSON.stringify({ jobId: job.jobId }) }));
        let taskToken = '';
        await eventually(async () => {
          const item = await ddb.send(new GetItemCommand({ TableName: captured, Key: { jobId: { S: job.jobId } } }));
          expect(item.Item?.taskToken?.S).toEqual(expect.any(String));
          taskToken = item.Item!.taskToken.S!;
        });
        const invokeResume = async (event: unknown) => {
          const answer = await operator.send(new InvokeCommand({ FunctionName: names.resume, Payload: Buffer.from(JSON.stringify(event)) }));
          const payload = JSON.parse(Buffer.from(answer.Payload!).toString('utf8')) as Record<string, unknown>;
          expect({ functionError: answer.FunctionError, payload }).toEqual({ functionError: undefined, payload: expect.any(Object) });
          return payload;
        };
        await expect(invokeResume({ taskToken, jobId: job.jobId, heartbeatSeconds: 3600 })).resolves.toEqual({ jobId: job.jobId, status: expect.not.stringMatching(/^(SUCCEEDED|FAILED)$/) });

        // The job ends; Batch sends its event (AWS Batch User Guide, "Job state change events"), here by hand.
        if (engine !== undefined) await follow(job.jobId);
        const detail = await describeJob(moto.batch, job.jobId);
        const status = engine === undefined ? 'SUCCEEDED' : (detail.status as 'SUCCEEDED' | 'FAILED');
        const event = jobStateChangeEvent({ jobId: job.jobId, jobName: detail.jobName, jobQueueArn: detail.jobQueue!, status, exitCode: 0, ...(detail.container?.logStreamName && { logStreamName: detail.container.logStreamName }) });
        await expect(invokeResume(event)).resolves.toEqual({ jobId: job.jobId, status, answered: 1, heartbeats: 0 });

        await eventually(async () => expect((await sfnClient.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('SUCCEEDED'));
        const output = JSON.parse((await sfnClient.send(new DescribeExecutionCommand({ executionArn }))).output!) as JobSummary;
        expect(output).toEqual(expect.objectContaining({ jobId: job.jobId, jobName: detail.jobName, status }));
      } finally {
        if (engine === undefined) await unsetJobTransition();
      }
    } finally {
      sfnClient.destroy();
      ddb.destroy();
    }
  });

  step(
    "redeploy: with the demo job's memory changed, cdk deploy registers revision 2, keeps revision 1, and submit uses 2",
    async () => {
      await deploy('second', { demoJobMemory: Size.gibibytes(4) });

      expect(await jobDefinitionRevisions()).toEqual([
        { revision: 1, status: 'ACTIVE', memory: '2048' },
        { revision: 2, status: 'ACTIVE', memory: '4096' },
      ]);
      expect(deployed.submit.environment.PENDANT_JOB_DEFINITION_REVISIONS).toBe('demo-job=2');
      const job = await submit({ jobDefinition: 'demo-job', parameters: { input_object: DEMO_INPUT } });
      expect(job.jobDefinition).toBe(`${ids.demoJobDefinitionName}:2`);
      const detail = await describeJob(moto.batch, job.jobId);
      expect(detail.jobDefinition).toBe(`arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/${ids.demoJobDefinitionName}:2`);
      expect(detail.container?.memory).toBe(4096);
    },
    STEP_TIMEOUT_MILLIS,
  );

  step('redeploy: a request that pins revision 1 is still submitted at revision 1, and Batch takes the job', async () => {
    const job = await submit({ jobDefinition: 'demo-job', parameters: { input_object: DEMO_INPUT }, revision: 1 });

    expect(job.jobDefinition).toBe(`${ids.demoJobDefinitionName}:1`);
    const detail = await describeJob(moto.batch, job.jobId);
    expect(detail.jobDefinition).toBe(`arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/${ids.demoJobDefinitionName}:1`);
    expect(detail.container?.memory).toBe(2048);
    await expect(follow(job.jobId)).resolves.toEqual(expect.objectContaining({ last: expect.objectContaining({ status: 'SUCCEEDED' }) }));
  });

  if (engine !== undefined) {
    step('every job the journey submitted has ended, and no container of theirs is left in the engine', async () => {
      const jobIds = [...submitted];
      const { jobs, notFound } = await pendant.status(jobIds);
      expect(notFound).toEqual([]);
      for (const job of jobs) if (!isTerminal(job.status)) await follow(job.jobId);
      for (const jobId of jobIds) await eventually(async () => expect(await engine.api.containersNamed(jobId)).toEqual([]));
    });
  }
  step("demo pipeline: moto 5.2.1's interpreter never sees the deployed state machine (CloudFormation's and the interpreter's backends are apart)", async () => {
    // With {"stepfunctions": {"execute_state_machine": true}} moto answers Step Functions from its interpreter's
    // backend, which holds only state machines created through the API while it is on; CloudFormation creates into
    // the other. So RunJob's deployed definition cannot run here; test/integration/run-job-moto.test.ts shows how far
    // the interpreter carries the same definition created through the API.
    const sfnClient = new SFNClient({ endpoint, region: REGION, credentials: CREDENTIALS });
    try {
      const stateMachineArn = await physicalId(ids.pipeline);
      expect(stateMachineArn).toMatch(/:stateMachine:/);
      await expect(sfnClient.send(new StartExecutionCommand({ stateMachineArn, name: 'e2e-demo-pipeline', input: JSON.stringify({ input: DEMO_INPUT }) }))).rejects.toMatchObject({
        name: 'StateMachineDoesNotExist',
      });
    } finally {
      sfnClient.destroy();
    }
  });
});
