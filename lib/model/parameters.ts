import { fieldPath, type RequestProblem } from './errors';
import { isParameterType, kindOf, PARAMETER_TYPES } from './parameter-kinds';
import { S3Uri } from './s3-uri';

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
  | NumberParameterSpec
  | BooleanParameterSpec
  | EnumParameterSpec
  | S3ObjectParameterSpec
  | S3ObjectsParameterSpec
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

/** A finite number (a float); bounds are inclusive. */
export interface NumberParameterSpec extends ParameterSpecBase {
  readonly type: 'number';
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
  /**
   * Check with HeadObject that the object exists before a job is submitted; needs `within`, the prefixes the runtime
   * functions may read. @default false
   */
  readonly mustExist?: boolean;
  /**
   * S3 URIs the value must lie under (string prefixes of the key, as IAM's `bucket/prefix*`). They are also what the
   * validate function is allowed to read.
   * @default - any location
   */
  readonly within?: readonly string[];
}

/**
 * A list of input objects, each checked as an `s3-object` is. Batch parameters are strings, so the list reaches the
 * job as one JSON array of URIs (`["s3://b/a.fq","s3://b/b.fq"]`) in place of its `Ref::name`; a request may give an
 * array or that JSON string. The whole SubmitJob request stays under Batch's 30 KiB, which bounds the list too.
 */
export interface S3ObjectsParameterSpec extends ParameterSpecBase {
  readonly type: 's3-objects';
  readonly default?: readonly string[];
  /** Check with HeadObject that every object exists before a job is submitted; needs `within`. @default false */
  readonly mustExist?: boolean;
  /** @default - any location */
  readonly within?: readonly string[];
  /** @default 1 */
  readonly minItems?: number;
  /** At most 1,000. @default 100 */
  readonly maxItems?: number;
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
  number(options: Omit<NumberParameterSpec, 'type'> = {}): NumberParameterSpec {
    return { type: 'number', ...options };
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
  s3Objects(options: Omit<S3ObjectsParameterSpec, 'type'> = {}): S3ObjectsParameterSpec {
    return { type: 's3-objects', ...options };
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

/** A problem with the value of parameter `name`: the field `parameters.<name>`, the code as its rule. */
export function parameterProblem(name: string, rule: ParameterProblemCode, message: string): RequestProblem {
  return { field: fieldPath('parameters', name), rule, message };
}

/** An S3 object a value names that must exist. */
export interface RequiredObject {
  readonly parameter: string;
  readonly uri: S3Uri;
}

/** The outcome of checking values against declarations, before anything is asked of AWS. */
export interface ParameterCheck {
  /** Problems under `parameters`, each naming its parameter's field (`parameters.<name>`). */
  readonly problems: RequestProblem[];
  /** The values the request gave, rendered as the strings Batch takes. Defaults are left to the job definition. */
  readonly rendered: Record<string, string>;
  /** Objects, from given values or defaults, that must exist. */
  readonly requiredObjects: RequiredObject[];
}

/**
 * Checks request values against declarations: unknown names, missing required values, and each value against its
 * kind's rules (see `PARAMETER_KINDS`). Every problem is reported, not only the first.
 */
export function checkParameterValues(specs: ParameterSpecs, values: Readonly<Record<string, unknown>>): ParameterCheck {
  const problems: RequestProblem[] = [];
  const rendered: Record<string, string> = {};
  const requiredObjects: RequiredObject[] = [];

  for (const name of Object.keys(values)) {
    if (!Object.prototype.hasOwnProperty.call(specs, name)) {
      const known = Object.keys(specs);
      problems.push(parameterProblem(name, 'unknown-parameter', `is not a parameter of this job definition; known: ${known.join(', ') || '(none)'}`));
    }
  }

  for (const [name, spec] of Object.entries(specs)) {
    const kind = kindOf(spec);
    const given = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    const missing = given === undefined || given === null;
    if (missing && spec.default === undefined) {
      problems.push(parameterProblem(name, 'required', `is required (${kind.describe(spec)})`));
      continue;
    }
    // A default was checked with the declaration; it is checked again here only for the objects it names.
    const result = kind.checkValue(spec, missing ? spec.default : given);
    if ('problems' in result) {
      if (!missing) problems.push(...result.problems.map(({ rule, message }) => parameterProblem(name, rule, message)));
      continue;
    }
    if (!missing) rendered[name] = result.value;
    requiredObjects.push(...result.mustExist.map((uri) => ({ parameter: name, uri })));
  }
  return { problems, rendered, requiredObjects };
}

/**
 * Checks declarations themselves: names, each kind's own rules (bounds, patterns, `within`, and that an input that
 * must exist has `within`), and defaults against them. Returns one message per problem; the construct turns them
 * into a synth-time `ValidationError`, the runtime configuration decoder into a `ConfigurationError`, so the
 * functions refuse what synth refuses.
 */
export function checkParameterSpecs(specs: ParameterSpecs): string[] {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    if (!PARAMETER_NAME_PATTERN.test(name)) {
      problems.push(`parameter name ${JSON.stringify(name)} must match ${PARAMETER_NAME_PATTERN}`);
    }
    const where = `parameter ${JSON.stringify(name)}`;
    if (!isParameterType((spec as { type?: unknown } | null)?.type)) {
      problems.push(`${where}: type must be one of ${PARAMETER_TYPES.join(', ')}`);
      continue;
    }
    const kind = kindOf(spec);
    const own = kind.checkSpec(spec);
    problems.push(...own.problems.map((problem) => `${where}: ${problem}`));
    // A default is checked against the declaration's own rules, so only once those rules are themselves usable.
    if (spec.default !== undefined && own.usable) {
      const result = kind.checkValue(spec, spec.default);
      if ('problems' in result) problems.push(...result.problems.map((problem) => `${where}: default ${problem.message}`));
    }
  }
  return problems;
}

/** The defaults of declarations rendered as Batch's string map: what the job definition's `Parameters` holds. */
export function renderDefaults(specs: ParameterSpecs): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const rendered = kindOf(spec).renderDefault(spec);
    if (rendered !== undefined) defaults[name] = rendered;
  }
  return defaults;
}

/** Where the values of declarations may point, merged over every parameter: see `S3Access`. */
export function parameterLocations(specs: ParameterSpecs): { read: S3Uri[]; write: S3Uri[]; checked: S3Uri[] } {
  const merged = { read: new Map<string, S3Uri>(), write: new Map<string, S3Uri>(), checked: new Map<string, S3Uri>() };
  for (const spec of Object.values(specs)) {
    const access = kindOf(spec).access(spec);
    for (const part of ['read', 'write', 'checked'] as const) {
      for (const prefix of access[part]) {
        const uri = S3Uri.parse(prefix);
        merged[part].set(uri.toString(), uri);
      }
    }
  }
  return { read: [...merged.read.values()], write: [...merged.write.values()], checked: [...merged.checked.values()] };
}

/** The names a command references as `Ref::name`, in order of first appearance. */
export function findParameterReferences(command: readonly string[]): string[] {
  const names = new Set<string>();
  for (const part of command) {
    for (const match of part.matchAll(/Ref::([A-Za-z0-9_-]+)/g)) names.add(match[1]);
  }
  return [...names];
}
