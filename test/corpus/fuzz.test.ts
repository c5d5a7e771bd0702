import { HANDLERS, JOB_ID, loadAllCases, QUEUE_ARN, VALID_EVENTS } from './corpus';
import { awsViolations, fuzz, runEvent } from './fuzz';

/** The request fuzzer at unit speed: a fixed seed, a few hundred events, and no bug may turn up. */
describe('Function: fuzz-requests', () => {
  it.each(HANDLERS)('starts from %s events that are accepted and call AWS within its rules', async (handler) => {
    for (const event of VALID_EVENTS[handler]) {
      const { outcome, calls } = await runEvent(handler, event);
      expect({ event, outcome }).toEqual({ event, outcome: { kind: 'accepted' } });
      expect(calls.flatMap(awsViolations)).toEqual([]);
    }
  });

  it('tells a SubmitJob that breaks AWS rules from one that does not', () => {
    const input = { jobName: '-job', jobQueue: QUEUE_ARN, jobDefinition: 'pendant-align:1', arrayProperties: { size: 1 }, dependsOn: [{ jobId: `${JOB_ID}:10000` }] };
    expect(awsViolations({ operation: 'SubmitJob', input }).map((violation) => violation.rule)).toEqual(
      expect.arrayContaining(['SubmitJob.jobName', 'SubmitJob.arrayProperties.size', 'SubmitJob.dependsOn.jobId']),
    );
    const options = { ...input, jobName: 'job', parameters: { input: 's3://pendant-inputs/reads/a' }, arrayProperties: { size: 2 }, dependsOn: [], tags: { 'aws:x': 'v' }, retryStrategy: { attempts: 11 }, timeout: { attemptDurationSeconds: 59 } };
    expect(awsViolations({ operation: 'SubmitJob', input: options }).map((violation) => violation.rule)).toEqual(['SubmitJob.tags.key', 'SubmitJob.retryStrategy.attempts', 'SubmitJob.timeout']);
    expect(awsViolations({ operation: 'TerminateJob', input: { jobId: JOB_ID, reason: 'r'.repeat(1025) } }).map((violation) => violation.rule)).toEqual([
      'TerminateJob.reason',
    ]);
  });

  it('finds no accepted event that breaks an AWS rule, no crash and no refusal after an AWS call', async () => {
    const report = await fuzz({ seed: 20260102, count: 400, corpus: loadAllCases() });

    expect(report.violations).toEqual([]);
    expect(report.crashes).toEqual([]);
    expect(report.unnamed).toEqual([]);
    // The mutations reach past the parsers: some events get to AWS, most are refused.
    const outcomes = Object.values(report.outcomes);
    expect(outcomes.reduce((sum, counts) => sum + counts.accepted, 0)).toBeGreaterThan(0);
    expect(outcomes.reduce((sum, counts) => sum + counts.refused, 0)).toBeGreaterThan(report.runs / 2);
  });
});
