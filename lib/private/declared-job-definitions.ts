import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Fn, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CpuArchitecture, JobPlatform } from '../compute-environment';
import type { IJobDefinitionDeclaration, JobDefinitionArnOptions, JobDefinitionDeclaration, JobDefinitionDeclarationOptions } from '../job-definition';
import { checkOverridePolicy, JobResources } from '../model/overrides';
import { checkParameterSpecs, renderDefaults } from '../model/parameters';
import { isValidName } from '../model/job-name';
import { parseJobDefinitionReference } from '../model/config';
import { ValidationError } from '../model/errors';
import { checkParameters } from './job-definition-rules';
import { parameterSpecs } from './parameter-specs';

/** The checks every declaration of a definition of yours passes: its name, parameters and override policy. */
function checkDeclaration(where: string, options: JobDefinitionDeclarationOptions, platform: JobPlatform | undefined): void {
  if (!isValidName(options.name)) {
    throw new ValidationError(`${where}: name must be 1 to 128 letters, digits, "-" or "_", starting with a letter or digit, got ${JSON.stringify(options.name)}`);
  }
  const problems = checkOverridePolicy(options.overrides ?? {}, platform);
  if (problems.length > 0) throw new ValidationError(`${where}: ${problems.join('; ')}`);
}

/**
 * An aws-cdk-lib `EcsJobDefinition` of yours as the runtime functions serve it: platform, architecture and resources
 * read from its container, parameters declared by you and checked against its command and defaults.
 */
export class DeclaredEcsJobDefinition extends Construct implements IJobDefinitionDeclaration {
  public readonly name: string;
  public readonly physicalName: string;
  private readonly declaration: JobDefinitionDeclaration;

  public constructor(scope: Construct, id: string, definition: batch.EcsJobDefinition, options: JobDefinitionDeclarationOptions) {
    super(scope, id);
    const where = `job definition ${JSON.stringify(options.name)} (${this.node.path}, of ${definition.node.path})`;
    const container = definition.container;
    const fargate = container instanceof batch.EcsFargateContainerDefinition ? container : undefined;
    const ec2 = container instanceof batch.EcsEc2ContainerDefinition ? container : undefined;
    const platform = fargate ? JobPlatform.FARGATE : ec2 ? JobPlatform.EC2 : undefined;
    checkDeclaration(where, options, platform);
    this.name = options.name;
    // The name given to the definition when there is one (known at synth, so it ships in the configuration file),
    // else the one CloudFormation generates, read from the ARN.
    const given = (definition.node.defaultChild as batch.CfnJobDefinition | undefined)?.jobDefinitionName;
    this.physicalName = given !== undefined && !Token.isUnresolved(given) ? given : definition.jobDefinitionName;
    const parameters = { ...options.parameters };
    const specs = parameterSpecs(parameters);
    checkParameters(where, specs, container.command);
    checkDefaults(where, renderDefaults(specs), definition);
    const gpus = ec2?.gpu;
    const memory = container.memory.toMebibytes();
    const resources: JobResources | undefined =
      Token.isUnresolved(container.cpu) || Token.isUnresolved(memory) ? undefined : { vcpus: container.cpu, memoryMiB: memory, ...(gpus !== undefined && { gpus }) };
    this.declaration = {
      jobDefinitionArn: definition.jobDefinitionArn,
      // arn:<partition>:batch:<region>:<account>:job-definition/<name>:<revision> — the seventh field is the revision.
      revision: Fn.select(6, Fn.split(':', definition.jobDefinitionArn)),
      platform,
      // Fargate runs x86 unless the container asks for ARM64; an EC2 container runs whatever its instances are.
      architecture: fargate && (fargate.fargateCpuArchitecture === ecs.CpuArchitecture.ARM64 ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64),
      gpus,
      parameters,
      overrides: options.overrides ?? {},
      resources,
    };
  }

  public runtimeDeclaration(): JobDefinitionDeclaration {
    return this.declaration;
  }
}

/**
 * A declared default is what a request that omits the parameter gets, so it must be the one the definition itself
 * holds: AWS Batch substitutes the definition's default, and with none leaves `Ref::<name>` in the command.
 */
function checkDefaults(where: string, declared: Record<string, string>, definition: batch.EcsJobDefinition): void {
  const own = (Stack.of(definition).resolve(definition.parameters) ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(declared)) {
    if (Token.isUnresolved(own[name])) continue;
    if (own[name] !== value) {
      throw new ValidationError(
        `${where}: parameter ${name} declares the default ${JSON.stringify(value)}, but the job definition's own default is ${own[name] === undefined ? 'missing' : JSON.stringify(own[name])}; AWS Batch fills in the definition's, so give the definition parameters: { ${name}: ${JSON.stringify(value)} } or drop the declared default`,
      );
    }
  }
}

/** A job definition deployed elsewhere, by ARN, as the runtime functions serve it. */
export class DeclaredJobDefinitionArn extends Construct implements IJobDefinitionDeclaration {
  public readonly name: string;
  public readonly physicalName: string;
  private readonly declaration: JobDefinitionDeclaration;

  public constructor(scope: Construct, id: string, jobDefinitionArn: string, options: JobDefinitionArnOptions) {
    super(scope, id);
    const where = `job definition ${JSON.stringify(options.name)} (${this.node.path})`;
    checkDeclaration(where, options, options.platform);
    this.name = options.name;
    let revision: string | undefined;
    if (Token.isUnresolved(jobDefinitionArn)) {
      // A deploy-time ARN, such as another stack's export of a job definition's Ref, carries its revision.
      const nameAndRevision = Fn.select(1, Fn.split('/', jobDefinitionArn));
      this.physicalName = Fn.select(0, Fn.split(':', nameAndRevision));
      revision = Fn.select(6, Fn.split(':', jobDefinitionArn));
    } else {
      const reference = /^arn:[^:]+:batch:[^:]*:[^:]*:job-definition\//.test(jobDefinitionArn) ? parseJobDefinitionReference(jobDefinitionArn) : undefined;
      if (reference === undefined) {
        throw new ValidationError(`${where}: ${JSON.stringify(jobDefinitionArn)} is not a job definition ARN (arn:<partition>:batch:<region>:<account>:job-definition/<name>[:<revision>])`);
      }
      this.physicalName = reference.name;
      if (reference.revision !== undefined) revision = String(reference.revision);
    }
    const parameters = { ...options.parameters };
    const problems = checkParameterSpecs(parameterSpecs(parameters));
    if (problems.length > 0) throw new ValidationError(`${where}: ${problems.join('; ')}`);
    this.declaration = {
      jobDefinitionArn,
      revision,
      platform: options.platform,
      architecture: options.architecture,
      parameters,
      overrides: options.overrides ?? {},
    };
  }

  public runtimeDeclaration(): JobDefinitionDeclaration {
    return this.declaration;
  }
}
