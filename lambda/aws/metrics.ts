import { JOB_TRANSITIONS_METRIC } from '../../lib/model/job-events';

/**
 * One CloudWatch embedded-metric-format line (CloudWatch User Guide, "Specification: Embedded metric format"):
 * CloudWatch Logs turns it into a data point of `JobTransitions` for the queue and status, with no PutMetricData
 * call and no permission beyond writing the function's own log. Written straight to stdout, as the format needs a
 * line that is the JSON document itself.
 */
export function transitionMetricLine(jobQueue: string, status: string, timestamp: number): string {
  const { namespace, metricName, dimensions } = JOB_TRANSITIONS_METRIC;
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [[dimensions.jobQueue, dimensions.status]], Metrics: [{ Name: metricName, Unit: 'Count' }] }],
    },
    [dimensions.jobQueue]: jobQueue,
    [dimensions.status]: status,
    [metricName]: 1,
  });
}

export function writeStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}
