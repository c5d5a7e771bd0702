import { fieldPath, type RequestProblem } from './errors';
import { type ContainerOverrides, ENV_NAME_PATTERN, RESERVED_ENV_PREFIX } from './requests';

/**
 * What callers of submit may change of a job definition's container, declared by the job definition. A caller who
 * may replace the command or set any environment variable (`LD_PRELOAD`, `PATH`, `NODE_OPTIONS`…) runs code of its
 * own choosing with the job's role and secrets, past every parameter check; so nothing is allowed unless declared.
 *
 * Plain values only (booleans, names, numbers): it is both a construct prop and part of the runtime configuration.
 */
export interface JobOverridePolicy {
  /**
   * Let callers replace the command (`containerOverrides.command`).
   * @default false
   */
  readonly command?: boolean;
  /**
   * The environment variables callers may set, by name (`containerOverrides.environment`); any other is refused.
   * @default - none
   */
  readonly environment?: string[];
  /**
   * The most vCPUs a caller may ask for (`containerOverrides.vcpus`), within the platform's own values.
   * @default - vcpus may not be overridden
   */
  readonly maxVcpus?: number;
  /**
   * The most memory, in MiB, a caller may ask for (`containerOverrides.memoryMiB`). Spelled out rather than
   * `maxMemoryMiB`: jsii-rosetta writes that `max_memory_mi_b` in the Python docs, jsii-pacmak `max_memory_mib`.
   * @default - memory may not be overridden
   */
  readonly maxMemoryMebibytes?: number;
  /**
   * The most GPUs a caller may ask for (`containerOverrides.gpus`); EC2 only.
   * @default - gpus may not be overridden
   */
  readonly maxGpus?: number;
}

/** What a job definition reserves for its container, which an override replaces one resource at a time. */
export interface JobResources {
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly gpus?: number;
}

/**
 * Fargate's vCPU values and the memory (MiB) each takes (AWS Batch API Reference, ResourceRequirement: value, for
 * VCPU and MEMORY on Fargate): `only` lists them where they are not a range. The smallest is a definition's default.
 */
export const FARGATE_MEMORY: Readonly<Record<string, { readonly min: number; readonly max: number; readonly step: number; readonly only?: readonly number[] }>> = {
  '0.25': { min: 512, max: 2048, step: 512, only: [512, 1024, 2048] },
  '0.5': { min: 1024, max: 4096, step: 1024 },
  '1': { min: 2048, max: 8192, step: 1024 },
  '2': { min: 4096, max: 16384, step: 1024 },
  '4': { min: 8192, max: 30720, step: 1024 },
  '8': { min: 16384, max: 61440, step: 4096 },
  '16': { min: 32768, max: 122880, step: 8192 },
};

/** Fargate's vCPU values in increasing order (Object.keys lists `'1'`, `'2'`… before `'0.25'`). */
export const FARGATE_VCPUS: readonly number[] = Object.keys(FARGATE_MEMORY)
  .map(Number)
  .sort((a, b) => a - b);

/** Whether Fargate takes `memoryMiB` with `vcpus`. */
export function fargateMemoryFits(vcpus: number, memoryMiB: number): boolean {
  const allowed = FARGATE_MEMORY[String(vcpus)];
  if (allowed === undefined) return false;
  return allowed.only
    ? allowed.only.includes(memoryMiB)
    : memoryMiB >= allowed.min && memoryMiB <= allowed.max && (memoryMiB - allowed.min) % allowed.step === 0;
}

/** The memory Fargate takes with `vcpus`, in words. */
export function describeFargateMemory(vcpus: number): string {
  const allowed = FARGATE_MEMORY[String(vcpus)];
  if (allowed === undefined) return 'no memory (not a Fargate vCPU value)';
  return allowed.only ? `${allowed.only.join(', ')} MiB` : `${allowed.min} to ${allowed.max} MiB in steps of ${allowed.step}`;
}

/**
 * The resource amounts SubmitJob takes on any platform (AWS Batch API Reference, ResourceRequirement: value): VCPU
 * whole on EC2 and one of 0.25, 0.5, 1, 2, 4, 8, 16 on Fargate, so a whole number or a quarter or a half; MEMORY a
 * whole number of MiB, at least 4; GPU a whole number. What a platform narrows further is `checkOverridePolicy`'s.
 */
export const RESOURCE_LIMITS = {
  MAX_VCPUS: 256,
  FRACTIONAL_VCPUS: [0.25, 0.5] as readonly number[],
  MIN_MEMORY_MIB: 4,
  MAX_MEMORY_MIB: 4_194_304,
  MAX_GPUS: 64,
} as const;

/** Checks a policy itself (at synth time and when the configuration is read); one message per problem. */
export function checkOverridePolicy(policy: JobOverridePolicy, platform: 'FARGATE' | 'EC2' | undefined): string[] {
  const problems: string[] = [];
  if (policy.command !== undefined && typeof policy.command !== 'boolean') problems.push('overrides.command must be true or false');
  if (policy.environment !== undefined) {
    if (!Array.isArray(policy.environment)) problems.push('overrides.environment must be a list of environment variable names');
    else {
      for (const name of policy.environment) {
        if (typeof name !== 'string' || !ENV_NAME_PATTERN.test(name) || name.toUpperCase().startsWith(RESERVED_ENV_PREFIX)) {
          problems.push(`overrides.environment: ${JSON.stringify(name)} is not an environment variable name a caller may set (a letter or "_", then letters, digits or "_"; not AWS_BATCH*)`);
        }
      }
    }
  }
  const whole = (value: unknown, min: number) => typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
  if (policy.maxVcpus !== undefined) {
    const vcpus = policy.maxVcpus;
    const valid =
      platform === 'FARGATE'
        ? FARGATE_VCPUS.includes(vcpus)
        : whole(vcpus, 1) || (platform === undefined && RESOURCE_LIMITS.FRACTIONAL_VCPUS.includes(vcpus));
    if (!valid || vcpus > RESOURCE_LIMITS.MAX_VCPUS) {
      problems.push(
        platform === 'FARGATE'
          ? `overrides.maxVcpus must be one of Fargate's ${FARGATE_VCPUS.join(', ')}, got ${vcpus}`
          : `overrides.maxVcpus must be a whole number from 1 to ${RESOURCE_LIMITS.MAX_VCPUS}, got ${vcpus}`,
      );
    }
  }
  if (policy.maxMemoryMebibytes !== undefined && (!whole(policy.maxMemoryMebibytes, RESOURCE_LIMITS.MIN_MEMORY_MIB) || policy.maxMemoryMebibytes > RESOURCE_LIMITS.MAX_MEMORY_MIB)) {
    problems.push(`overrides.maxMemoryMebibytes must be a whole number of MiB from ${RESOURCE_LIMITS.MIN_MEMORY_MIB} to ${RESOURCE_LIMITS.MAX_MEMORY_MIB}, got ${policy.maxMemoryMebibytes}`);
  }
  if (policy.maxGpus !== undefined) {
    if (platform === 'FARGATE') problems.push('overrides.maxGpus needs the EC2 platform; Fargate has no GPUs');
    else if (!whole(policy.maxGpus, 0) || policy.maxGpus > RESOURCE_LIMITS.MAX_GPUS) {
      problems.push(`overrides.maxGpus must be a whole number from 0 to ${RESOURCE_LIMITS.MAX_GPUS}, got ${policy.maxGpus}`);
    }
  }
  return problems;
}

/** The job definition an override is judged against. */
export interface OverrideTarget {
  readonly declaredName: string;
  readonly platform?: 'FARGATE' | 'EC2';
  readonly overrides: JobOverridePolicy;
  /** @default - unknown: Fargate's vCPU and memory pairs are checked only when both are overridden */
  readonly resources?: JobResources;
}

/**
 * Refuses every override the job definition does not allow, and every amount its platform does not take (AWS Batch
 * API Reference, ResourceRequirement): a problem per field, for `InvalidRequestError`.
 */
export function checkOverrides(target: OverrideTarget, requested: ContainerOverrides): RequestProblem[] {
  const problems: RequestProblem[] = [];
  const { declaredName: name, overrides: policy, platform } = target;
  const refuse = (field: string, rule: string, message: string) => problems.push({ field: `containerOverrides.${field}`, rule, message });
  const notAllowed = (field: string, declaration: string) =>
    refuse(field, 'not-allowed', `job definition ${name} does not let callers override ${field}; it would need overrides.${declaration}`);

  if (requested.command !== undefined && policy.command !== true) notAllowed('command', 'command: true');
  if (requested.environment !== undefined) {
    const allowed = policy.environment ?? [];
    for (const variable of Object.keys(requested.environment)) {
      if (!allowed.includes(variable)) {
        refuse(fieldPath('environment', variable), 'not-allowed', `is not an environment variable job definition ${name} lets callers set; allowed: ${allowed.join(', ') || '(none)'}`);
      }
    }
  }

  const bounded = (field: 'vcpus' | 'memoryMiB' | 'gpus', max: number | undefined, declaration: string): boolean => {
    const value = requested[field];
    if (value === undefined) return false;
    if (max === undefined) {
      notAllowed(field, declaration);
      return false;
    }
    if (value > max) {
      refuse(field, 'above-limit', `must be at most ${max}, what job definition ${name} allows, got ${value}`);
      return false;
    }
    return true;
  };
  const vcpusOk = bounded('vcpus', policy.maxVcpus, 'maxVcpus');
  const memoryOk = bounded('memoryMiB', policy.maxMemoryMebibytes, 'maxMemoryMebibytes');
  if (requested.gpus !== undefined && platform === 'FARGATE') {
    refuse('gpus', 'platform', `job definition ${name} runs on Fargate, which has no GPUs`);
  } else {
    bounded('gpus', policy.maxGpus, 'maxGpus');
  }

  if (vcpusOk && requested.vcpus !== undefined) {
    if (platform === 'EC2' && !Number.isInteger(requested.vcpus)) {
      refuse('vcpus', 'granularity', `must be a whole number on EC2, where job definition ${name} runs, got ${requested.vcpus}`);
      return problems;
    }
    if (platform === 'FARGATE' && !FARGATE_VCPUS.includes(requested.vcpus)) {
      refuse('vcpus', 'granularity', `must be one of Fargate's ${FARGATE_VCPUS.join(', ')}, where job definition ${name} runs, got ${requested.vcpus}`);
      return problems;
    }
  }
  // Fargate takes memory in steps that depend on the vCPUs; a lone override is checked against the definition's own.
  if (platform === 'FARGATE' && (vcpusOk || memoryOk)) {
    const vcpus = vcpusOk ? requested.vcpus : target.resources?.vcpus;
    const memoryMiB = memoryOk ? requested.memoryMiB : target.resources?.memoryMiB;
    if (vcpus !== undefined && memoryMiB !== undefined && !fargateMemoryFits(vcpus, memoryMiB)) {
      const field = memoryOk ? 'memoryMiB' : 'vcpus';
      const own = memoryOk ? '' : ` (job definition ${name} has ${memoryMiB} MiB; override memoryMiB too)`;
      refuse(field, 'granularity', `Fargate with ${vcpus} vCPU takes ${describeFargateMemory(vcpus)}, got ${memoryMiB} MiB${own}`);
    }
  }
  return problems;
}
