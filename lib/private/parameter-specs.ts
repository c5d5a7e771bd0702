import type { Parameter } from '../parameter';
import { ParameterSpecs } from '../model/parameters';

/** The model's declarations of construct-side parameters, by name: what the job definition renders and checks. */
export function parameterSpecs(parameters: { readonly [name: string]: Parameter }): ParameterSpecs {
  return Object.fromEntries(Object.entries(parameters).map(([name, parameter]) => [name, parameter._spec]));
}
