import { ExitCode, isActive, isJobStatus, isStarted, isTerminal, JOB_STATUSES, JobStatus } from '../../lib/model/job-status';

describe('JobStatus', () => {
  it('has the seven AWS Batch statuses, in the order a job passes through them', () => {
    expect(JOB_STATUSES).toEqual(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED']);
    for (const status of JOB_STATUSES) expect(JobStatus[status]).toBe(status);
  });

  describe.each<[JobStatus, { terminal: boolean; started: boolean }]>([
    ['SUBMITTED', { terminal: false, started: false }],
    ['PENDING', { terminal: false, started: false }],
    ['RUNNABLE', { terminal: false, started: false }],
    ['STARTING', { terminal: false, started: true }],
    ['RUNNING', { terminal: false, started: true }],
    ['SUCCEEDED', { terminal: true, started: false }],
    ['FAILED', { terminal: true, started: false }],
  ])('%s', (status, { terminal, started }) => {
    it(`is ${terminal ? '' : 'not '}terminal`, () => {
      expect(isTerminal(status)).toBe(terminal);
    });

    it(`is ${terminal ? 'not ' : ''}active`, () => {
      expect(isActive(status)).toBe(!terminal);
    });

    it(`is ${started ? '' : 'not '}started`, () => {
      expect(isStarted(status)).toBe(started);
    });

    it('is a job status', () => {
      expect(isJobStatus(status)).toBe(true);
    });
  });

  describe('isJobStatus', () => {
    it.each([['running'], ['CANCELLED'], [''], [undefined], [null], [5], [{ status: 'RUNNING' }]])('is false for %j', (value) => {
      expect(isJobStatus(value)).toBe(false);
    });
  });
});

describe('ExitCode', () => {
  it('is ok for zero', () => {
    expect(new ExitCode(0).isOk()).toBe(true);
  });

  it.each([1, 2, 137, 255, -1])('is not ok for %d', (value) => {
    expect(new ExitCode(value).isOk()).toBe(false);
  });

  it('behaves as its number', () => {
    const code = new ExitCode(137);
    expect(code.value).toBe(137);
    expect(+code).toBe(137);
    expect(JSON.stringify({ exitCode: code })).toBe('{"exitCode":137}');
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY])('throws when the value %p is not an integer', (value) => {
    expect(() => new ExitCode(value)).toThrow(new RangeError(`exit code must be an integer, got ${value}`));
  });
});
