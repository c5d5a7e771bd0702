import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATION_NAMES } from '../../lib/model/operations';

/**
 * The bundles the constructs deploy (`npm run build` writes them). They carry their own copy of the model and the
 * SDK, so errors are recognised by `name` – what Lambda reports as `errorType` – never by `instanceof`.
 */
const bundlePath = (operation: string) => join(__dirname, '..', '..', 'dist', 'lambda', operation, 'index.js');

type Handler = (event: unknown) => Promise<unknown>;

function load(operation: string): { handler?: unknown } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle's path is computed: what is tested is the built file
  return require(bundlePath(operation)) as { handler?: unknown };
}

describe.each(OPERATION_NAMES)('Function: %s bundle', (operation) => {
  it('exists at dist/lambda/<operation>/index.js', () => {
    expect(existsSync(bundlePath(operation))).toBe(true);
  });

  it('exports a handler function', () => {
    expect(typeof load(operation).handler).toBe('function');
  });

  it('throws InvalidRequestError, by name, when the event is not an object', async () => {
    const handler = load(operation).handler as Handler;

    const error = await handler(null).then(
      () => undefined,
      (reason: unknown) => reason as Error & { problems?: unknown },
    );

    expect(error).toBeInstanceOf(Error);
    expect(error!.name).toBe('InvalidRequestError');
    expect(error!.message).toBe('invalid request: must be an object, got null [type]');
    expect(error!.problems).toEqual([{ field: '', rule: 'type', message: 'must be an object, got null' }]);
  });

  it('throws InvalidRequestError, by name, naming a field the request does not have', async () => {
    const handler = load(operation).handler as Handler;

    const error = await handler({ unexpected: true }).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );

    expect(error).toBeInstanceOf(Error);
    expect(error!.name).toBe('InvalidRequestError');
    expect(error!.message).toContain('unexpected: is not a field of this request; allowed: ');
  });
});

describe('Function: record bundle (JobEvents)', () => {
  it('exports a handler that throws InvalidRequestError, by name, for an event that is not a Batch job state change', async () => {
    const handler = load('record').handler as Handler;

    const error = await handler({ source: 'aws.s3' }).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );

    expect(error!.name).toBe('InvalidRequestError');
    expect(error!.message).toContain('source: must be "aws.batch", got "aws.s3" [enum]');
  });
});
