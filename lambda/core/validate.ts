import { checkParameterValues, ParameterCheck, parameterProblem } from '../../lib/model/parameters';
import { JobDefinitionConfig, RuntimeConfig } from '../../lib/model/config';
import { RequestProblem, UnknownJobDefinitionError } from '../../lib/model/errors';
import { ValidateRequest, ValidateResponse } from '../../lib/model/requests';
import { mapWithConcurrency } from './concurrency';
import type { S3Gateway } from './ports';

export interface ValidateDeps {
  readonly config: RuntimeConfig;
  readonly s3: S3Gateway;
}

/** The declared job definition a request names, or `UnknownJobDefinitionError`. */
export function findJobDefinition(config: RuntimeConfig, declaredName: string): JobDefinitionConfig {
  const definition = config.jobDefinitions.get(declaredName);
  if (definition === undefined) throw new UnknownJobDefinitionError(declaredName, [...config.jobDefinitions.keys()]);
  return definition;
}

/** What HeadObject said of the objects that must exist. */
export interface ObjectCheck {
  /** One problem per parameter naming a missing or forbidden object. */
  readonly problems: RequestProblem[];
  readonly missing: string[];
  readonly denied: string[];
}

/**
 * HeadObject for every distinct object that must exist, at most `concurrency` at once. Missing and forbidden
 * objects come back as problems, never as exceptions.
 */
export async function checkObjectsExist(s3: S3Gateway, check: ParameterCheck, concurrency: number): Promise<ObjectCheck> {
  const uris = [...new Map(check.requiredObjects.map((object) => [object.uri.toString(), object.uri])).values()];
  const states = await mapWithConcurrency(uris, concurrency, (uri) => s3.objectState(uri));
  const stateOf = new Map(uris.map((uri, index) => [uri.toString(), states[index]]));
  const problems: RequestProblem[] = [];
  for (const { parameter, uri } of check.requiredObjects) {
    const state = stateOf.get(uri.toString());
    if (state === 'not-found') problems.push(parameterProblem(parameter, 'not-found', `S3 object does not exist: ${uri.toString()}`));
    if (state === 'access-denied') problems.push(parameterProblem(parameter, 'access-denied', `access denied to S3 object: ${uri.toString()}`));
  }
  const withState = (wanted: string) => uris.filter((uri) => stateOf.get(uri.toString()) === wanted).map(String);
  return { problems, missing: withState('not-found'), denied: withState('access-denied') };
}

export async function validate(deps: ValidateDeps, request: ValidateRequest): Promise<ValidateResponse> {
  const definition = findJobDefinition(deps.config, request.jobDefinition);
  const check = checkParameterValues(definition.parameters, request.parameters ?? {});
  const objects = await checkObjectsExist(deps.s3, check, deps.config.maxS3Concurrency);
  const problems = [...check.problems, ...objects.problems];
  return { valid: problems.length === 0, problems };
}
