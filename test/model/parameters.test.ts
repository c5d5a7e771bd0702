import {
  checkParameterSpecs,
  checkParameterValues,
  findParameterReferences,
  Parameter,
  ParameterSpec,
  ParameterSpecs,
  renderDefaults,
} from '../../lib/model/parameters';
import { S3Uri } from '../../lib/model/s3-uri';

/** The one problem `value` has against `spec`, declared as parameter `p`. */
function problemOf(spec: ParameterSpec, value: unknown) {
  const check = checkParameterValues({ p: spec }, { p: value });
  expect(check.problems).toHaveLength(1);
  expect(check.rendered).toEqual({});
  return check.problems[0];
}

/** What `value` renders as against `spec`, declared as parameter `p`, failing on any problem. */
function renderedOf(spec: ParameterSpec, value: unknown): string {
  const check = checkParameterValues({ p: spec }, { p: value });
  expect(check.problems).toEqual([]);
  return check.rendered.p;
}

describe('Parameter', () => {
  it('builds a declaration of each type', () => {
    expect(Parameter.string({ maxLength: 8, description: 'a sample' })).toEqual({ type: 'string', maxLength: 8, description: 'a sample' });
    expect(Parameter.integer({ min: 1 })).toEqual({ type: 'integer', min: 1 });
    expect(Parameter.boolean()).toEqual({ type: 'boolean' });
    expect(Parameter.enum(['a', 'b'], { default: 'a' })).toEqual({ type: 'enum', values: ['a', 'b'], default: 'a' });
    expect(Parameter.s3Object({ mustExist: true })).toEqual({ type: 's3-object', mustExist: true });
    expect(Parameter.s3Prefix({ within: ['s3://bkt/out/'] })).toEqual({ type: 's3-prefix', within: ['s3://bkt/out/'] });
  });

  it('copies the values of an enum', () => {
    const values = ['a', 'b'];
    const spec = Parameter.enum(values);
    values.push('c');
    expect(spec.values).toEqual(['a', 'b']);
  });
});

describe('checkParameterValues', () => {
  describe('unknown-parameter', () => {
    it('names the parameter and the known ones', () => {
      const check = checkParameterValues({ threads: Parameter.integer({ default: 1 }), input: Parameter.string({ default: 'x' }) }, { thread: 4 });
      expect(check.problems).toEqual([
        { field: 'parameters.thread', rule: 'unknown-parameter', message: 'is not a parameter of this job definition; known: threads, input' },
      ]);
    });

    it('says "(none)" when the job definition has no parameters', () => {
      expect(checkParameterValues({}, { x: 1 }).problems).toEqual([
        { field: 'parameters.x', rule: 'unknown-parameter', message: 'is not a parameter of this job definition; known: (none)' },
      ]);
    });

    it('does not take inherited names for parameters', () => {
      expect(checkParameterValues({}, { toString: 'x' }).problems.map((p) => p.rule)).toEqual(['unknown-parameter']);
    });
  });

  describe('required', () => {
    it.each<[string, ParameterSpec, string]>([
      ['string', Parameter.string(), 'is required (a string)'],
      ['boolean', Parameter.boolean(), 'is required (a boolean)'],
      ['integer', Parameter.integer(), 'is required (an integer)'],
      ['integer with bounds', Parameter.integer({ min: 1, max: 64 }), 'is required (an integer between 1 and 64)'],
      ['integer with a minimum', Parameter.integer({ min: 1 }), 'is required (an integer at least 1)'],
      ['integer with a maximum', Parameter.integer({ max: 5 }), 'is required (an integer at most 5)'],
      ['enum', Parameter.enum(['fast', 'slow']), 'is required (one of fast, slow)'],
      ['s3-object', Parameter.s3Object(), 'is required (an S3 object URI)'],
      ['s3-prefix', Parameter.s3Prefix(), 'is required (an S3 prefix URI)'],
    ])('reports a missing %s without a default, describing it', (_type, spec, message) => {
      expect(checkParameterValues({ p: spec }, {})).toEqual({ problems: [{ field: 'parameters.p', rule: 'required', message }], rendered: {}, requiredObjects: [] });
    });

    it.each([[undefined], [null]])('takes %p as missing', (value) => {
      expect(problemOf(Parameter.string(), value)).toEqual({ field: 'parameters.p', rule: 'required', message: 'is required (a string)' });
    });

    it('leaves a missing parameter with a default to the job definition', () => {
      expect(checkParameterValues({ p: Parameter.integer({ default: 4 }) }, {})).toEqual({ problems: [], rendered: {}, requiredObjects: [] });
    });
  });

  describe('string', () => {
    it('renders the string as given', () => {
      expect(renderedOf(Parameter.string(), 'sample 1')).toBe('sample 1');
      expect(renderedOf(Parameter.string(), '')).toBe('');
    });

    it.each([[4], [true], [['a']], [{ a: 1 }]])('reports a type problem for %j', (value) => {
      expect(problemOf(Parameter.string(), value)).toMatchObject({ rule: 'type', message: expect.stringMatching(/^must be a string, got an? /) });
    });

    it.each([['\ud800'], ['a\udc00b'], ['\udc00\ud800']])('reports a type problem for text with a lone surrogate, %j, which has no UTF-8 form', (value) => {
      expect(problemOf(Parameter.string(), value)).toEqual({ field: 'parameters.p', rule: 'type', message: 'must be valid Unicode text, got a lone UTF-16 surrogate' });
    });

    it('renders a surrogate pair (an emoji) as given', () => {
      expect(renderedOf(Parameter.string(), 'run \u{1f9ec}')).toBe('run \u{1f9ec}');
    });

    it('reports a value shorter than minLength', () => {
      expect(problemOf(Parameter.string({ minLength: 3 }), 'ab')).toEqual({ field: 'parameters.p', rule: 'length', message: 'must be at least 3 characters, got 2' });
      expect(renderedOf(Parameter.string({ minLength: 3 }), 'abc')).toBe('abc');
    });

    it('reports a value longer than maxLength', () => {
      expect(problemOf(Parameter.string({ maxLength: 3 }), 'abcd')).toEqual({ field: 'parameters.p', rule: 'length', message: 'must be at most 3 characters, got 4' });
      expect(renderedOf(Parameter.string({ maxLength: 3 }), 'abc')).toBe('abc');
    });

    it('requires the whole value to match the pattern', () => {
      const spec = Parameter.string({ pattern: 'S[0-9]+' });
      expect(renderedOf(spec, 'S42')).toBe('S42');
      expect(problemOf(spec, 'xS42')).toEqual({ field: 'parameters.p', rule: 'pattern', message: 'must match /S[0-9]+/' });
      expect(problemOf(spec, 'S42x')).toMatchObject({ rule: 'pattern' });
    });

    it('anchors every alternative of the pattern', () => {
      const spec = Parameter.string({ pattern: 'a|b' });
      expect(renderedOf(spec, 'b')).toBe('b');
      expect(problemOf(spec, 'ab')).toMatchObject({ rule: 'pattern' });
    });
  });

  describe('integer', () => {
    it.each<[unknown, string]>([
      [8, '8'],
      [0, '0'],
      [-3, '-3'],
      [2.0, '2'],
      ['8', '8'],
      ['-3', '-3'],
      ['007', '7'],
      [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    ])('renders %j as %s', (value, rendered) => {
      expect(renderedOf(Parameter.integer(), value)).toBe(rendered);
    });

    it.each<[unknown, string]>([
      [1.5, 'a number'],
      [Number.NaN, 'a number'],
      [Number.POSITIVE_INFINITY, 'a number'],
      [2 ** 53, 'a number'],
      ['1.5', '"1.5"'],
      ['1e3', '"1e3"'],
      [' 8', '" 8"'],
      ['', '""'],
      ['eight', '"eight"'],
      ['1234567890123456', '"1234567890123456"'],
      [true, 'a boolean'],
      [[1], 'an array'],
    ])('reports a type problem for %j', (value, described) => {
      expect(problemOf(Parameter.integer(), value)).toEqual({ field: 'parameters.p', rule: 'type', message: `must be an integer, got ${described}` });
    });

    it('shortens a long value in the message', () => {
      expect(problemOf(Parameter.integer(), 'x'.repeat(100)).message).toBe(`must be an integer, got "${'x'.repeat(60)}...`);
    });

    it.each<[ParameterSpec, number, string]>([
      [Parameter.integer({ min: 1, max: 64 }), 0, 'must be between 1 and 64, got 0'],
      [Parameter.integer({ min: 1, max: 64 }), 65, 'must be between 1 and 64, got 65'],
      [Parameter.integer({ min: 1 }), -1, 'must be at least 1, got -1'],
      [Parameter.integer({ max: 5 }), 6, 'must be at most 5, got 6'],
    ])('reports a value outside %j', (spec, value, message) => {
      expect(problemOf(spec, value)).toEqual({ field: 'parameters.p', rule: 'range', message });
    });

    it('accepts both bounds', () => {
      const spec = Parameter.integer({ min: 1, max: 64 });
      expect(renderedOf(spec, 1)).toBe('1');
      expect(renderedOf(spec, '64')).toBe('64');
    });
  });

  describe('boolean', () => {
    it.each<[unknown, string]>([
      [true, 'true'],
      [false, 'false'],
      ['true', 'true'],
      ['false', 'false'],
    ])('renders %j as %s', (value, rendered) => {
      expect(renderedOf(Parameter.boolean(), value)).toBe(rendered);
    });

    it.each<[unknown, string]>([
      ['TRUE', '"TRUE"'],
      ['yes', '"yes"'],
      [1, 'a number'],
      [0, 'a number'],
    ])('reports a type problem for %j', (value, described) => {
      expect(problemOf(Parameter.boolean(), value)).toEqual({ field: 'parameters.p', rule: 'type', message: `must be true or false, got ${described}` });
    });
  });

  describe('enum', () => {
    const spec = Parameter.enum(['fast', 'slow']);

    it('renders one of the values', () => {
      expect(renderedOf(spec, 'slow')).toBe('slow');
    });

    it.each<[unknown, string]>([
      ['medium', '"medium"'],
      ['FAST', '"FAST"'],
      [1, 'a number'],
    ])('reports %j, listing the values', (value, described) => {
      expect(problemOf(spec, value)).toEqual({ field: 'parameters.p', rule: 'enum', message: `must be one of fast, slow, got ${described}` });
    });
  });

  describe('s3-object', () => {
    it('renders the URI', () => {
      expect(renderedOf(Parameter.s3Object(), 's3://bkt/in/a.bam')).toBe('s3://bkt/in/a.bam');
    });

    it('reports a type problem for a value that is not a string', () => {
      expect(problemOf(Parameter.s3Object(), 42)).toEqual({ field: 'parameters.p', rule: 'type', message: 'must be an S3 URI string, got a number' });
    });

    it('reports invalid-s3-uri with the reason of the S3 URI parser', () => {
      expect(problemOf(Parameter.s3Object(), 'bkt/a.bam')).toEqual({
        field: 'parameters.p',
        rule: 'invalid-s3-uri',
        message: 'invalid S3 URI "bkt/a.bam": must start with s3://',
      });
    });

    it.each(['s3://bkt', 's3://bkt/', 's3://bkt/in/'])('reports not-an-object for the prefix %s', (value) => {
      expect(problemOf(Parameter.s3Object(), value)).toEqual({ field: 'parameters.p', rule: 'not-an-object', message: `must name an object, not a prefix: ${value}` });
    });

    it('accepts a value within one of the allowed locations', () => {
      const spec = Parameter.s3Object({ within: ['s3://bkt/in/', 's3://other/shared/'] });
      expect(renderedOf(spec, 's3://bkt/in/a.bam')).toBe('s3://bkt/in/a.bam');
      expect(renderedOf(spec, 's3://other/shared/x/a.bam')).toBe('s3://other/shared/x/a.bam');
    });

    it('reports a value outside every allowed location, listing them', () => {
      const spec = Parameter.s3Object({ within: ['s3://bkt/in/', 's3://other/shared/'] });
      expect(problemOf(spec, 's3://bkt/out/a.bam')).toEqual({
        field: 'parameters.p',
        rule: 'outside-allowed-location',
        message: 'must lie under s3://bkt/in/ or s3://other/shared/, got s3://bkt/out/a.bam',
      });
    });
  });

  describe('s3-prefix', () => {
    it('renders the URI, with the bucket root as s3://bucket/', () => {
      expect(renderedOf(Parameter.s3Prefix(), 's3://bkt/out/')).toBe('s3://bkt/out/');
      expect(renderedOf(Parameter.s3Prefix(), 's3://bkt/out')).toBe('s3://bkt/out');
      expect(renderedOf(Parameter.s3Prefix(), 's3://bkt')).toBe('s3://bkt/');
    });

    it('reports invalid-s3-uri', () => {
      expect(problemOf(Parameter.s3Prefix(), 's3://b kt/a')).toEqual({
        field: 'parameters.p',
        rule: 'invalid-s3-uri',
        message: `invalid S3 URI "s3://b kt/a": bucket must be a letter or digit, then at most 254 letters, digits, ".", "-" or "_"`,
      });
    });

    it('reports a value outside the allowed location', () => {
      const spec = Parameter.s3Prefix({ within: ['s3://bkt/out/'] });
      expect(renderedOf(spec, 's3://bkt/out/run-1/')).toBe('s3://bkt/out/run-1/');
      expect(problemOf(spec, 's3://bkt/in/')).toMatchObject({ rule: 'outside-allowed-location' });
    });
  });

  it('reports every problem, not only the first, and renders the values that are fine', () => {
    const specs: ParameterSpecs = {
      input: Parameter.s3Object(),
      threads: Parameter.integer({ min: 1, max: 64 }),
      mode: Parameter.enum(['fast', 'slow']),
      sample: Parameter.string(),
      dryRun: Parameter.boolean({ default: false }),
    };
    const check = checkParameterValues(specs, { input: 's3://bkt/', threads: 0, mode: 'slow', extra: 1, dryRun: 'true' });
    expect(check.problems.map(({ field, rule }) => [field, rule])).toEqual([
      ['parameters.extra', 'unknown-parameter'],
      ['parameters.input', 'not-an-object'],
      ['parameters.threads', 'range'],
      ['parameters.sample', 'required'],
    ]);
    expect(check.rendered).toEqual({ mode: 'slow', dryRun: 'true' });
  });

  it('renders only the values given, leaving defaults to the job definition', () => {
    const specs: ParameterSpecs = { threads: Parameter.integer({ default: 4 }), sample: Parameter.string({ default: 'x' }) };
    expect(checkParameterValues(specs, { threads: '8' }).rendered).toEqual({ threads: '8' });
  });

  describe('requiredObjects', () => {
    it('lists a given object that must exist', () => {
      const check = checkParameterValues({ input: Parameter.s3Object({ mustExist: true }) }, { input: 's3://bkt/a.bam' });
      expect(check.requiredObjects).toHaveLength(1);
      expect(check.requiredObjects[0].parameter).toBe('input');
      expect(check.requiredObjects[0].uri).toBeInstanceOf(S3Uri);
      expect(check.requiredObjects[0].uri.toString()).toBe('s3://bkt/a.bam');
    });

    it('lists the default of an object that must exist when no value is given', () => {
      const check = checkParameterValues({ reference: Parameter.s3Object({ mustExist: true, default: 's3://bkt/ref.fa' }) }, {});
      expect(check.requiredObjects.map(({ parameter, uri }) => [parameter, uri.toString()])).toEqual([['reference', 's3://bkt/ref.fa']]);
    });

    it('lists the given value rather than the default', () => {
      const check = checkParameterValues(
        { reference: Parameter.s3Object({ mustExist: true, default: 's3://bkt/ref.fa' }) },
        { reference: 's3://bkt/other.fa' },
      );
      expect(check.requiredObjects.map(({ uri }) => uri.toString())).toEqual(['s3://bkt/other.fa']);
    });

    it('lists nothing for objects that need not exist, prefixes, or values with problems', () => {
      const specs: ParameterSpecs = {
        optional: Parameter.s3Object({ default: 's3://bkt/a' }),
        given: Parameter.s3Object(),
        out: Parameter.s3Prefix({ default: 's3://bkt/out/' }),
        broken: Parameter.s3Object({ mustExist: true }),
      };
      const check = checkParameterValues(specs, { given: 's3://bkt/b', broken: 's3://bkt/' });
      expect(check.requiredObjects).toEqual([]);
      expect(check.problems.map(({ rule }) => rule)).toEqual(['not-an-object']);
    });
  });
});

describe('checkParameterSpecs', () => {
  it('finds nothing wrong with sound declarations', () => {
    expect(
      checkParameterSpecs({
        sample: Parameter.string({ minLength: 1, maxLength: 64, pattern: '[A-Za-z0-9_-]+', default: 'S1' }),
        threads: Parameter.integer({ min: 1, max: 64, default: 8 }),
        dryRun: Parameter.boolean({ default: false }),
        mode: Parameter.enum(['fast', 'slow'], { default: 'fast' }),
        input: Parameter.s3Object({ mustExist: true, within: ['s3://bkt/in/'], default: 's3://bkt/in/a.bam' }),
        output: Parameter.s3Prefix({ within: ['s3://bkt/out/'] }),
        _private: Parameter.string(),
      }),
    ).toEqual([]);
  });

  it.each(['1st', 'with space', 'dotted.name', '', 'x'.repeat(129)])('reports the parameter name %j', (name) => {
    expect(checkParameterSpecs({ [name]: Parameter.string() })).toEqual([
      `parameter name ${JSON.stringify(name)} must match /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/`,
    ]);
  });

  it.each<[string, ParameterSpec, string]>([
    ['an invalid pattern', Parameter.string({ pattern: '(' }), 'parameter "p": pattern "(" is not a valid regular expression'],
    ['minLength over maxLength', Parameter.string({ minLength: 5, maxLength: 2 }), 'parameter "p": minLength 5 is greater than maxLength 2'],
    ['a fractional min', Parameter.integer({ min: 1.5 }), 'parameter "p": min must be an integer'],
    ['a fractional max', Parameter.integer({ max: 1.5 }), 'parameter "p": max must be an integer'],
    ['min over max', Parameter.integer({ min: 10, max: 1 }), 'parameter "p": min 10 is greater than max 1'],
    ['an empty enum', Parameter.enum([]), 'parameter "p": values must not be empty'],
    ['an enum without values', { type: 'enum' } as unknown as ParameterSpec, 'parameter "p": values must not be empty'],
    ['an invalid within entry', Parameter.s3Object({ within: ['bkt/in/'] }), 'parameter "p": within entry "bkt/in/" is not an S3 URI'],
    ['an invalid prefix within entry', Parameter.s3Prefix({ within: ['s3://'] }), 'parameter "p": within entry "s3://" is not an S3 URI'],
    ['an unknown type', { type: 'float' } as unknown as ParameterSpec, 'parameter "p": type must be one of string, integer, number, boolean, enum, s3-object, s3-objects, s3-prefix'],
    ['no declaration at all', null as unknown as ParameterSpec, 'parameter "p": type must be one of string, integer, number, boolean, enum, s3-object, s3-objects, s3-prefix'],
    ['a string default that is not a string', { type: 'string', default: 4 } as unknown as ParameterSpec, 'parameter "p": default must be a string, got a number'],
    ['a string default too short', Parameter.string({ minLength: 2, default: 'a' }), 'parameter "p": default must be at least 2 characters, got 1'],
    ['a string default not matching', Parameter.string({ pattern: 'S[0-9]+', default: 'x' }), 'parameter "p": default must match /S[0-9]+/'],
    ['an integer default out of range', Parameter.integer({ min: 1, max: 64, default: 0 }), 'parameter "p": default must be between 1 and 64, got 0'],
    ['an integer default that is not an integer', Parameter.integer({ default: 2.5 }), 'parameter "p": default must be an integer, got a number'],
    ['a boolean default that is not a boolean', { type: 'boolean', default: 'yes' } as unknown as ParameterSpec, 'parameter "p": default must be true or false, got "yes"'],
    ['an enum default not among the values', Parameter.enum(['a'], { default: 'b' }), 'parameter "p": default must be one of a, got "b"'],
    ['an s3-object default that is a prefix', Parameter.s3Object({ default: 's3://bkt/in/' }), 'parameter "p": default must name an object, not a prefix: s3://bkt/in/'],
    ['an s3-object default outside within', Parameter.s3Object({ within: ['s3://bkt/in/'], default: 's3://bkt/x' }), 'parameter "p": default must lie under s3://bkt/in/, got s3://bkt/x'],
    ['an s3-prefix default that is not a URI', Parameter.s3Prefix({ default: 'out/' }), 'parameter "p": default invalid S3 URI "out/": must start with s3://'],
  ])('reports %s', (_what, spec, message) => {
    expect(checkParameterSpecs({ p: spec })).toEqual([message]);
  });

  it.each<[string, ParameterSpec, string]>([
    ['an invalid pattern', Parameter.string({ pattern: '(', default: 'x' }), 'parameter "p": pattern "(" is not a valid regular expression'],
    ['an invalid within entry', Parameter.s3Prefix({ within: ['out/'], default: 's3://bkt/out/' }), 'parameter "p": within entry "out/" is not an S3 URI'],
    ['an enum without values', { type: 'enum', default: 'a' } as unknown as ParameterSpec, 'parameter "p": values must not be empty'],
  ])('reports %s, rather than throwing, when there is also a default', (_what, spec, message) => {
    expect(checkParameterSpecs({ p: spec })).toEqual([message]);
  });

  it('reports every problem of every declaration', () => {
    expect(
      checkParameterSpecs({
        '9lives': Parameter.integer({ min: 5, max: 1 }),
        mode: Parameter.enum(['a'], { default: 'b' }),
      }),
    ).toEqual([
      'parameter name "9lives" must match /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/',
      'parameter "9lives": min 5 is greater than max 1',
      'parameter "mode": default must be one of a, got "b"',
    ]);
  });
});

describe('renderDefaults', () => {
  it('renders every default as a string and leaves out parameters without one', () => {
    expect(
      renderDefaults({
        sample: Parameter.string({ default: 'S1' }),
        threads: Parameter.integer({ default: 8 }),
        dryRun: Parameter.boolean({ default: false }),
        verbose: Parameter.boolean({ default: true }),
        mode: Parameter.enum(['fast', 'slow'], { default: 'slow' }),
        reference: Parameter.s3Object({ default: 's3://bkt/ref.fa' }),
        output: Parameter.s3Prefix({ default: 's3://bkt/out/' }),
        input: Parameter.s3Object(),
        empty: Parameter.string({ default: '' }),
      }),
    ).toEqual({
      sample: 'S1',
      threads: '8',
      dryRun: 'false',
      verbose: 'true',
      mode: 'slow',
      reference: 's3://bkt/ref.fa',
      output: 's3://bkt/out/',
      empty: '',
    });
  });
});

describe('findParameterReferences', () => {
  it('finds the names a command references, in order of first appearance, once each', () => {
    expect(findParameterReferences(['align', '--in', 'Ref::input', '--threads=Ref::threads', 'Ref::input', 'Ref::out_dir-2'])).toEqual([
      'input',
      'threads',
      'out_dir-2',
    ]);
  });

  it('finds several references in one part', () => {
    expect(findParameterReferences(['echo Ref::a,Ref::b.txt'])).toEqual(['a', 'b']);
  });

  it('finds nothing in a command without references', () => {
    expect(findParameterReferences(['echo', 'Ref::', 'Ref:x', 'ref::x'])).toEqual([]);
    expect(findParameterReferences([])).toEqual([]);
  });
});
