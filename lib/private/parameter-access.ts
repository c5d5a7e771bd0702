import { ParameterSpecs, S3Uri } from '../model';

/** The S3 locations a job's own code reads and writes, from the `within` of its S3 parameters. */
export interface ParameterAccess {
  /** Prefixes the job may read objects under: every S3 parameter's `within`. */
  readonly read: S3Uri[];
  /** Prefixes the job may write objects under and list: the `within` of its `s3Prefix` parameters, its outputs. */
  readonly write: S3Uri[];
}

/**
 * Where a job's parameters may point, so its role can reach exactly that: an object parameter is an input the job
 * reads; a prefix parameter is a location the job lists, reads and writes. A parameter without `within` may point
 * anywhere, and gets no grant.
 */
export function parameterAccess(parameters: ParameterSpecs): ParameterAccess {
  const read = new Map<string, S3Uri>();
  const write = new Map<string, S3Uri>();
  for (const spec of Object.values(parameters)) {
    if (spec.type !== 's3-object' && spec.type !== 's3-prefix') continue;
    for (const within of spec.within ?? []) {
      const uri = S3Uri.parse(within);
      read.set(uri.toString(), uri);
      if (spec.type === 's3-prefix') write.set(uri.toString(), uri);
    }
  }
  return { read: [...read.values()], write: [...write.values()] };
}
