import * as ecs from 'aws-cdk-lib/aws-ecs';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * What both synth apps share: how many job definitions to make, what each one is, and the figures the app process
 * reports about itself when it exits (the CLI runs it as a child, so only the app can see its own CPU and memory).
 */

/** How many job definitions the app makes. */
export const JOB_DEFINITIONS_VARIABLE = 'PENDANT_BENCH_JOB_DEFINITIONS';
/** Where the app writes its `ProcessStats` as JSON when it exits. */
export const STATS_FILE_VARIABLE = 'PENDANT_BENCH_STATS_FILE';

/** The repository root: the apps run from `bench/out/bench/apps/`. */
export const REPOSITORY_ROOT = resolve(__dirname, '..', '..', '..', '..');

/** The example platform's demo-job inputs (`bin/stacks.ts`), so both apps grant the same S3 reads. */
export const INPUTS_BUCKET = 'pendant-demo-inputs';
export const INPUTS_PREFIX = `s3://${INPUTS_BUCKET}/inputs/`;

export function jobDefinitionCount(): number {
  const count = Number(process.env[JOB_DEFINITIONS_VARIABLE] ?? '1');
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`${JOB_DEFINITIONS_VARIABLE} must be a whole number, got ${process.env[JOB_DEFINITIONS_VARIABLE]}`);
  return count;
}

/** The n-th job definition, shaped like the example app's demo-job: Fargate, 1 vCPU, 2 GiB, one S3 input. */
export function jobDefinitionShape(index: number) {
  return {
    name: `bench-job-${String(index).padStart(3, '0')}`,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable'),
    command: ['sh', '-c', 'echo "You have started up this demo job on Ref::input_object"'],
  };
}

export interface ProcessStats {
  /** From node's start to exit, synthesis included. */
  readonly wallMillis: number;
  readonly userMillis: number;
  readonly systemMillis: number;
  readonly maxRssKiB: number;
}

/** Writes this process's `ProcessStats` to the file `STATS_FILE_VARIABLE` names, if it names one, on exit. */
export function reportStatsOnExit(): void {
  const file = process.env[STATS_FILE_VARIABLE];
  if (file === undefined || file === '') return;
  process.once('exit', () => {
    const usage = process.resourceUsage();
    const stats: ProcessStats = {
      wallMillis: process.uptime() * 1000,
      userMillis: usage.userCPUTime / 1000,
      systemMillis: usage.systemCPUTime / 1000,
      maxRssKiB: usage.maxRSS,
    };
    writeFileSync(file, JSON.stringify(stats));
  });
}
