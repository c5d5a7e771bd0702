import { LogEvent } from '../../lib/model/log-event';
import { LogsResponse } from '../../lib/model/requests';

/**
 * `LogEvent` is a type and has no runtime code, so its contract is checked by the compiler: each `@ts-expect-error`
 * below makes `npx tsc -p tsconfig.json` (and so `npm test`) fail if the shape stops refusing what it refuses today.
 */
describe('LogEvent', () => {
  it('refuses events without every field, with text times, or changed after the fact', () => {
    // @ts-expect-error the message is required
    const noMessage: LogEvent = { timestamp: 1, ingestionTime: 2 };
    // @ts-expect-error the ingestion time is required
    const noIngestionTime: LogEvent = { timestamp: 1, message: 'x' };
    // @ts-expect-error times are milliseconds since the epoch, not ISO text
    const textTime: LogEvent = { timestamp: '2018-02-23T12:13:38Z', message: 'x', ingestionTime: 2 };
    const mutate = (event: LogEvent): void => {
      // @ts-expect-error fields are readonly
      event.message = 'changed';
    };
    expect([noMessage, noIngestionTime, textTime, mutate]).toHaveLength(4);
  });

  it('is what a logs response carries', () => {
    const event: LogEvent = { timestamp: 1519388018000, message: 'hello', ingestionTime: 1519388019000 };
    const response: LogsResponse = { jobId: 'j', logGroupName: '/aws/batch/job', logStreamName: 's', events: [event], nextToken: null };
    expect(JSON.parse(JSON.stringify(response)).events).toEqual([{ timestamp: 1519388018000, message: 'hello', ingestionTime: 1519388019000 }]);
  });
});
