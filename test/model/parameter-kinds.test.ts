import { DEFAULT_MAX_S3_OBJECTS, MAX_S3_OBJECTS, PARAMETER_KINDS, PARAMETER_TYPES } from '../../lib/model/parameter-kinds';
import {
  checkParameterSpecs,
  checkParameterValues,
  Parameter,
  ParameterSpec,
  parameterLocations,
  renderDefaults,
} from '../../lib/model/parameters';

function problemsOf(spec: ParameterSpec, value: unknown) {
  const check = checkParameterValues({ p: spec }, { p: value });
  expect(check.rendered).toEqual({});
  return check.problems;
}

function renderedOf(spec: ParameterSpec, value: unknown): string {
  const check = checkParameterValues({ p: spec }, { p: value });
  expect(check.problems).toEqual([]);
  return check.rendered.p;
}

describe('PARAMETER_KINDS', () => {
  it('has one entry per kind, each naming the builder that makes it', () => {
    const built: ParameterSpec[] = [
      Parameter.string(),
      Parameter.integer(),
      Parameter.number(),
      Parameter.boolean(),
      Parameter.enum(['a']),
      Parameter.s3Object(),
      Parameter.s3Objects(),
      Parameter.s3Prefix(),
    ];
    expect(built.map((spec) => spec.type).sort()).toEqual([...PARAMETER_TYPES].sort());
    for (const spec of built) {
      const builder = /^Parameter\.(\w+)\(/.exec(PARAMETER_KINDS[spec.type].doc.builder)?.[1];
      expect({ type: spec.type, builder }).toEqual({ type: spec.type, builder: expect.any(String) });
      expect((Parameter as Record<string, (...args: never[]) => ParameterSpec>)[builder!]).toBeDefined();
    }
  });
});

describe('Parameter.number', () => {
  it('builds the declaration', () => {
    expect(Parameter.number({ min: 0, max: 1, default: 0.5 })).toEqual({ type: 'number', min: 0, max: 1, default: 0.5 });
  });

  it.each<[unknown, string]>([
    [0.25, '0.25'],
    [3, '3'],
    [-1.5, '-1.5'],
    [-0, '0'],
    ['0.25', '0.25'],
    ['+2', '2'],
    ['.5', '0.5'],
    ['1e-3', '0.001'],
    ['2.50', '2.5'],
    [1e21, '1e+21'],
  ])('renders %p as %p', (value, rendered) => {
    expect(renderedOf(Parameter.number(), value)).toBe(rendered);
  });

  it.each<[unknown, string]>([
    [Number.NaN, 'a number'],
    [Number.POSITIVE_INFINITY, 'a number'],
    ['Infinity', '"Infinity"'],
    ['NaN', '"NaN"'],
    ['0x10', '"0x10"'],
    ['', '""'],
    [' 1', '" 1"'],
    ['1,5', '"1,5"'],
    [true, 'a boolean'],
    [[1], 'an array'],
  ])('reports a type problem for %p', (value, described) => {
    expect(problemsOf(Parameter.number(), value)).toEqual([{ field: 'parameters.p', rule: 'type', message: `must be a finite number, got ${described}` }]);
  });

  it('keeps values inside its inclusive bounds', () => {
    const spec = Parameter.number({ min: 0, max: 1 });
    expect(renderedOf(spec, 0)).toBe('0');
    expect(renderedOf(spec, '1.0')).toBe('1');
    expect(problemsOf(spec, 1.0001)).toEqual([{ field: 'parameters.p', rule: 'range', message: 'must be between 0 and 1, got 1.0001' }]);
    expect(problemsOf(Parameter.number({ min: -0.5 }), '-0.75')).toEqual([{ field: 'parameters.p', rule: 'range', message: 'must be at least -0.5, got -0.75' }]);
  });

  it('describes itself when required', () => {
    expect(checkParameterValues({ p: Parameter.number({ min: 0.1, max: 0.9 }) }, {}).problems).toEqual([
      { field: 'parameters.p', rule: 'required', message: 'is required (a number between 0.1 and 0.9)' },
    ]);
    expect(checkParameterValues({ p: Parameter.number() }, {}).problems[0].message).toBe('is required (a number)');
  });

  it.each<[string, ParameterSpec, string]>([
    ['min over max', Parameter.number({ min: 1, max: 0.5 }), 'parameter "p": min 1 is greater than max 0.5'],
    ['an infinite bound', Parameter.number({ max: Number.POSITIVE_INFINITY }), 'parameter "p": max must be a finite number'],
    ['a bound that is a string', { type: 'number', min: '0' } as unknown as ParameterSpec, 'parameter "p": min must be a finite number'],
    ['a default out of range', Parameter.number({ min: 0, max: 1, default: 2 }), 'parameter "p": default must be between 0 and 1, got 2'],
    ['a default that is not a number', { type: 'number', default: 'half' } as unknown as ParameterSpec, 'parameter "p": default must be a finite number, got "half"'],
  ])('refuses a declaration with %s', (_what, spec, message) => {
    expect(checkParameterSpecs({ p: spec })).toEqual([message]);
  });

  it('renders its default and grants nothing in S3', () => {
    expect(renderDefaults({ p: Parameter.number({ default: 0.125 }) })).toEqual({ p: '0.125' });
    expect(parameterLocations({ p: Parameter.number() })).toEqual({ read: [], write: [], checked: [] });
  });
});

describe('Parameter.s3Objects', () => {
  const within = ['s3://bkt/in/', 's3://other/shared/'];

  it('builds the declaration', () => {
    expect(Parameter.s3Objects({ mustExist: true, within, maxItems: 3 })).toEqual({ type: 's3-objects', mustExist: true, within, maxItems: 3 });
  });

  it('renders an array, or the same array as a JSON string, as one JSON array string of URIs', () => {
    const spec = Parameter.s3Objects({ within });
    expect(renderedOf(spec, ['s3://bkt/in/a.fq', 's3://other/shared/b.fq'])).toBe('["s3://bkt/in/a.fq","s3://other/shared/b.fq"]');
    expect(renderedOf(spec, '["s3://bkt/in/a.fq"]')).toBe('["s3://bkt/in/a.fq"]');
  });

  it('keeps keys with commas, spaces and quotes intact: a JSON array is the one unambiguous list in one string', () => {
    const rendered = renderedOf(Parameter.s3Objects(), ['s3://bkt/a, b "c".fq', 's3://bkt/d']);
    expect(JSON.parse(rendered)).toEqual(['s3://bkt/a, b "c".fq', 's3://bkt/d']);
  });

  it.each<[unknown, string]>([
    ['s3://bkt/in/a.fq', '"s3://bkt/in/a.fq"'],
    ['["s3://bkt/in/a.fq"', '"[\\"s3://bkt/in/a.fq\\""'],
    ['[1]', '"[1]"'],
    [4, 'a number'],
    [{ a: 's3://bkt/in/a.fq' }, 'an object'],
  ])('reports a type problem for %p', (value, described) => {
    expect(problemsOf(Parameter.s3Objects(), value)).toEqual([
      { field: 'parameters.p', rule: 'type', message: `must be an array of S3 URI strings, or one as a JSON string, got ${described}` },
    ]);
  });

  it('checks each item as an s3Object, reporting every bad item by its index', () => {
    expect(problemsOf(Parameter.s3Objects({ within }), ['s3://bkt/in/a.fq', 's3://bkt/in/', 'bkt/x', 's3://elsewhere/y'])).toEqual([
      { field: 'parameters.p', rule: 'not-an-object', message: 'item 1: must name an object, not a prefix: s3://bkt/in/' },
      { field: 'parameters.p', rule: 'invalid-s3-uri', message: 'item 2: invalid S3 URI "bkt/x": must start with s3://' },
      { field: 'parameters.p', rule: 'outside-allowed-location', message: 'item 3: must lie under s3://bkt/in/ or s3://other/shared/, got s3://elsewhere/y' },
    ]);
  });

  it(`takes 1 to ${DEFAULT_MAX_S3_OBJECTS} items unless told otherwise`, () => {
    const uris = (count: number) => Array.from({ length: count }, (_, index) => `s3://bkt/in/${index}.fq`);
    expect(problemsOf(Parameter.s3Objects(), [])).toEqual([{ field: 'parameters.p', rule: 'length', message: `must list 1 to ${DEFAULT_MAX_S3_OBJECTS} S3 objects, got 0` }]);
    expect(JSON.parse(renderedOf(Parameter.s3Objects(), uris(DEFAULT_MAX_S3_OBJECTS)))).toHaveLength(DEFAULT_MAX_S3_OBJECTS);
    expect(problemsOf(Parameter.s3Objects(), uris(DEFAULT_MAX_S3_OBJECTS + 1))[0]).toMatchObject({ rule: 'length' });
    expect(renderedOf(Parameter.s3Objects({ minItems: 0 }), [])).toBe('[]');
    expect(problemsOf(Parameter.s3Objects({ maxItems: 2 }), uris(3))).toEqual([{ field: 'parameters.p', rule: 'length', message: 'must list 1 to 2 S3 objects, got 3' }]);
  });

  it('lists every object that must exist, from a value or from the default', () => {
    const spec = Parameter.s3Objects({ mustExist: true, within });
    const given = checkParameterValues({ p: spec }, { p: ['s3://bkt/in/a.fq', 's3://other/shared/b.fq'] });
    expect(given.requiredObjects.map(({ parameter, uri }) => [parameter, uri.toString()])).toEqual([
      ['p', 's3://bkt/in/a.fq'],
      ['p', 's3://other/shared/b.fq'],
    ]);
    const defaulted = checkParameterValues({ p: Parameter.s3Objects({ mustExist: true, within, default: ['s3://bkt/in/ref.fa'] }) }, {});
    expect(defaulted.rendered).toEqual({});
    expect(defaulted.requiredObjects.map(({ uri }) => uri.toString())).toEqual(['s3://bkt/in/ref.fa']);
    expect(checkParameterValues({ p: Parameter.s3Objects({ within }) }, { p: ['s3://bkt/in/a.fq'] }).requiredObjects).toEqual([]);
  });

  it('describes itself when required', () => {
    expect(checkParameterValues({ p: Parameter.s3Objects({ maxItems: 8 }) }, {}).problems[0].message).toBe('is required (a list of 1 to 8 S3 object URIs)');
  });

  it.each<[string, ParameterSpec, string]>([
    ['mustExist without within', Parameter.s3Objects({ mustExist: true }), 'parameter "p": must exist, so it needs "within": the S3 prefixes the runtime functions may read'],
    ['an invalid within entry', Parameter.s3Objects({ within: ['bkt/in/'] }), 'parameter "p": within entry "bkt/in/" is not an S3 URI'],
    ['minItems over maxItems', Parameter.s3Objects({ minItems: 3, maxItems: 2 }), 'parameter "p": minItems 3 is greater than maxItems 2'],
    [`maxItems over ${MAX_S3_OBJECTS}`, Parameter.s3Objects({ maxItems: MAX_S3_OBJECTS + 1 }), `parameter "p": minItems and maxItems must be integers from 0 to ${MAX_S3_OBJECTS}, got 1 and ${MAX_S3_OBJECTS + 1}`],
    ['a default item outside within', Parameter.s3Objects({ within: ['s3://bkt/in/'], default: ['s3://bkt/x'] }), 'parameter "p": default item 0: must lie under s3://bkt/in/, got s3://bkt/x'],
  ])('refuses a declaration with %s', (_what, spec, message) => {
    expect(checkParameterSpecs({ p: spec })).toEqual([message]);
  });

  it('renders its default as the JSON array string the job receives', () => {
    expect(renderDefaults({ p: Parameter.s3Objects({ default: ['s3://bkt/a', 's3://bkt/b'] }) })).toEqual({ p: '["s3://bkt/a","s3://bkt/b"]' });
  });

  it('is an input: the job reads under within, the functions check under within when the objects must exist', () => {
    const locations = (spec: ParameterSpec) => {
      const { read, write, checked } = parameterLocations({ p: spec });
      return { read: read.map(String), write: write.map(String), checked: checked.map(String) };
    };
    expect(locations(Parameter.s3Objects({ mustExist: true, within }))).toEqual({ read: within, write: [], checked: within });
    expect(locations(Parameter.s3Objects({ within }))).toEqual({ read: within, write: [], checked: [] });
    expect(locations(Parameter.s3Prefix({ within: ['s3://bkt/out/'] }))).toEqual({ read: ['s3://bkt/out/'], write: ['s3://bkt/out/'], checked: [] });
  });
});

describe('must-exist needs within', () => {
  it.each<[string, ParameterSpec]>([
    ['an s3Object without within', Parameter.s3Object({ mustExist: true })],
    ['an s3Object with an empty within', Parameter.s3Object({ mustExist: true, within: [] })],
  ])('refuses %s', (_what, spec) => {
    expect(checkParameterSpecs({ input: spec })).toEqual(['parameter "input": must exist, so it needs "within": the S3 prefixes the runtime functions may read']);
  });

  it('accepts an input that need not exist without within', () => {
    expect(checkParameterSpecs({ input: Parameter.s3Object(), inputs: Parameter.s3Objects() })).toEqual([]);
  });
});
