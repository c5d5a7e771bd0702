import type {
  BooleanParameterSpec,
  EnumParameterSpec,
  IntegerParameterSpec,
  NumberParameterSpec,
  ParameterProblemCode,
  ParameterSpec,
  ParameterType,
  S3ObjectParameterSpec,
  S3ObjectsParameterSpec,
  S3PrefixParameterSpec,
  StringParameterSpec,
} from './parameters';
import { isWellFormedText, S3Uri } from './s3-uri';

/**
 * Everything pendant knows about each kind of parameter, in one table: how its declaration is checked, how a value
 * is checked and rendered for Batch, how it is described, and which S3 locations it lets the job and the runtime
 * functions reach. The model's checks, the constructs' IAM grants and the README's table of kinds all read it, so a
 * new kind is a spec interface in `parameters.ts`, a builder, and one entry here; the compiler names anything else.
 */
export interface ParameterKind<S extends ParameterSpec> {
  /** The builder, what it accepts and what it checks: a row of the README's table of kinds (test/readme.test.ts). */
  readonly doc: { readonly builder: string; readonly accepts: string; readonly rules: string };
  /** A value of this kind for people, as in `is required (an integer between 1 and 64)`. */
  describe(spec: S): string;
  /**
   * Problems with the declaration's own rules (not its default). `usable: false` when the default cannot be judged
   * by them (an invalid pattern, an empty enum).
   */
  checkSpec(spec: S): { readonly problems: string[]; readonly usable: boolean };
  /** A given value (or the default) against the declaration: the string Batch takes, or every problem it has. */
  checkValue(spec: S, given: unknown): KindValue;
  /** The declared default as the string Batch keeps in the job definition's `Parameters`. */
  renderDefault(spec: S): string | undefined;
  /** The S3 locations a value may name, from the declaration alone (its `within`). */
  access(spec: S): S3Access;
}

/** A checked value, or what is wrong with it. */
export type KindValue =
  | { readonly value: string; /** Objects the value names that must exist (HeadObject before submitting). */ readonly mustExist: S3Uri[] }
  | { readonly problems: Array<{ readonly rule: ParameterProblemCode; readonly message: string }> };

/** Where a parameter's values may point. */
export interface S3Access {
  /** Prefixes the job reads objects under. */
  readonly read: readonly string[];
  /** Prefixes the job lists and writes under: its outputs. */
  readonly write: readonly string[];
  /** Prefixes the validate and submit functions read (HeadObject) to check that inputs exist. */
  readonly checked: readonly string[];
}

type SpecOf<T extends ParameterType> = Extract<ParameterSpec, { type: T }>;

/** One entry per kind: a kind without an entry, or an entry of the wrong shape, does not compile. */
export type ParameterKinds = { readonly [T in ParameterType]: ParameterKind<SpecOf<T>> };

/** How many objects one `s3Objects` parameter may list at most: each is a HeadObject when it must exist. */
export const MAX_S3_OBJECTS = 1000;
/** @see S3ObjectsParameterSpec.maxItems */
export const DEFAULT_MAX_S3_OBJECTS = 100;

const NO_ACCESS: S3Access = { read: [], write: [], checked: [] };
const MUST_EXIST_NEEDS_WITHIN = 'must exist, so it needs "within": the S3 prefixes the runtime functions may read';

export const PARAMETER_KINDS = {
  string: {
    doc: { builder: 'Parameter.string({ minLength, maxLength, pattern })', accepts: 'a string', rules: 'length, whole-string pattern' },
    describe: () => 'a string',
    checkSpec(spec: StringParameterSpec) {
      const problems: string[] = [];
      let usable = true;
      if (spec.pattern !== undefined) {
        try {
          new RegExp(spec.pattern, 'u');
        } catch {
          problems.push(`pattern ${JSON.stringify(spec.pattern)} is not a valid regular expression`);
          usable = false;
        }
      }
      if (spec.minLength !== undefined && spec.maxLength !== undefined && spec.minLength > spec.maxLength) {
        problems.push(`minLength ${spec.minLength} is greater than maxLength ${spec.maxLength}`);
      }
      return { problems, usable };
    },
    checkValue(spec: StringParameterSpec, given: unknown) {
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
      return accepted(given);
    },
    renderDefault: (spec: StringParameterSpec) => spec.default,
    access: () => NO_ACCESS,
  },
  integer: {
    doc: { builder: 'Parameter.integer({ min, max })', accepts: 'a number or numeric string', rules: 'integer, range' },
    describe: (spec: IntegerParameterSpec) => withRange('an integer', spec),
    checkSpec(spec: IntegerParameterSpec) {
      const problems = checkBounds(spec, Number.isSafeInteger, 'an integer');
      return { problems, usable: problems.length === 0 };
    },
    checkValue(spec: IntegerParameterSpec, given: unknown) {
      const value = toInteger(given);
      if (value === undefined) return problem('type', `must be an integer, got ${describeValue(given)}`);
      return checkRange(spec, value);
    },
    renderDefault: (spec: IntegerParameterSpec) => (spec.default === undefined ? undefined : String(spec.default)),
    access: () => NO_ACCESS,
  },
  number: {
    doc: { builder: 'Parameter.number({ min, max })', accepts: 'a finite number or numeric string (`"2.5"`, `"1e-3"`)', rules: 'range (inclusive)' },
    describe: (spec: NumberParameterSpec) => withRange('a number', spec),
    checkSpec(spec: NumberParameterSpec) {
      const problems = checkBounds(spec, Number.isFinite, 'a finite number');
      return { problems, usable: problems.length === 0 };
    },
    checkValue(spec: NumberParameterSpec, given: unknown) {
      const value = toNumber(given);
      if (value === undefined) return problem('type', `must be a finite number, got ${describeValue(given)}`);
      return checkRange(spec, value);
    },
    renderDefault: (spec: NumberParameterSpec) => (spec.default === undefined ? undefined : String(spec.default)),
    access: () => NO_ACCESS,
  },
  boolean: {
    doc: { builder: 'Parameter.boolean()', accepts: '`true`, `false`, `"true"`, `"false"`', rules: '' },
    describe: () => 'a boolean',
    checkSpec: () => ({ problems: [], usable: true }),
    checkValue(_spec: BooleanParameterSpec, given: unknown) {
      if (given === true || given === 'true') return accepted('true');
      if (given === false || given === 'false') return accepted('false');
      return problem('type', `must be true or false, got ${describeValue(given)}`);
    },
    renderDefault: (spec: BooleanParameterSpec) => (spec.default === undefined ? undefined : String(spec.default)),
    access: () => NO_ACCESS,
  },
  enum: {
    doc: { builder: "Parameter.enum(['a', 'b'])", accepts: 'one of the values', rules: '' },
    describe: (spec: EnumParameterSpec) => `one of ${spec.values.join(', ')}`,
    checkSpec(spec: EnumParameterSpec) {
      const usable = Array.isArray(spec.values) && spec.values.length > 0;
      return { problems: usable ? [] : ['values must not be empty'], usable };
    },
    checkValue(spec: EnumParameterSpec, given: unknown) {
      if (typeof given !== 'string' || !spec.values.includes(given)) {
        return problem('enum', `must be one of ${spec.values.join(', ')}, got ${describeValue(given)}`);
      }
      return accepted(given);
    },
    renderDefault: (spec: EnumParameterSpec) => spec.default,
    access: () => NO_ACCESS,
  },
  's3-object': {
    doc: {
      builder: 'Parameter.s3Object({ mustExist, within })',
      accepts: 'an `s3://bucket/key` URI',
      rules: 'names an object; under `within`; exists (HeadObject) when `mustExist`',
    },
    describe: () => 'an S3 object URI',
    checkSpec: (spec: S3ObjectParameterSpec) => checkInputSpec(spec),
    checkValue(spec: S3ObjectParameterSpec, given: unknown) {
      const checked = checkS3Uri(spec, given, 'object');
      if ('problem' in checked) return { problems: [checked.problem] };
      return accepted(checked.uri.toString(), spec.mustExist ? [checked.uri] : []);
    },
    renderDefault: (spec: S3ObjectParameterSpec) => spec.default,
    access: (spec: S3ObjectParameterSpec) => inputAccess(spec),
  },
  's3-objects': {
    doc: {
      builder: 'Parameter.s3Objects({ mustExist, within, minItems, maxItems })',
      accepts: 'an array of `s3://bucket/key` URIs, or that array as a JSON string',
      rules: `each as \`s3Object\`; 1 to ${DEFAULT_MAX_S3_OBJECTS} items unless \`minItems\`/\`maxItems\` say otherwise (at most ${MAX_S3_OBJECTS}); reaches the job as a JSON array string`,
    },
    describe: (spec: S3ObjectsParameterSpec) => `a list of ${spec.minItems ?? 1} to ${spec.maxItems ?? DEFAULT_MAX_S3_OBJECTS} S3 object URIs`,
    checkSpec(spec: S3ObjectsParameterSpec) {
      const { problems, usable } = checkInputSpec(spec);
      const { minItems = 1, maxItems = DEFAULT_MAX_S3_OBJECTS } = spec;
      const counts = [minItems, maxItems].every((count) => Number.isSafeInteger(count) && count >= 0 && count <= MAX_S3_OBJECTS);
      if (!counts) problems.push(`minItems and maxItems must be integers from 0 to ${MAX_S3_OBJECTS}, got ${minItems} and ${maxItems}`);
      else if (minItems > maxItems) problems.push(`minItems ${minItems} is greater than maxItems ${maxItems}`);
      return { problems, usable: usable && counts && minItems <= maxItems };
    },
    checkValue(spec: S3ObjectsParameterSpec, given: unknown) {
      const items = toStringList(given);
      if (items === undefined) return problem('type', `must be an array of S3 URI strings, or one as a JSON string, got ${describeValue(given)}`);
      const { minItems = 1, maxItems = DEFAULT_MAX_S3_OBJECTS } = spec;
      if (items.length < minItems || items.length > maxItems) {
        return problem('length', `must list ${minItems} to ${maxItems} S3 objects, got ${items.length}`);
      }
      const uris: S3Uri[] = [];
      const problems: Array<{ rule: ParameterProblemCode; message: string }> = [];
      items.forEach((item, index) => {
        const checked = checkS3Uri(spec, item, 'object');
        if ('problem' in checked) problems.push({ rule: checked.problem.rule, message: `item ${index}: ${checked.problem.message}` });
        else uris.push(checked.uri);
      });
      if (problems.length > 0) return { problems };
      return accepted(JSON.stringify(uris.map((uri) => uri.toString())), spec.mustExist ? uris : []);
    },
    renderDefault: (spec: S3ObjectsParameterSpec) => (spec.default === undefined ? undefined : JSON.stringify(spec.default)),
    access: (spec: S3ObjectsParameterSpec) => inputAccess(spec),
  },
  's3-prefix': {
    doc: { builder: 'Parameter.s3Prefix({ within })', accepts: 'an `s3://bucket/prefix` URI', rules: 'under `within`' },
    describe: () => 'an S3 prefix URI',
    checkSpec: (spec: S3PrefixParameterSpec) => checkWithin(spec),
    checkValue(spec: S3PrefixParameterSpec, given: unknown) {
      const checked = checkS3Uri(spec, given, 'prefix');
      return 'problem' in checked ? { problems: [checked.problem] } : accepted(checked.uri.toString());
    },
    renderDefault: (spec: S3PrefixParameterSpec) => spec.default,
    access: (spec: S3PrefixParameterSpec) => ({ read: spec.within ?? [], write: spec.within ?? [], checked: [] }),
  },
} satisfies ParameterKinds;

/** The names of the kinds, as a declaration's `type` spells them. */
export const PARAMETER_TYPES = Object.keys(PARAMETER_KINDS) as ParameterType[];

export function isParameterType(type: unknown): type is ParameterType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(PARAMETER_KINDS, type);
}

/**
 * The table's entry for a declaration. The entries' methods take their own spec type; a method parameter is
 * bivariant, so TypeScript takes any entry for a `ParameterKind<ParameterSpec>`: that `spec.type` picks the entry
 * of its own type is what this function and the `satisfies` above guarantee together.
 */
export function kindOf(spec: ParameterSpec): ParameterKind<ParameterSpec> {
  return PARAMETER_KINDS[spec.type];
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers the entries share

function accepted(value: string, mustExist: S3Uri[] = []): KindValue {
  return { value, mustExist };
}

function problem(rule: ParameterProblemCode, message: string): KindValue {
  return { problems: [{ rule, message }] };
}

interface Bounds {
  readonly min?: number;
  readonly max?: number;
}

function withRange(noun: string, spec: Bounds): string {
  if (spec.min !== undefined && spec.max !== undefined) return `${noun} between ${spec.min} and ${spec.max}`;
  if (spec.min !== undefined) return `${noun} at least ${spec.min}`;
  if (spec.max !== undefined) return `${noun} at most ${spec.max}`;
  return noun;
}

function checkBounds(spec: Bounds, valid: (value: number) => boolean, what: string): string[] {
  const problems: string[] = [];
  for (const bound of ['min', 'max'] as const) {
    const value = spec[bound];
    if (value !== undefined && (typeof value !== 'number' || !valid(value))) problems.push(`${bound} must be ${what}`);
  }
  if (problems.length === 0 && spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
    problems.push(`min ${spec.min} is greater than max ${spec.max}`);
  }
  return problems;
}

function checkRange(spec: Bounds, value: number): KindValue {
  if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
    return problem('range', `must be ${withRange('', spec).trim()}, got ${value}`);
  }
  return accepted(String(value));
}

function toInteger(given: unknown): number | undefined {
  if (typeof given === 'number') return Number.isSafeInteger(given) ? given : undefined;
  if (typeof given === 'string' && /^-?\d{1,15}$/.test(given)) return Number(given);
  return undefined;
}

/** Decimal notation only: `Number('0x10')`, `Number('')` and `Number(' 1 ')` are numbers too, but no one means them. */
const DECIMAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

function toNumber(given: unknown): number | undefined {
  const value = typeof given === 'number' ? given : typeof given === 'string' && DECIMAL.test(given) ? Number(given) : undefined;
  // -0 renders as "0": a job reads the same value either way.
  return value !== undefined && Number.isFinite(value) ? value + 0 : undefined;
}

function toStringList(given: unknown): string[] | undefined {
  let list: unknown = given;
  if (typeof given === 'string') {
    try {
      list = JSON.parse(given);
    } catch {
      return undefined;
    }
  }
  return Array.isArray(list) && list.every((item) => typeof item === 'string') ? list : undefined;
}

type S3Spec = S3ObjectParameterSpec | S3ObjectsParameterSpec | S3PrefixParameterSpec;

function checkS3Uri(
  spec: S3Spec,
  given: unknown,
  names: 'object' | 'prefix',
): { uri: S3Uri } | { problem: { rule: ParameterProblemCode; message: string } } {
  if (typeof given !== 'string') return { problem: { rule: 'type', message: `must be an S3 URI string, got ${typeName(given)}` } };
  let uri: S3Uri;
  try {
    uri = S3Uri.parse(given);
  } catch (error) {
    return { problem: { rule: 'invalid-s3-uri', message: error instanceof Error ? error.message : String(error) } };
  }
  if (names === 'object' && (uri.key === '' || uri.key.endsWith('/'))) {
    return { problem: { rule: 'not-an-object', message: `must name an object, not a prefix: ${given}` } };
  }
  if (spec.within !== undefined && !spec.within.some((prefix) => uri.isWithin(S3Uri.parse(prefix)))) {
    return { problem: { rule: 'outside-allowed-location', message: `must lie under ${spec.within.join(' or ')}, got ${given}` } };
  }
  return { uri };
}

function checkWithin(spec: S3Spec): { problems: string[]; usable: boolean } {
  const problems: string[] = [];
  // Declarations also arrive as JSON in the functions' configuration: nothing typed them there.
  const within: unknown = spec.within;
  if (within !== undefined && !Array.isArray(within)) return { problems: ['within must be an array of S3 URIs'], usable: false };
  for (const prefix of (within ?? []) as unknown[]) {
    if (typeof prefix !== 'string' || !S3Uri.isValid(prefix)) problems.push(`within entry ${JSON.stringify(prefix)} is not an S3 URI`);
  }
  return { problems, usable: problems.length === 0 };
}

/** An input's `within` must be valid, and must be given when the input must exist: it is all the functions may read. */
function checkInputSpec(spec: S3ObjectParameterSpec | S3ObjectsParameterSpec): { problems: string[]; usable: boolean } {
  const { problems, usable } = checkWithin(spec);
  if (spec.mustExist && (spec.within === undefined || spec.within.length === 0)) problems.push(MUST_EXIST_NEEDS_WITHIN);
  return { problems, usable };
}

function inputAccess(spec: S3ObjectParameterSpec | S3ObjectsParameterSpec): S3Access {
  const within = spec.within ?? [];
  return { read: within, write: [], checked: spec.mustExist ? within : [] };
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function describeValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeName(value);
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}
