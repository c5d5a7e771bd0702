import { parameterLocations, ParameterSpecs } from '../model/parameters';
import { S3Uri } from '../model/s3-uri';

/** The S3 locations a job's own code reads and writes, from the `within` of its S3 parameters. */
export interface ParameterAccess {
  /** Prefixes the job may read objects under: every S3 parameter's `within`. */
  readonly read: S3Uri[];
  /** Prefixes the job may write objects under and list: the `within` of its `s3Prefix` parameters, its outputs. */
  readonly write: S3Uri[];
}

/**
 * Where a job's parameters may point, so its role can reach exactly that: an input parameter (`s3Object`,
 * `s3Objects`) names objects the job reads; a prefix parameter is a location the job lists, reads and writes. A
 * parameter without `within` may point anywhere, and gets no grant. Each kind says which is which
 * (`PARAMETER_KINDS`).
 */
export function parameterAccess(parameters: ParameterSpecs): ParameterAccess {
  const { read, write } = parameterLocations(parameters);
  return { read, write };
}
