import { Parameter as Spec, ParameterSpec } from './model/parameters';

// The construct side of parameter declarations: a class with one static factory per kind, because jsii languages
// (Python) take classes, not the model's union of plain objects. Each factory hands its options to the model's
// builder of the same name, so the rules of a kind live in the model only; a new kind is one factory here.

interface ParameterOptionsBase {
  /** What the parameter means, for people. @default - none */
  readonly description?: string;
}

export interface StringParameterOptions extends ParameterOptionsBase {
  /** @default - none: the parameter is required */
  readonly default?: string;
  /** @default 0 */
  readonly minLength?: number;
  /** @default - no limit but the 30 KiB job payload */
  readonly maxLength?: number;
  /** A regular expression (JavaScript syntax) the whole value must match. @default - any string */
  readonly pattern?: string;
}

export interface IntegerParameterOptions extends ParameterOptionsBase {
  /** @default - none: the parameter is required */
  readonly default?: number;
  /** @default - no lower bound */
  readonly min?: number;
  /** @default - no upper bound */
  readonly max?: number;
}

export interface NumberParameterOptions extends ParameterOptionsBase {
  /** @default - none: the parameter is required */
  readonly default?: number;
  /** @default - no lower bound */
  readonly min?: number;
  /** @default - no upper bound */
  readonly max?: number;
}

export interface BooleanParameterOptions extends ParameterOptionsBase {
  /** @default - none: the parameter is required */
  readonly default?: boolean;
}

export interface EnumParameterOptions extends ParameterOptionsBase {
  /** @default - none: the parameter is required */
  readonly default?: string;
}

export interface S3ObjectParameterOptions extends ParameterOptionsBase {
  /** @default - none: the parameter is required */
  readonly default?: string;
  /** Check with HeadObject that the object exists before a job is submitted; needs `within`. @default false */
  readonly mustExist?: boolean;
  /**
   * S3 URIs the value must lie under (string prefixes of the key, as IAM's `bucket/prefix*`): what the runtime
   * functions may read, and what the job role may read.
   * @default - any location, and no grant
   */
  readonly within?: string[];
}

export interface S3ObjectsParameterOptions extends ParameterOptionsBase {
  /** @default - none: the parameter is required */
  readonly default?: string[];
  /** Check with HeadObject that every object exists before a job is submitted; needs `within`. @default false */
  readonly mustExist?: boolean;
  /** S3 URIs every object must lie under: what the runtime functions and the job role may read. @default - any location, and no grant */
  readonly within?: string[];
  /** @default 1 */
  readonly minItems?: number;
  /** At most 1,000. @default 100 */
  readonly maxItems?: number;
}

export interface S3PrefixParameterOptions extends ParameterOptionsBase {
  /** @default - none: the parameter is required */
  readonly default?: string;
  /** S3 URIs the value must lie under: what the job role may list, read and write. @default - any location, and no grant */
  readonly within?: string[];
}

/**
 * A typed job definition parameter: its default goes into the job definition, and the runtime functions check every
 * submission against it. A parameter without a default is required.
 *
 * @exampleMetadata fixture=construct
 * @example
 * const align = { reads: Parameter.s3Object({ mustExist: true, within: ['s3://inputs/'] }), threads: Parameter.integer({ min: 1, max: 64 }) };
 */
export class Parameter {
  /** A string, with optional length bounds and a whole-string pattern. */
  public static string(options: StringParameterOptions = {}): Parameter {
    return new Parameter(Spec.string(options));
  }

  /** An integer (a number or a numeric string), with optional bounds. */
  public static integer(options: IntegerParameterOptions = {}): Parameter {
    return new Parameter(Spec.integer(options));
  }

  /** A finite number (a number or a decimal string), with optional bounds. */
  public static number(options: NumberParameterOptions = {}): Parameter {
    return new Parameter(Spec.number(options));
  }

  /** `true` or `false` (or their strings). */
  public static boolean(options: BooleanParameterOptions = {}): Parameter {
    return new Parameter(Spec.boolean(options));
  }

  /** One of `values`. */
  public static enum(values: string[], options: EnumParameterOptions = {}): Parameter {
    return new Parameter(Spec.enum(values, options));
  }

  /** An `s3://bucket/key` URI naming an object. */
  public static s3Object(options: S3ObjectParameterOptions = {}): Parameter {
    return new Parameter(Spec.s3Object(options));
  }

  /** A list of `s3://bucket/key` URIs, each checked like `s3Object`; the job gets them as one JSON array string. */
  public static s3Objects(options: S3ObjectsParameterOptions = {}): Parameter {
    return new Parameter(Spec.s3Objects(options));
  }

  /** An `s3://bucket/prefix` URI. */
  public static s3Prefix(options: S3PrefixParameterOptions = {}): Parameter {
    return new Parameter(Spec.s3Prefix(options));
  }

  /** The declaration's type, as the model names it (`string`, `s3-object`, …). */
  public readonly type: string;

  /**
   * The model's declaration, which the job definition renders and the runtime functions check against.
   * @internal
   */
  public readonly _spec: ParameterSpec;

  private constructor(spec: ParameterSpec) {
    this._spec = spec;
    this.type = spec.type;
  }
}
