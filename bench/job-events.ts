import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SdkBatchGateway } from '../lambda/aws/batch';
import { DynamoJobEventsStore } from '../lambda/aws/job-events';
import { logger } from '../lambda/handlers/edge';
import { createHandler as createRecorder } from '../lambda/handlers/record';
import { createHandler as createStatus } from '../lambda/handlers/status';
import { encodeConfig, RuntimeConfig } from '../lib/model/config';
import { jobStateChangeEvent } from '../test/support/batch-events';
import { replaceSection } from '../test/support/markdown';
import { motoClients, recordCalls, resetMoto } from '../test/integration/moto/aws';
import { createBatchEnvironment, createJobEventsTable, submitJobs } from '../test/integration/moto/fixtures';
import { describeMachine, loadAverages } from './lib/machine';
import { median } from './lib/stats';

/**
 * `npm run bench:job-events`: the DescribeJobs calls the job events table saves the status function, against moto,
 * and writes BENCHMARKS.md § Job events (that section only). Under a minute.
 *
 * Two ways of answering the same request for n jobs, all submitted to moto's Batch: the status handler without a
 * table (every id goes to DescribeJobs), and with the table after the recorder has recorded every job's final state
 * change (as EventBridge would deliver it). Calls are counted by the integration harness's middleware.
 */

const ROOT = resolve(__dirname, '..', '..', '..');
const SECTION_HEADING = '## Job events: DescribeJobs calls saved';
const SIZES = [1, 100, 1_000];
/** A poller that asks about one job every few seconds until it ends; the rounds it makes before the end. */
const POLL_ROUNDS = 20;
const REPETITIONS = 5;
const log = (line: string) => process.stdout.write(`${line}\n`);

interface Row {
  readonly scenario: string;
  readonly describeWithout: number;
  readonly describeWith: number;
  readonly dynamoWith: number;
  readonly millisWithout: number;
  readonly millisWith: number;
}

async function measure(): Promise<Row[]> {
  await resetMoto();
  const clients = motoClients();
  const environment = await createBatchEnvironment(clients.batch);
  const table = await createJobEventsTable(clients.dynamodb);
  const jobIds = await submitJobs(clients.batch, environment, Math.max(...SIZES));
  const base = { jobDefinitions: { align: { definition: `${environment.jobDefinitionName}:1` } }, jobQueues: [environment.jobQueueArn] };
  const config = new RuntimeConfig(encodeConfig({ ...base, jobEventsTable: table }));
  const configWithout = new RuntimeConfig(encodeConfig(base));
  const record = createRecorder({ config, store: new DynamoJobEventsStore(table, clients.dynamodb), writeLine: () => undefined });
  for (const jobId of jobIds) await record(jobStateChangeEvent({ jobId, jobQueueArn: environment.jobQueueArn, status: 'SUCCEEDED', exitCode: 0 }));
  log(`job events: ${jobIds.length} jobs submitted and recorded`);

  const run = async (withTable: boolean, requests: Array<Record<string, unknown>>) => {
    const measured = motoClients();
    const batchCalls = recordCalls(measured.batch);
    const dynamoCalls = recordCalls(measured.dynamodb);
    const status = createStatus({
      config: withTable ? config : configWithout,
      batch: new SdkBatchGateway(measured.batch),
      ...(withTable ? { events: new DynamoJobEventsStore(table, measured.dynamodb) } : {}),
    });
    const times: number[] = [];
    for (let repetition = 0; repetition < REPETITIONS; repetition++) {
      batchCalls.clear();
      dynamoCalls.clear();
      const started = performance.now();
      for (const request of requests) {
        const answer = await status(request);
        if ('jobs' in answer && (answer).notFound.length > 0) throw new Error('a job went missing');
      }
      times.push(performance.now() - started);
    }
    return { describe: batchCalls.count('DescribeJobs'), dynamo: dynamoCalls.calls.length, millis: median(times) };
  };

  const rows: Row[] = [];
  const scenarios: Array<[string, Array<Record<string, unknown>>]> = [
    ...SIZES.map((n): [string, Array<Record<string, unknown>>] => [`status of ${n.toLocaleString('en-US')} job${n === 1 ? '' : 's'}, one request`, [n === 1 ? { jobId: jobIds[0] } : { jobIds: jobIds.slice(0, n) }]]),
    [`a poller asking about one job ${POLL_ROUNDS} times`, Array.from({ length: POLL_ROUNDS }, () => ({ jobId: jobIds[1] }))],
  ];
  for (const [scenario, requests] of scenarios) {
    const without = await run(false, requests);
    const withTable = await run(true, requests);
    const row = { scenario, describeWithout: without.describe, describeWith: withTable.describe, dynamoWith: withTable.dynamo, millisWithout: without.millis, millisWith: withTable.millis };
    rows.push(row);
    log(`${scenario}: DescribeJobs ${row.describeWithout} → ${row.describeWith}; DynamoDB calls ${row.dynamoWith}; ${row.millisWithout.toFixed(0)} → ${row.millisWith.toFixed(0)} ms`);
  }
  return rows;
}

function sectionText(rows: readonly Row[], startedAt: string, load: { start: number[]; end: number[] }): string {
  const m = describeMachine(ROOT);
  const ratio = (a: number, b: number) => (b === 0 ? '–' : (a / b).toFixed(2));
  return [
    SECTION_HEADING,
    '',
    'Written by `npm run bench:job-events` (`bench/job-events.ts`). The status handler (compiled, in-process, real SDK v3',
    'clients over HTTP to moto_server) answers the same requests twice: without the job events table, and with it after',
    "the `JobEvents` recorder has recorded each job's final state change, built from AWS's documented sample event.",
    'Calls are counted by SDK middleware (a command once, before retries), per round of requests; wall times are medians',
    `of ${REPETITIONS} rounds against moto, so they show moto's service times, not AWS's.`,
    '',
    `Measured ${startedAt.slice(0, 16).replace('T', ' ')} UTC on ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB memory, ${m.platform}; ` +
      `load average ${load.start.map((v) => v.toFixed(1)).join(' / ')} at the start, ${load.end.map((v) => v.toFixed(1)).join(' / ')} at the end.`,
    `Versions: node ${m.versions.node}, moto ${m.versions.moto}, @aws-sdk/client-batch ${m.versions['@aws-sdk/client-batch']}.`,
    '',
    '| request (jobs the table knows) | DescribeJobs without | DescribeJobs with | DescribeJobs with / without | DynamoDB calls with | wall time with / without |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.scenario} | ${row.describeWithout} | ${row.describeWith} | ${ratio(row.describeWith, row.describeWithout)} | ${row.dynamoWith} | ${ratio(row.millisWith, row.millisWithout)} |`,
    ),
    '',
    'Every DescribeJobs call is saved for jobs the table knows: BatchGetItem takes their place, one call per 100 ids,',
    "the same count, on DynamoDB's on-demand capacity instead of Batch's per-account API rate. A job the table does not",
    'know (no state change recorded yet: Batch sends none for the submission itself) still costs its DescribeJobs call.',
    'The table answers as of the latest recorded change, which trails Batch by the event delivery time. Wall times',
    "compare moto's DynamoDB with moto's Batch (the table's answer also parses each stored job detail): they say nothing",
    'of either service in AWS, and the table is not offered as a speed-up but as relief from the DescribeJobs rate.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  logger.setLogLevel('SILENT');
  const startedAt = new Date().toISOString();
  const load = { start: loadAverages() as number[], end: [] as number[] };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as in bench/run.ts: loaded only when the bench runs
  const { startMoto, stopMoto } = require('../test/integration/moto/server') as typeof import('../test/integration/moto/server');
  await startMoto();
  let rows: Row[];
  try {
    rows = await measure();
  } finally {
    await stopMoto();
  }
  load.end = loadAverages();
  const file = join(ROOT, 'BENCHMARKS.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, replaceSection(current, SECTION_HEADING, sectionText(rows, startedAt, load)));
  renameSync(temporary, file);
  log(`BENCHMARKS.md § ${SECTION_HEADING.slice(3)} written`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
