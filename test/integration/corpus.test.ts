import { SdkBatchGateway } from '../../lambda/aws/batch';
import { SdkLogsGateway } from '../../lambda/aws/logs';
import { SdkS3Gateway } from '../../lambda/aws/s3';
import { createHandler as createLogsHandler } from '../../lambda/handlers/logs';
import { createHandler as createStatusHandler } from '../../lambda/handlers/status';
import { createHandler as createSubmitHandler } from '../../lambda/handlers/submit';
import { createHandler as createTerminateHandler } from '../../lambda/handlers/terminate';
import { createHandler as createValidateHandler } from '../../lambda/handlers/validate';
import { BatchJobNotFoundError, InvalidRequestError } from '../../lib/model';
import { CATEGORIES, corpusConfig, CorpusCase, HandlerName, HANDLERS, JOB_ID, loadAllCases } from '../corpus/corpus';
import { CallRecorder, motoClients, recordCalls, resetMoto } from './moto/aws';

/**
 * Every event of the malformed-request corpus (`test/corpus/*.json`) goes to the real handler, built with real SDK
 * clients pointed at moto, and must come back as `InvalidRequestError` naming the field and the rule, with not one
 * command sent to AWS. The corpus is judged against `corpusConfig()`: one declared parameter of each type and a queue.
 */
const corpus = loadAllCases();
const casesOf = (handler: HandlerName) => corpus.filter((entry) => entry.handler === handler);

describe('Integration: malformed-request corpus', () => {
  let recorder: CallRecorder;
  let handlers: Record<HandlerName, (event: unknown) => Promise<unknown>>;

  beforeAll(async () => {
    await resetMoto();
    const clients = motoClients();
    recorder = new CallRecorder();
    for (const client of [clients.batch, clients.s3, clients.logs]) recordCalls(client, recorder);
    const config = corpusConfig();
    const batch = new SdkBatchGateway(clients.batch);
    const s3 = new SdkS3Gateway(clients.s3);
    const logs = new SdkLogsGateway(clients.logs);
    handlers = {
      validate: createValidateHandler({ config, s3 }),
      submit: createSubmitHandler({ config, batch, s3, now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) }),
      status: createStatusHandler({ config, batch, sleep: async () => undefined }),
      logs: createLogsHandler({ config, batch, logs }),
      terminate: createTerminateHandler({ batch }),
    };
  });

  beforeEach(() => {
    recorder.clear();
  });

  describe('the harness', () => {
    it('records the commands a well-formed event sends, so that none recorded means none sent', async () => {
      await expect(handlers.status({ jobId: JOB_ID })).rejects.toThrow(BatchJobNotFoundError);
      expect(recorder.counts()).toEqual({ DescribeJobsCommand: 5 });
    });
  });

  describe('the corpus', () => {
    it('holds at least 200 cases', () => {
      expect(corpus.length).toBeGreaterThanOrEqual(200);
    });

    it('covers all five functions', () => {
      expect(new Set(corpus.map((entry) => entry.handler))).toEqual(new Set(HANDLERS));
    });

    it('covers every category', () => {
      expect([...new Set(corpus.map((entry) => entry.category))].sort()).toEqual([...CATEGORIES].sort());
    });

    it.each(HANDLERS)('has %s cases for the shape of the event, unknown fields and deep and huge JSON', (handler) => {
      const categories = new Set(casesOf(handler).map((entry) => entry.category));
      for (const category of ['not-an-object', 'wrong-type', 'missing-field', 'unknown-field', 'deep-json', 'huge-json'] as const) {
        expect({ handler, category, present: categories.has(category) }).toEqual({ handler, category, present: true });
      }
    });
  });

  describe.each(HANDLERS)('Function: %s', (handlerName) => {
    it.each(casesOf(handlerName).map((entry) => [`${entry.category}: ${entry.name}`, entry] as const))(
      'refuses %s',
      async (_title, entry: CorpusCase) => {
        const outcome = await handlers[handlerName](entry.event).then(
          (response) => ({ accepted: response }),
          (error: unknown) => ({ error }),
        );

        if ('accepted' in outcome) throw new Error(`accepted: ${preview(outcome.accepted)}`);
        const error = outcome.error as InvalidRequestError;
        expect(error).toBeInstanceOf(InvalidRequestError);
        expect(error.name).toBe('InvalidRequestError');
        expect(error.problems).toContainEqual(expect.objectContaining({ field: entry.field, rule: entry.rule }));
        expect(recorder.counts()).toEqual({});
      },
    );
  });
});

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
