import { InvalidRequestError, parseDescribeRequest } from '../../lib/model';

function problemsOf(event: unknown): Array<{ field: string; rule: string }> {
  try {
    parseDescribeRequest(event);
  } catch (error) {
    if (!(error instanceof InvalidRequestError)) throw error;
    return error.problems.map(({ field, rule }) => ({ field, rule }));
  }
  throw new Error('expected parseDescribeRequest to refuse the event');
}

describe('parseDescribeRequest', () => {
  it('takes a declared name', () => {
    expect(parseDescribeRequest({ jobDefinition: 'align' })).toEqual({ jobDefinition: 'align' });
  });

  it('takes an empty request: the list of declared names', () => {
    expect(parseDescribeRequest({})).toEqual({});
  });

  it.each<[string, unknown, Array<{ field: string; rule: string }>]>([
    ['the event is not an object', null, [{ field: '', rule: 'type' }]],
    ['the event is an array', [{ jobDefinition: 'align' }], [{ field: '', rule: 'type' }]],
    ['jobDefinition is not a string', { jobDefinition: 7 }, [{ field: 'jobDefinition', rule: 'type' }]],
    ['jobDefinition is empty', { jobDefinition: '' }, [{ field: 'jobDefinition', rule: 'empty' }]],
    ['jobDefinition is not a valid name', { jobDefinition: 'align job!' }, [{ field: 'jobDefinition', rule: 'pattern' }]],
    ['jobDefinition is longer than a name may be', { jobDefinition: 'a'.repeat(129) }, [{ field: 'jobDefinition', rule: 'max-length' }]],
    ['a field is not one of describe\'s', { jobDefinition: 'align', revision: 2 }, [{ field: 'revision', rule: 'unknown-field' }]],
  ])('throws InvalidRequestError naming the field and rule when %s', (_case, event, problems) => {
    expect(problemsOf(event)).toEqual(problems);
  });
});
