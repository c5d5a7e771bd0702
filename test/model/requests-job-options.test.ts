import { InvalidRequestError, RequestProblem } from '../../lib/model/errors';
import { LIMITS, parseSubmitRequest, SubmitRequest } from '../../lib/model/requests';

/** `[field, rule]` of every problem of the InvalidRequestError the parser throws. */
function rulesOf(event: unknown): Array<[string, string]> {
  let error: unknown;
  try {
    parseSubmitRequest(event);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(InvalidRequestError);
  expect((error as Error).name).toBe('InvalidRequestError');
  return (error as InvalidRequestError).problems.map(({ field, rule }: RequestProblem) => [field, rule]);
}

function messageOf(event: unknown): string {
  try {
    parseSubmitRequest(event);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the request to be refused');
}

const submit = (fields: Record<string, unknown>): Record<string, unknown> => ({ jobDefinition: 'align', ...fields });

describe('parseSubmitRequest: tags and propagateTags', () => {
  // AWS Batch API Reference, SubmitJob (tags: at most 50; key 1-128, value 0-256 characters) and AWS Batch User
  // Guide, "Tag restrictions" (letters, digits, white space and + - = . _ : / @; no aws: prefix on keys or values).
  it('accepts 50 tags at the longest key and value AWS allows, in any script', () => {
    const tags: Record<string, string> = {};
    for (let index = 0; index < 49; index++) tags[`k${index}`] = `v ${index}`;
    tags['é'.repeat(128)] = 'ü'.repeat(256);
    const request = parseSubmitRequest(submit({ tags, propagateTags: true }));
    expect(Object.keys(request.tags!)).toHaveLength(LIMITS.MAX_TAGS);
    expect(request.propagateTags).toBe(true);
  });

  it('accepts an empty value and every punctuation mark AWS allows', () => {
    expect(parseSubmitRequest(submit({ tags: { 'team/a+b=c.d_e:f@g-h': '', owner: 'x+y=z.a_b:c/d@e-f' } })).tags).toEqual({
      'team/a+b=c.d_e:f@g-h': '',
      owner: 'x+y=z.a_b:c/d@e-f',
    });
  });

  it.each<[string, Record<string, unknown>, Array<[string, string]>]>([
    ['an empty key', { '': 'x' }, [['tags.""', 'empty']]],
    ['a key of 129 characters', { ['k'.repeat(129)]: 'x' }, [[`tags.${'k'.repeat(129)}`, 'max-length']]],
    ['a value of 257 characters', { k: 'v'.repeat(257) }, [['tags.k', 'max-length']]],
    ['a key with a character AWS refuses', { 'a#b': 'x' }, [['tags."a#b"', 'pattern']]],
    ['a value with a character AWS refuses', { k: 'a,b' }, [['tags.k', 'pattern']]],
    ['a key starting aws:', { 'aws:owner': 'x' }, [['tags."aws:owner"', 'reserved-prefix']]],
    ['a key starting AWS: in another case', { 'AwS:owner': 'x' }, [['tags."AwS:owner"', 'reserved-prefix']]],
    ['a value starting aws:', { owner: 'aws:me' }, [['tags.owner', 'reserved-prefix']]],
    ["a key with pendant's own prefix", { 'pendant:idempotency-key': 'x' }, [['tags."pendant:idempotency-key"', 'reserved-prefix']]],
    ['a number value', { k: 1 }, [['tags.k', 'type']]],
  ])('throws when a tag has %s', (_, tags, rules) => {
    expect(rulesOf(submit({ tags }))).toEqual(rules);
  });

  it('throws when tags is not an object', () => {
    expect(rulesOf(submit({ tags: [['k', 'v']] }))).toEqual([['tags', 'type']]);
  });

  it('throws when there are 51 tags, naming the limit', () => {
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`k${index}`, 'v']));
    expect(messageOf(submit({ tags }))).toBe('invalid request: tags: must hold at most 50 tags, got 51 [max-items]');
  });

  it('throws when propagateTags is not a boolean', () => {
    expect(rulesOf(submit({ propagateTags: 'true' }))).toEqual([['propagateTags', 'type']]);
  });
});

describe('parseSubmitRequest: retryStrategy', () => {
  // AWS Batch API Reference, RetryStrategy (attempts 1-10, evaluateOnExit at most 5) and EvaluateOnExit (action RETRY
  // or EXIT, not case sensitive; patterns of at most 512 characters).
  it('accepts 10 attempts and 5 rules, upper-casing the action', () => {
    const evaluateOnExit = [
      { action: 'retry', onStatusReason: 'Host EC2*' },
      { action: 'RETRY', onReason: 'CannotPullContainerError:*' },
      { action: 'exit', onExitCode: '1*' },
      { action: 'EXIT', onExitCode: '137' },
      { action: 'EXIT', onExitCode: '*' },
    ];
    const request: SubmitRequest = parseSubmitRequest(submit({ retryStrategy: { attempts: 10, evaluateOnExit } }));
    expect(request.retryStrategy).toEqual({
      attempts: 10,
      evaluateOnExit: [
        { action: 'RETRY', onStatusReason: 'Host EC2*' },
        { action: 'RETRY', onReason: 'CannotPullContainerError:*' },
        { action: 'EXIT', onExitCode: '1*' },
        { action: 'EXIT', onExitCode: '137' },
        { action: 'EXIT', onExitCode: '*' },
      ],
    });
  });

  it.each<[string, unknown, Array<[string, string]>]>([
    ['attempts 0', { attempts: 0 }, [['retryStrategy.attempts', 'range']]],
    ['attempts 11', { attempts: 11 }, [['retryStrategy.attempts', 'range']]],
    ['attempts "3"', { attempts: '3' }, [['retryStrategy.attempts', 'type']]],
    ['neither attempts nor rules', {}, [['retryStrategy', 'empty']]],
    ['six rules', { evaluateOnExit: Array.from({ length: 6 }, () => ({ action: 'EXIT' })) }, [['retryStrategy.evaluateOnExit', 'max-items']]],
    ['rules that are not an array', { evaluateOnExit: { action: 'EXIT' } }, [['retryStrategy.evaluateOnExit', 'type']]],
    ['a rule without action', { evaluateOnExit: [{ onExitCode: '1' }] }, [['retryStrategy.evaluateOnExit[0].action', 'required']]],
    ['a rule with action STOP', { evaluateOnExit: [{ action: 'STOP' }] }, [['retryStrategy.evaluateOnExit[0].action', 'enum']]],
    ['an exit code with a letter', { evaluateOnExit: [{ action: 'EXIT', onExitCode: '1a' }] }, [['retryStrategy.evaluateOnExit[0].onExitCode', 'pattern']]],
    ['an asterisk inside an exit code', { evaluateOnExit: [{ action: 'EXIT', onExitCode: '1*2' }] }, [['retryStrategy.evaluateOnExit[0].onExitCode', 'pattern']]],
    ['a reason with a comma', { evaluateOnExit: [{ action: 'RETRY', onReason: 'a,b' }] }, [['retryStrategy.evaluateOnExit[0].onReason', 'pattern']]],
    ['a status reason of 513 characters', { evaluateOnExit: [{ action: 'RETRY', onStatusReason: 'a'.repeat(513) }] }, [['retryStrategy.evaluateOnExit[0].onStatusReason', 'max-length']]],
    ['an unknown rule field', { evaluateOnExit: [{ action: 'EXIT', onCode: '1' }] }, [['retryStrategy.evaluateOnExit[0].onCode', 'unknown-field']]],
    ['an unknown field', { attempts: 2, maxAttempts: 3 }, [['retryStrategy.maxAttempts', 'unknown-field']]],
  ])('throws when retryStrategy has %s', (_, retryStrategy, rules) => {
    expect(rulesOf(submit({ retryStrategy }))).toEqual(rules);
  });
});

describe('parseSubmitRequest: timeout', () => {
  // AWS Batch API Reference, JobTimeout: attemptDurationSeconds is at least 60.
  it('accepts 60 seconds', () => {
    expect(parseSubmitRequest(submit({ timeout: { attemptDurationSeconds: 60 } })).timeout).toEqual({ attemptDurationSeconds: 60 });
  });

  it('throws when the attempt duration is under 60 seconds, naming the limit', () => {
    expect(messageOf(submit({ timeout: { attemptDurationSeconds: 59 } }))).toBe(
      'invalid request: timeout.attemptDurationSeconds: must be between 60 and 2147483647, got 59 [range]',
    );
  });

  it.each<[string, unknown, Array<[string, string]>]>([
    ['no duration', {}, [['timeout.attemptDurationSeconds', 'required']]],
    ['a fractional duration', { attemptDurationSeconds: 60.5 }, [['timeout.attemptDurationSeconds', 'type']]],
    ['a number instead of an object', 600, [['timeout', 'type']]],
  ])('throws when timeout has %s', (_, timeout, rules) => {
    expect(rulesOf(submit({ timeout }))).toEqual(rules);
  });
});

describe('parseSubmitRequest: nodeOverrides', () => {
  // AWS Batch API Reference, NodeOverrides and NodePropertyOverride (targetNodes "0:3", ":n", "n:"); ContainerOverrides:
  // instanceType applies to multi-node parallel jobs.
  it('accepts node ranges with container overrides and an instance type', () => {
    const request = parseSubmitRequest(
      submit({
        nodeOverrides: {
          numNodes: 4,
          nodePropertyOverrides: [
            { targetNodes: '0', containerOverrides: { command: ['main'], instanceType: 'c5.large' } },
            { targetNodes: '1:', containerOverrides: { environment: { ROLE: 'worker' }, vcpus: 2 } },
            { targetNodes: ':3' },
          ],
        },
      }),
    );
    expect(request.nodeOverrides).toEqual({
      numNodes: 4,
      nodePropertyOverrides: [
        { targetNodes: '0', containerOverrides: { command: ['main'], instanceType: 'c5.large' } },
        { targetNodes: '1:', containerOverrides: { environment: { ROLE: 'worker' }, vcpus: 2 } },
        { targetNodes: ':3' },
      ],
    });
  });

  it.each<[string, unknown, Array<[string, string]>]>([
    ['numNodes 0', { numNodes: 0 }, [['nodeOverrides.numNodes', 'range']]],
    ['numNodes 1,001', { numNodes: 1001 }, [['nodeOverrides.numNodes', 'range']]],
    ['ranges that are not an array', { nodePropertyOverrides: { targetNodes: '0' } }, [['nodeOverrides.nodePropertyOverrides', 'type']]],
    ['a range without targetNodes', { nodePropertyOverrides: [{}] }, [['nodeOverrides.nodePropertyOverrides[0].targetNodes', 'required']]],
    ['targetNodes "a:b"', { nodePropertyOverrides: [{ targetNodes: 'a:b' }] }, [['nodeOverrides.nodePropertyOverrides[0].targetNodes', 'pattern']]],
    ['targetNodes "3:1"', { nodePropertyOverrides: [{ targetNodes: '3:1' }] }, [['nodeOverrides.nodePropertyOverrides[0].targetNodes', 'range']]],
    [
      'a reserved environment variable in a range',
      { nodePropertyOverrides: [{ targetNodes: '0', containerOverrides: { environment: { AWS_BATCH_X: '1' } } }] },
      [['nodeOverrides.nodePropertyOverrides[0].containerOverrides.environment.AWS_BATCH_X', 'reserved-name']],
    ],
    [
      'an instance type with a space',
      { nodePropertyOverrides: [{ targetNodes: '0', containerOverrides: { instanceType: 'c5 large' } }] },
      [['nodeOverrides.nodePropertyOverrides[0].containerOverrides.instanceType', 'pattern']],
    ],
    [
      'container overrides that are a string',
      { nodePropertyOverrides: [{ targetNodes: '0', containerOverrides: 'x' }] },
      [['nodeOverrides.nodePropertyOverrides[0].containerOverrides', 'type']],
    ],
    ['an unknown field', { nodes: 2 }, [['nodeOverrides.nodes', 'unknown-field']]],
  ])('throws when nodeOverrides has %s', (_, nodeOverrides, rules) => {
    expect(rulesOf(submit({ nodeOverrides }))).toEqual(rules);
  });
});
