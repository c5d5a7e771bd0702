import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

/**
 * What moto 5.2.1's CloudFormation cannot deploy as synthesized, and how the e2e harness works around each gap by
 * rewriting its own copy of the cloud assembly before `cdk deploy` reads it. Every rewrite keeps what the template
 * means on AWS; none of them is in `lib/`. A gap the rewrites do not know fails loudly here or in the check that
 * every resource of the template exists after the deploy.
 */

export interface Resource {
  readonly Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
  [key: string]: unknown;
}

export interface Template {
  Resources: Record<string, Resource>;
  [section: string]: unknown;
}

export interface MotoPatchOptions {
  /** A role Batch may assume, for compute environments that name none (see `addBatchServiceRole`). */
  readonly batchServiceRoleArn: string;
  /** The template moto holds for this stack from the previous deploy; absent on the first. */
  readonly deployed?: Template;
  /**
   * When jobs really run: the host directory under which job definitions' scratch volumes get a directory each
   * (see `hostBackedScratchVolumes`). Unset, volumes are left as synthesized.
   */
  readonly scratchVolumesDirectory?: string;
}

/** The template as moto can deploy it; `template` is left as it was. */
export function patchTemplateForMoto(template: Template, options: MotoPatchOptions): Template {
  refuseCustomResources(template);
  let patched = structuredClone(template);
  patched = batchGetAttToRef(patched);
  upperCaseComputeEnvironmentType(patched);
  addBatchServiceRole(patched, options.batchServiceRoleArn);
  spellOutDefaultInstanceTypes(patched);
  if (options.scratchVolumesDirectory !== undefined) hostBackedScratchVolumes(patched, options.scratchVolumesDirectory);
  if (options.deployed !== undefined) patched = replaceChangedJobDefinitions(patched, options.deployed);
  return patched;
}

/**
 * moto never completes a custom resource (its provider is a Lambda function, which moto cannot run without Docker),
 * so a stack with one would hang or be reported wrongly. The example app has none; should one appear (a log-retention or auto-delete helper), the
 * e2e says so here rather than deploy something moto cannot.
 */
function refuseCustomResources(template: Template): void {
  const custom = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::CloudFormation::CustomResource' || resource.Type.startsWith('Custom::'))
    .map(([id, resource]) => `${id} (${resource.Type})`);
  if (custom.length > 0) {
    throw new Error(`the template has custom resources, which moto never completes: ${custom.join(', ')}; the e2e cannot deploy it`);
  }
}

/**
 * moto answers HTTP 500 to `Fn::GetAtt` on a Batch resource (its Batch models implement no attributes), while `Ref`
 * works. On AWS, `Ref` of a compute environment, job queue, job definition or scheduling policy is its ARN, the
 * same value as the ARN attribute the CDK asks for, so the rewrite keeps the template's meaning. Any other Batch
 * attribute has no `Ref` equivalent and fails here.
 */
const BATCH_ARN_ATTRIBUTES: Readonly<Record<string, string>> = {
  'AWS::Batch::ComputeEnvironment': 'ComputeEnvironmentArn',
  'AWS::Batch::JobQueue': 'JobQueueArn',
  'AWS::Batch::JobDefinition': 'JobDefinitionArn',
  'AWS::Batch::SchedulingPolicy': 'Arn',
};

function batchGetAttToRef(template: Template): Template {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
      const target = object['Fn::GetAtt'];
      const [id, attribute] = typeof target === 'string' ? target.split('.', 2) : (target as [string, string]);
      const type = template.Resources[id]?.Type;
      if (type !== undefined && type.startsWith('AWS::Batch::')) {
        if (BATCH_ARN_ATTRIBUTES[type] !== attribute) {
          throw new Error(`Fn::GetAtt ${id}.${attribute} on ${type}: moto answers 500 to attributes of Batch resources, and this one has no Ref equivalent`);
        }
        return { Ref: id };
      }
    }
    return Object.fromEntries(keys.map((key) => [key, rewrite(object[key])]));
  };
  return rewrite(template) as Template;
}

function computeEnvironments(template: Template): Array<Record<string, unknown>> {
  return Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::Batch::ComputeEnvironment')
    .map((resource) => (resource.Properties ??= {}));
}

/**
 * moto accepts a compute environment `Type` only in upper case (`MANAGED`, `UNMANAGED`); the CDK writes `managed`,
 * which CloudFormation and Batch accept in either case.
 */
function upperCaseComputeEnvironmentType(template: Template): void {
  for (const properties of computeEnvironments(template)) {
    if (typeof properties.Type === 'string') properties.Type = properties.Type.toUpperCase();
  }
}

/**
 * moto requires `ServiceRole` on every compute environment (a KeyError otherwise). Batch itself uses its
 * service-linked role `AWSServiceRoleForBatch` when the property is absent, which is why the CDK leaves it out; the
 * harness creates a role in moto's IAM and names it.
 */
function addBatchServiceRole(template: Template, roleArn: string): void {
  for (const properties of computeEnvironments(template)) properties.ServiceRole ??= roleArn;
}

/**
 * moto checks EC2 instance types against its own catalogue, which lacks Batch's `default_arm64` and
 * `default_x86_64`; Batch documents them as the m6g, c6g, r6g and c7g families (m6i, c6i, r6i and c7i for x86), so
 * the harness names those families instead.
 */
const DEFAULT_INSTANCE_FAMILIES: Readonly<Record<string, readonly string[]>> = {
  default_arm64: ['m6g', 'c6g', 'r6g', 'c7g'],
  default_x86_64: ['m6i', 'c6i', 'r6i', 'c7i'],
};

function spellOutDefaultInstanceTypes(template: Template): void {
  for (const properties of computeEnvironments(template)) {
    const resources = properties.ComputeResources as { InstanceTypes?: unknown } | undefined;
    if (!Array.isArray(resources?.InstanceTypes)) continue;
    resources.InstanceTypes = resources.InstanceTypes.flatMap((type: unknown): unknown[] => {
      const families = typeof type === 'string' ? DEFAULT_INSTANCE_FAMILIES[type] : undefined;
      return families === undefined ? [type] : [...families];
    });
  }
}

/**
 * The one rewrite that only the real-jobs mode makes, and that AWS would not take as is: moto's Docker backend
 * bind-mounts a volume only from `host.sourcePath`, and fails the job (a KeyError in its log, no status reason) for
 * a volume without one (Fargate's scratch volume: a name and nothing else) or a mount point without `readOnly`.
 * Such a volume gets a host directory of its own, empty and writable, which is what Fargate gives the task; the
 * directory is shared by every job of the definition, where Fargate gives each task its own. The path depends only
 * on the resource and the volume, so a redeploy compares equal.
 */
function hostBackedScratchVolumes(template: Template, directory: string): void {
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Batch::JobDefinition') continue;
    const container = resource.Properties?.ContainerProperties as
      | { Volumes?: Array<{ Name?: string; Host?: { SourcePath?: string }; EfsVolumeConfiguration?: unknown }>; MountPoints?: Array<{ ReadOnly?: boolean }> }
      | undefined;
    for (const volume of container?.Volumes ?? []) {
      if (volume.Host?.SourcePath !== undefined || volume.EfsVolumeConfiguration !== undefined) continue;
      const sourcePath = join(directory, `${id}-${volume.Name}`);
      mkdirSync(sourcePath, { recursive: true });
      chmodSync(sourcePath, 0o1777);
      volume.Host = { SourcePath: sourcePath };
    }
    for (const mountPoint of container?.MountPoints ?? []) mountPoint.ReadOnly ??= false;
  }
}

/** The suffix of a logical id the harness gave a job definition it replaced. */
const REPLACEMENT = /^(.*)Replacement(\d+)$/;

/**
 * Any change to an `AWS::Batch::JobDefinition` is a replacement on AWS: CloudFormation registers a new revision, so
 * the resource's `Ref` (its ARN) names the new revision and everything that reads it (submit's revisions) is
 * updated. moto's UpdateStack instead "modifies" it in place with no update method, so no revision is registered and
 * moto even forgets the resource's physical id. The harness makes the replacement explicit: a job definition whose
 * properties differ from the deployed one gets a fresh logical id, which moto creates (registering the next
 * revision) and the old id is removed (moto's job definitions have no delete, so the old revision stays ACTIVE, as
 * `skipDeregisterOnUpdate` asks of AWS). An unchanged one keeps the id it was deployed under.
 */
function replaceChangedJobDefinitions(template: Template, deployed: Template): Template {
  const renames = new Map<string, string>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Batch::JobDefinition') continue;
    const deployedId = Object.keys(deployed.Resources).find((candidate) => candidate === id || REPLACEMENT.exec(candidate)?.[1] === id);
    if (deployedId === undefined) continue;
    // Compared under the deployed id, so references to the definition read the same on both sides.
    const underDeployedId = renameResources(template, new Map([[id, deployedId]])).Resources[deployedId];
    if (isDeepStrictEqual(underDeployedId, deployed.Resources[deployedId])) {
      if (deployedId !== id) renames.set(id, deployedId);
    } else {
      const generation = Number(REPLACEMENT.exec(deployedId)?.[2] ?? 0) + 1;
      renames.set(id, `${id}Replacement${generation}`);
    }
  }
  return renames.size === 0 ? template : renameResources(template, renames);
}

/** The template with resources moved to new logical ids, and every Ref, GetAtt, Sub and DependsOn following them. */
function renameResources(template: Template, renames: ReadonlyMap<string, string>): Template {
  const to = (id: string) => renames.get(id) ?? id;
  const rewrite = (value: unknown, key?: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => rewrite(item, key === 'DependsOn' ? key : undefined));
    if (typeof value === 'string') return key === 'DependsOn' || key === 'Ref' ? to(value) : value;
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    if ('Fn::GetAtt' in object) {
      const target = object['Fn::GetAtt'];
      if (typeof target === 'string') {
        const [id, attribute] = target.split('.', 2);
        return { 'Fn::GetAtt': `${to(id)}.${attribute}` };
      }
      const [id, ...rest] = target as unknown[];
      return { 'Fn::GetAtt': [to(String(id)), ...rest.map((item) => rewrite(item))] };
    }
    if ('Fn::Sub' in object) {
      const sub = object['Fn::Sub'];
      const renameIn = (text: string) => text.replace(/\$\{([^}.!]+)((?:\.[^}]*)?)\}/g, (_, id: string, attribute: string) => `\${${to(id)}${attribute}}`);
      return { 'Fn::Sub': typeof sub === 'string' ? renameIn(sub) : [renameIn(String((sub as unknown[])[0])), rewrite((sub as unknown[])[1])] };
    }
    return Object.fromEntries(Object.entries(object).map(([name, item]) => [name, rewrite(item, name)]));
  };
  const rewritten = rewrite(template) as Template;
  rewritten.Resources = Object.fromEntries(Object.entries(rewritten.Resources).map(([id, resource]) => [to(id), resource]));
  return rewritten;
}

/** A stack of a cloud assembly, as the CLI reads it. */
export interface AssemblyStack {
  readonly stackName: string;
  readonly templateFile: string;
}

/** The stacks of the cloud assembly in `directory`, in the manifest's order. */
export function assemblyStacks(directory: string): AssemblyStack[] {
  const manifest = readJson(join(directory, 'manifest.json')) as { artifacts: Record<string, ManifestArtifact> };
  return Object.entries(manifest.artifacts)
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .map(([id, artifact]) => ({ stackName: artifact.properties?.stackName ?? id, templateFile: artifact.properties!.templateFile! }));
}

interface ManifestArtifact {
  readonly type: string;
  readonly properties?: { templateFile?: string; stackName?: string; file?: string };
}

/**
 * Rewrites a stack's template in the cloud assembly and keeps the assembly consistent: the CLI uploads the template
 * as an asset keyed by the hash of its content (and skips an upload whose key exists), so the old key would make
 * `cdk deploy` send the template of the previous synth. The hash is replaced in the asset manifest and in the
 * manifest's template URL.
 */
export function rewriteAssemblyTemplate(directory: string, stack: AssemblyStack, template: Template): void {
  const templatePath = join(directory, stack.templateFile);
  const assetsFiles = Object.values((readJson(join(directory, 'manifest.json')) as { artifacts: Record<string, ManifestArtifact> }).artifacts)
    .filter((artifact) => artifact.type === 'cdk:asset-manifest' && artifact.properties?.file !== undefined)
    .map((artifact) => artifact.properties!.file!);
  const content = JSON.stringify(template, undefined, 1);
  const newHash = createHash('sha256').update(content).digest('hex');
  writeFileSync(templatePath, content);
  for (const assetsFile of assetsFiles) {
    const assets = readJson(join(directory, assetsFile)) as { files?: Record<string, { source: { path?: string } }> };
    const oldHash = Object.entries(assets.files ?? {}).find(([, file]) => file.source.path === stack.templateFile)?.[0];
    if (oldHash === undefined) continue;
    for (const file of [assetsFile, 'manifest.json']) {
      const path = join(directory, file);
      writeFileSync(path, readFileSync(path, 'utf8').split(oldHash).join(newHash));
    }
    return;
  }
  throw new Error(`no asset manifest in ${directory} lists ${stack.templateFile}`);
}

export function readTemplate(directory: string, stack: AssemblyStack): Template {
  return readJson(join(directory, stack.templateFile)) as Template;
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}
