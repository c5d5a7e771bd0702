import {
  BatchClient,
  CancelJobCommand,
  DescribeJobsCommand,
  JobDetail,
  SubmitJobCommand,
  TerminateJobCommand,
  paginateDescribeJobDefinitions,
} from '@aws-sdk/client-batch';
import type { BatchGateway, SubmitJobInput } from '../core/ports';
import { batchClient } from './clients';

export class SdkBatchGateway implements BatchGateway {
  public constructor(private readonly client: BatchClient = batchClient()) {}

  public async describeJobs(jobIds: readonly string[]): Promise<JobDetail[]> {
    const response = await this.client.send(new DescribeJobsCommand({ jobs: [...jobIds] }));
    return response.jobs ?? [];
  }

  public async submitJob(input: SubmitJobInput): Promise<{ jobId: string; jobName: string; jobArn: string }> {
    const response = await this.client.send(new SubmitJobCommand(input));
    return { jobId: response.jobId!, jobName: response.jobName!, jobArn: response.jobArn ?? '' };
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

  public async terminateJob(jobId: string, reason: string): Promise<void> {
    await this.client.send(new TerminateJobCommand({ jobId, reason }));
  }

  public async cancelJob(jobId: string, reason: string): Promise<void> {
    await this.client.send(new CancelJobCommand({ jobId, reason }));
  }
}
