// What an EC2 instance type name says about the instance. Batch also takes a bare family (`c7g`) where EC2 takes a
// size, so these read the family only, and accept both spellings.

/** `<family letters><generation><attributes>` before an optional `.<size>`, as EC2 names its types. */
const INSTANCE_TYPE = /^([a-z]+)(\d{1,2})([a-z-]*)(?:\.[a-z0-9-]+)?$/;

/**
 * Graviton: the `g` attribute after the generation (m7g, c7gn, g5g, x2gd, is4gen) or the a1 family. aws-cdk-lib's
 * `InstanceType.architecture` reads names the same way but refuses a bare family.
 */
export function isArm64InstanceType(identifier: string): boolean {
  const match = INSTANCE_TYPE.exec(identifier);
  if (match === null) return false;
  const [, family, , attributes] = match;
  return family === 'a' || attributes.includes('g');
}

/**
 * The families with NVIDIA GPUs, the only GPUs a Batch `GPU` resource requirement reserves (AWS Batch User Guide,
 * "Use GPU workloads on AWS Batch"): P2 to P6 and G3 to G7, without the AMD g4ad.
 */
export function hasGpus(identifier: string): boolean {
  const match = INSTANCE_TYPE.exec(identifier);
  if (match === null) return false;
  const [, family, generation, attributes] = match;
  const number = Number(generation);
  if (family === 'p') return number >= 2;
  if (family === 'g' || family === 'gr') return number >= 3 && !(number === 4 && attributes === 'ad');
  return false;
}
