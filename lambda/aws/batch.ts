import {
  BatchClient,
  DescribeJobsCommand,
  JobDetail,
  JobSummary,
  ListJobsCommand,
  SubmitJobCommand,
  TerminateJobCommand,
  TerminateJobsCommand,
  paginateDescribeJobDefinitions,
  paginateListJobs,
} from '@aws-sdk/client-batch';
import { type ChildJobSummary } from '../../lib/model/requests';
import { isJobStatus, type JobStatus } from '../../lib/model/job-status';
import { type BatchJob, isoTime, readBatchJob } from '../../lib/model/batch-job';
import { chunk } from '../core/concurrency';
import { AmbiguousSubmission, type BatchGateway, type SubmitJobInput, SubmissionRefused, type TerminateJobsError } from '../core/ports';
import { batchClient } from './clients';

export class SdkBatchGateway implements BatchGateway {
  public constructor(private readonly client: BatchClient = batchClient()) {}

  public async describeJobs(jobIds: readonly string[]): Promise<BatchJob[]> {
    const response = await this.client.send(new DescribeJobsCommand({ jobs: [...jobIds] }));
    // A detail without an id answers no id asked about: it is left out, as an unknown id is.
    return (response.jobs ?? []).filter((job: JobDetail) => job.jobId !== undefined).map(readBatchJob);
  }

  public async submitJob(input: SubmitJobInput): Promise<{ jobId: string; jobName: string; jobArn: string }> {
    const command = new SubmitJobCommand(input);
    // Inside the SDK's retry middleware: a failure that may have created the job becomes AmbiguousSubmission, which
    // the retry strategy does not retry. SubmitJob has no idempotency token, so a blind retry could start a second job.
    command.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          throw isAmbiguous(error) ? new AmbiguousSubmission(error) : error;
        }
      },
      { step: 'finalizeRequest', priority: 'low', name: 'pendantNoBlindSubmitRetry' },
    );
    let response;
    try {
      response = await this.client.send(command);
    } catch (error) {
      throw isRefusal(error) ? new SubmissionRefused(error) : error;
    }
    return { jobId: response.jobId!, jobName: response.jobName!, jobArn: response.jobArn ?? '' };
  }

  public async findJobs(jobQueue: string, jobName: string): Promise<BatchJob[]> {
    const ids: string[] = [];
    const pages = paginateListJobs({ client: this.client }, { jobQueue, filters: [{ name: 'JOB_NAME', values: [jobName] }] });
    for await (const page of pages) {
      // Exact names only: Batch reads a trailing "*" in the filter as a prefix.
      ids.push(...(page.jobSummaryList ?? []).filter((job) => job.jobName === jobName).map((job) => job.jobId!));
      if (ids.length >= MAX_NAMESAKES) break;
    }
    const details: BatchJob[] = [];
    for (const batch of chunk(ids.slice(0, MAX_NAMESAKES), 100)) details.push(...(await this.describeJobs(batch)));
    return details;
  }

  public async latestActiveRevision(jobDefinitionName: string): Promise<number | undefined> {
    let latest: number | undefined;
    const pages = paginateDescribeJobDefinitions(
      { client: this.client },
      { jobDefinitionName, status: 'ACTIVE' },
    );
    for await (const page of pages) {
      for (const definition of page.jobDefinitions ?? []) {
        if (definition.revision !== undefined && (latest === undefined || definition.revision > latest)) latest = definition.revision;
      }
    }
    return latest;
  }

  public async isActiveRevision(jobDefinitionName: string, revision: number): Promise<boolean> {
    // The ACTIVE revisions of the name, read until the one wanted turns up: the same query as for the latest, which
    // every Batch endpoint answers (moto does not read the `name:revision` form of `jobDefinitions`).
    const pages = paginateDescribeJobDefinitions({ client: this.client }, { jobDefinitionName, status: 'ACTIVE' });
    for await (const page of pages) {
      if ((page.jobDefinitions ?? []).some((definition) => definition.revision === revision && definition.status === 'ACTIVE')) return true;
    }
    return false;
  }

  public async terminateJob(jobId: string, reason: string): Promise<void> {
    await this.client.send(new TerminateJobCommand({ jobId, reason }));
  }

  /** Whether the endpoint answered TerminateJobs as an operation it does not have; then TerminateJob is used. */
  private bulkTerminateMissing = false;

  public async terminateJobs(jobIds: readonly string[], reason: string): Promise<TerminateJobsError[]> {
    if (!this.bulkTerminateMissing) {
      try {
        const response = await this.client.send(new TerminateJobsCommand({ jobs: [...jobIds], reason }));
        // Batch answers 200 with a per-job `errors` list; a job it cannot find counts as stopped.
        return (response.errors ?? []).map((error) => ({ jobId: error.job ?? '', code: error.code ?? 'Unknown', message: error.message ?? '' }));
      } catch (error) {
        // An endpoint without the operation (an older Batch-compatible endpoint, moto 5.2.1) answers 404 to its path;
        // Batch's own refusals are 4xx with a type, never 404.
        if (httpStatusOf(error) !== 404) throw error;
        this.bulkTerminateMissing = true;
      }
    }
    for (const jobId of jobIds) await this.terminateJob(jobId, reason);
    return [];
  }

  public async listChildren(request: { arrayJobId: string; status: JobStatus; maxResults: number; nextToken?: string }): Promise<{
    jobs: ChildJobSummary[];
    nextToken?: string;
  }> {
    const response = await this.client.send(
      new ListJobsCommand({
        arrayJobId: request.arrayJobId,
        jobStatus: request.status,
        maxResults: request.maxResults,
        ...(request.nextToken !== undefined && { nextToken: request.nextToken }),
      }),
    );
    const jobs = (response.jobSummaryList ?? []).filter((job) => job.jobId !== undefined && isJobStatus(job.status)).map(childOf);
    return { jobs, ...(response.nextToken && { nextToken: response.nextToken }) };
  }
}

/** An array child as ListJobs lists it (with an id and a status the model knows). */
function childOf(job: JobSummary): ChildJobSummary {
  return {
    jobId: job.jobId!,
    // ListJobs reports the index in arrayProperties; a child's id also ends in it (`<parent>:<index>`, AWS Batch User
    // Guide, "Array jobs"), which is read where an endpoint leaves arrayProperties out (moto 5.2.1 does).
    index: job.arrayProperties?.index ?? indexOfChildId(job.jobId!),
    status: job.status as JobStatus,
    statusReason: job.statusReason ?? null,
    exitCode: job.container?.exitCode ?? null,
    createdAt: isoTime(job.createdAt),
    startedAt: isoTime(job.startedAt),
    stoppedAt: isoTime(job.stoppedAt),
  };
}

function indexOfChildId(jobId: string): number | null {
  const match = /:(\d+)$/.exec(jobId);
  return match === null ? null : Number(match[1]);
}

function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** How many jobs of one name a lookup reads: a keyed submission's own name is unique, a caller's may not be. */
const MAX_NAMESAKES = 1_000;

/** Names AWS gives throttling errors; some come back as 400 (`ThrottlingException` is one of AWS's common errors). */
const THROTTLING_ERROR_NAMES = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException']);

/** A 4xx other than throttling: Batch refused the request, and would refuse it again. */
function isRefusal(error: unknown): boolean {
  const fault = error as { name?: unknown; $retryable?: { throttling?: boolean } } | undefined;
  const status = httpStatusOf(error);
  const throttled = status === 429 || fault?.$retryable?.throttling === true || THROTTLING_ERROR_NAMES.has(String(fault?.name));
  return status !== undefined && status >= 400 && status < 500 && !throttled;
}

/** A 4xx (throttling included) means Batch did not act on the request; anything else leaves it open. */
function isAmbiguous(error: unknown): boolean {
  const status = httpStatusOf(error);
  return status === undefined || status >= 500;
}
