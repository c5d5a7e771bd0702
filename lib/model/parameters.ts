import { isWellFormedText, S3Uri } from './s3-uri';

/**
 * Job definition parameters, declared once and typed.
 *
 * A declaration is plain JSON so that the same value is what the construct renders into the job definition's
 * `Parameters` (the defaults) and into the runtime functions' configuration, and what the validate and submit
 * handlers check a request against. A parameter without a default is required.
 */
export type ParameterSpec =
  | StringParameterSpec
  | IntegerParameterSpec
  | BooleanParameterSpec
  | EnumParameterSpec
  | S3ObjectParameterSpec
  | S3PrefixParameterSpec;

export type ParameterType = ParameterSpec['type'];

interface ParameterSpecBase {
  /** What the parameter means, for people. */
  readonly description?: string;
}

export interface StringParameterSpec extends ParameterSpecBase {
  readonly type: 'string';
  readonly default?: string;
  /** @default 0 */
  readonly minLength?: number;
  /** @default - no limit but the 30 KiB job payload */
  readonly maxLength?: number;
  /** A regular expression (JavaScript syntax) the whole value must match. */
  readonly pattern?: string;
}

export interface IntegerParameterSpec extends ParameterSpecBase {
  readonly type: 'integer';
  readonly default?: number;
  readonly min?: number;
  readonly max?: number;
}

export interface BooleanParameterSpec extends ParameterSpecBase {
  readonly type: 'boolean';
  readonly default?: boolean;
}

export interface EnumParameterSpec extends ParameterSpecBase {
  readonly type: 'enum';
  readonly values: readonly string[];
  readonly default?: string;
}

export interface S3ObjectParameterSpec extends ParameterSpecBase {
  readonly type: 's3-object';
  readonly default?: string;
  /** Check with HeadObject that the object exists before a job is submitted. @default false */
  readonly mustExist?: boolean;
  /**
   * S3 URIs the value must lie under (string prefixes of the key, as IAM's `bucket/prefix*`). They are also what the
   * validate function is allowed to read.
   * @default - any location
   */
  readonly within?: readonly string[];
}

export interface S3PrefixParameterSpec extends ParameterSpecBase {
  readonly type: 's3-prefix';
  readonly default?: string;
  /** @default - any location */
  readonly within?: readonly string[];
}

/** The parameters of one job definition, by name. */
export type ParameterSpecs = Readonly<Record<string, ParameterSpec>>;

/** Builders for parameter declarations. */
export const Parameter = {
  string(options: Omit<StringParameterSpec, 'type'> = {}): StringParameterSpec {
    return { type: 'string', ...options };
  },
  integer(options: Omit<IntegerParameterSpec, 'type'> = {}): IntegerParameterSpec {
    return { type: 'integer', ...options };
  },
  boolean(options: Omit<BooleanParameterSpec, 'type'> = {}): BooleanParameterSpec {
    return { type: 'boolean', ...options };
  },
  enum(values: readonly string[], options: Omit<EnumParameterSpec, 'type' | 'values'> = {}): EnumParameterSpec {
    return { type: 'enum', values: [...values], ...options };
  },
  s3Object(options: Omit<S3ObjectParameterSpec, 'type'> = {}): S3ObjectParameterSpec {
    return { type: 's3-object', ...options };
  },
  s3Prefix(options: Omit<S3PrefixParameterSpec, 'type'> = {}): S3PrefixParameterSpec {
    return { type: 's3-prefix', ...options };
  },
} as const;

/** Parameter names: what can follow `Ref::` in a command. */
export const PARAMETER_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

/** Codes of the problems a parameter value can have. */
export type ParameterProblemCode =
  | 'required'
  | 'unknown-parameter'
  | 'type'
  | 'range'
  | 'length'
  | 'pattern'
  | 'enum'
  | 'invalid-s3-uri'
  | 'not-an-object'
  | 'outside-allowed-location'
  | 'not-found'
  | 'access-denied';

/** One problem with one parameter value. */
export interface ParameterProblem {
  readonly parameter: string;
  readonly code: ParameterProblemCode;
  readonly message: string;
}

/** An S3 object a value names that must exist. */
export interface RequiredObject {
  readonly parameter: string;
  readonly uri: S3Uri;
}

/** The outcome of checking values against declarations, before anything is asked of AWS. */
export interface ParameterCheck {
  readonly problems: ParameterProblem[];
  /** The values the request gave, rendered as the strings Batch takes. Defaults are left to the job definition. */
  readonly rendered: Record<string, string>;
  /** Objects, from given values or defaults, that must exist. */
  readonly requiredObjects: RequiredObject[];
}

/**
 * Checks request values against declarations: unknown names, missing required values, types, ranges, lengths,
 * patterns, enums, S3 URIs and their allowed locations. Every problem is reported, not only the first.
 */
export function checkParameterValues(specs: ParameterSpecs, values: Readonly<Record<string, unknown>>): ParameterCheck {
  const problems: ParameterProblem[] = [];
  const rendered: Record<string, string> = {};
  const requiredObjects: RequiredObject[] = [];

  for (const name of Object.keys(values)) {
    if (!Object.prototype.hasOwnProperty.call(specs, name)) {
      const known = Object.keys(specs);
      problems.push({
        parameter: name,
        code: 'unknown-parameter',
        message: `is not a parameter of this job definition; known: ${known.join(', ') || '(none)'}`,
      });
    }
  }

  for (const [name, spec] of Object.entries(specs)) {
    const given = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    if (given === undefined || given === null) {
      if (spec.default === undefined) {
        problems.push({ parameter: name, code: 'required', message: `is required (${describeSpec(spec)})` });
      } else if (spec.type === 's3-object' && spec.mustExist) {
        requiredObjects.push({ parameter: name, uri: S3Uri.parse(spec.default) });
      }
      continue;
    }
    const result = checkValue(name, spec, given);
    if ('problem' in result) {
      problems.push(result.problem);
      continue;
    }
    rendered[name] = result.value;
    if (spec.type === 's3-object' && spec.mustExist) requiredObjects.push({ parameter: name, uri: S3Uri.parse(result.value) });
  }
  return { problems, rendered, requiredObjects };
}

type ValueResult = { value: string } | { problem: ParameterProblem };

function checkValue(parameter: string, spec: ParameterSpec, given: unknown): ValueResult {
  const problem = (code: ParameterProblemCode, message: string): ValueResult => ({ problem: { parameter, code, message } });
  switch (spec.type) {
    case 'string': {
      if (typeof given !== 'string') return problem('type', `must be a string, got ${typeName(given)}`);
      // Batch takes parameters as UTF-8 text: a lone surrogate has no UTF-8 form.
      if (!isWellFormedText(given)) return problem('type', 'must be valid Unicode text, got a lone UTF-16 surrogate');
      if (spec.minLength !== undefined && given.length < spec.minLength) {
        return problem('length', `must be at least ${spec.minLength} characters, got ${given.length}`);
      }
      if (spec.maxLength !== undefined && given.length > spec.maxLength) {
        return problem('length', `must be at most ${spec.maxLength} characters, got ${given.length}`);
      }
      if (spec.pattern !== undefined && !new RegExp(`^(?:${spec.pattern})$`, 'u').test(given)) {
        return problem('pattern', `must match /${spec.pattern}/`);
      }
      return { value: given };
    }
    case 'integer': {
      const value = toInteger(given);
      if (value === undefined) return problem('type', `must be an integer, got ${describeValue(given)}`);
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        return problem('range', `must be ${describeRange(spec)}, got ${value}`);
      }
      return { value: String(value) };
    }
    case 'boolean': {
      if (given === true || given === 'true') return { value: 'true' };
      if (given === false || given === 'false') return { value: 'false' };
      return problem('type', `must be true or false, got ${describeValue(given)}`);
    }
    case 'enum': {
      if (typeof given !== 'string' || !spec.values.includes(given)) {
        return problem('enum', `must be one of ${spec.values.join(', ')}, got ${describeValue(given)}`);
      }
      return { value: given };
    }
    case 's3-object':
    case 's3-prefix': {
      if (typeof given !== 'string') return problem('type', `must be an S3 URI string, got ${typeName(given)}`);
      let uri: S3Uri;
      try {
        uri = S3Uri.parse(given);
      } catch (error) {
        return problem('invalid-s3-uri', error instanceof Error ? error.message : String(error));
      }
      if (spec.type === 's3-object' && (uri.key === '' || uri.key.endsWith('/'))) {
        return problem('not-an-object', `must name an object, not a prefix: ${given}`);
      }
      if (spec.within !== undefined && !spec.within.some((prefix) => uri.isWithin(S3Uri.parse(prefix)))) {
        return problem('outside-allowed-location', `must lie under ${spec.within.join(' or ')}, got ${given}`);
      }
      return { value: uri.toString() };
    }
  }
}

function toInteger(given: unknown): number | undefined {
  if (typeof given === 'number') return Number.isSafeInteger(given) ? given : undefined;
  if (typeof given === 'string' && /^-?\d{1,15}$/.test(given)) return Number(given);
  return undefined;
}

function describeRange(spec: IntegerParameterSpec): string {
  if (spec.min !== undefined && spec.max !== undefined) return `between ${spec.min} and ${spec.max}`;
  if (spec.min !== undefined) return `at least ${spec.min}`;
  return `at most ${spec.max}`;
}

function describeSpec(spec: ParameterSpec): string {
  switch (spec.type) {
    case 'integer':
      return spec.min === undefined && spec.max === undefined ? 'an integer' : `an integer ${describeRange(spec)}`;
    case 'enum':
      return `one of ${spec.values.join(', ')}`;
    case 's3-object':
      return 'an S3 object URI';
    case 's3-prefix':
      return 'an S3 prefix URI';
    default:
      return `a ${spec.type}`;
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function describeValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeName(value);
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

/**
 * Checks declarations themselves: names, defaults of the right type and inside their own rules, sane bounds and
 * patterns. Returns one message per problem; the construct turns them into a synth-time `ValidationError`, the
 * runtime configuration decoder into a `ConfigurationError`.
 */
export function checkParameterSpecs(specs: ParameterSpecs): string[] {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    if (!PARAMETER_NAME_PATTERN.test(name)) {
      problems.push(`parameter name ${JSON.stringify(name)} must match ${PARAMETER_NAME_PATTERN}`);
    }
    const where = `parameter ${JSON.stringify(name)}`;
    // A default is checked against the declaration's own rules, so only once those rules are themselves usable.
    let rulesUsable = true;
    switch (spec?.type) {
      case 'string':
        if (spec.pattern !== undefined) {
          try {
            new RegExp(spec.pattern, 'u');
          } catch {
            problems.push(`${where}: pattern ${JSON.stringify(spec.pattern)} is not a valid regular expression`);
            rulesUsable = false;
          }
        }
        if (spec.minLength !== undefined && spec.maxLength !== undefined && spec.minLength > spec.maxLength) {
          problems.push(`${where}: minLength ${spec.minLength} is greater than maxLength ${spec.maxLength}`);
        }
        break;
      case 'integer':
        for (const bound of ['min', 'max'] as const) {
          if (spec[bound] !== undefined && !Number.isSafeInteger(spec[bound])) problems.push(`${where}: ${bound} must be an integer`);
        }
        if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
          problems.push(`${where}: min ${spec.min} is greater than max ${spec.max}`);
        }
        break;
      case 'enum':
        if (!Array.isArray(spec.values) || spec.values.length === 0) {
          problems.push(`${where}: values must not be empty`);
          rulesUsable = false;
        }
        break;
      case 's3-object':
      case 's3-prefix':
        for (const prefix of spec.within ?? []) {
          if (!S3Uri.isValid(prefix)) {
            problems.push(`${where}: within entry ${JSON.stringify(prefix)} is not an S3 URI`);
            rulesUsable = false;
          }
        }
        break;
      case 'boolean':
        break;
      default:
        problems.push(`${where}: type must be one of string, integer, boolean, enum, s3-object, s3-prefix`);
        continue;
    }
    if (spec.default !== undefined && rulesUsable) {
      const result = checkValue(name, spec, spec.default);
      if ('problem' in result) problems.push(`${where}: default ${result.problem.message}`);
    }
  }
  return problems;
}

/** The defaults of declarations rendered as Batch's string map: what the job definition's `Parameters` holds. */
export function renderDefaults(specs: ParameterSpecs): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.default !== undefined) defaults[name] = String(spec.default);
  }
  return defaults;
}

/** The names a command references as `Ref::name`, in order of first appearance. */
export function findParameterReferences(command: readonly string[]): string[] {
  const names = new Set<string>();
  for (const part of command) {
    for (const match of part.matchAll(/Ref::([A-Za-z0-9_-]+)/g)) names.add(match[1]);
  }
  return [...names];
}
