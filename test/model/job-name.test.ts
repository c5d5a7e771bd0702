import * as fc from 'fast-check';
import { formatIso8601, isValidName, makeJobName, MAX_NAME_LENGTH, NAME_PATTERN } from '../../lib/model/job-name';

const BATCH_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** A moment in UTC; unlike `Date.UTC`, years 0–99 are taken as written. */
function utc(year: number, month: number, day: number, hours = 0, minutes = 0, seconds = 0): Date {
  const moment = new Date(0);
  moment.setUTCFullYear(year, month - 1, day);
  moment.setUTCHours(hours, minutes, seconds, 0);
  return moment;
}

const FIRST_MOMENT = new Date('0000-01-01T00:00:00.000Z');
const LAST_MOMENT = new Date('9999-12-31T23:59:59.999Z');
const anyMoment = fc.date({ min: FIRST_MOMENT, max: LAST_MOMENT, noInvalidDate: true });
/** Any UTF-16 text: whole code points, graphemes, and lone surrogates. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 150 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 300 }),
);

describe('NAME_PATTERN', () => {
  it('is the AWS Batch name rule', () => {
    expect(MAX_NAME_LENGTH).toBe(128);
    expect(NAME_PATTERN.source).toBe(BATCH_NAME.source);
  });
});

describe('isValidName', () => {
  it.each(['a', 'A', '0', 'demo-job', 'demo_job', '2018-02-23T12-13-38_demo', 'x'.repeat(128)])('accepts %s', (name) => {
    expect(isValidName(name)).toBe(true);
  });

  it.each(['', '-demo', '_demo', 'demo job', 'demo.job', 'demo:1', 'démo', 'x'.repeat(129)])('refuses %j', (name) => {
    expect(isValidName(name)).toBe(false);
  });
});

describe('formatIso8601', () => {
  it("formats the manual's example, 2018-02-23 12:13:38 UTC, as 2018-02-23T12-13-38", () => {
    expect(formatIso8601(new Date(Date.UTC(2018, 1, 23, 12, 13, 38)))).toBe('2018-02-23T12-13-38');
  });

  it('zero-pads every field', () => {
    expect(formatIso8601(utc(2024, 1, 2, 3, 4, 5))).toBe('2024-01-02T03-04-05');
  });

  it('zero-pads the year to four digits', () => {
    expect(formatIso8601(utc(5, 1, 2, 3, 4, 5))).toBe('0005-01-02T03-04-05');
    expect(formatIso8601(utc(0, 1, 1))).toBe('0000-01-01T00-00-00');
    expect(formatIso8601(utc(987, 6, 7))).toBe('0987-06-07T00-00-00');
  });

  it('formats the last second of year 9999', () => {
    expect(formatIso8601(LAST_MOMENT)).toBe('9999-12-31T23-59-59');
  });

  it('drops milliseconds rather than rounding them', () => {
    expect(formatIso8601(new Date('2018-02-23T12:13:38.999Z'))).toBe('2018-02-23T12-13-38');
  });

  describe('in a time zone other than UTC', () => {
    // Jest gives tests a copy of process.env, so TZ cannot be changed here: the local-time getters stand in for a
    // zone 10 hours ahead of UTC instead, and must not be what the timestamp is made of.
    beforeEach(() => {
      const local = (read: (shifted: Date) => number) =>
        function (this: Date): number {
          return read(new Date(this.getTime() + 10 * 3_600_000));
        };
      jest.spyOn(Date.prototype, 'getFullYear').mockImplementation(local((d) => d.getUTCFullYear()));
      jest.spyOn(Date.prototype, 'getMonth').mockImplementation(local((d) => d.getUTCMonth()));
      jest.spyOn(Date.prototype, 'getDate').mockImplementation(local((d) => d.getUTCDate()));
      jest.spyOn(Date.prototype, 'getHours').mockImplementation(local((d) => d.getUTCHours()));
    });
    afterEach(() => {
      jest.restoreAllMocks();
    });

    it('formats in UTC, not local time', () => {
      const moment = new Date(Date.UTC(2018, 11, 31, 22, 13, 38));
      expect([moment.getFullYear(), moment.getDate(), moment.getHours()]).toEqual([2019, 1, 8]); // the stand-in works
      expect(formatIso8601(moment)).toBe('2018-12-31T22-13-38');
    });
  });

  it('throws when the moment is an invalid Date', () => {
    expect(() => formatIso8601(new Date(Number.NaN))).toThrow(new RangeError('moment must be a valid Date, got Invalid Date'));
  });

  it('throws when the moment is not a Date', () => {
    expect(() => formatIso8601('2018-02-23' as unknown as Date)).toThrow(new RangeError('moment must be a valid Date, got 2018-02-23'));
  });

  it('throws when the year is before 0', () => {
    expect(() => formatIso8601(utc(-1, 12, 31))).toThrow(new RangeError("moment's year must be between 0 and 9999, got -1"));
  });

  it('throws when the year is after 9999', () => {
    expect(() => formatIso8601(utc(10000, 1, 1))).toThrow(new RangeError("moment's year must be between 0 and 9999, got 10000"));
  });

  it('agrees with toISOString for every moment in years 0–9999', () => {
    fc.assert(
      fc.property(anyMoment, (moment) => {
        const expected = moment.toISOString().slice(0, 19).replace(/:/g, '-');
        expect(formatIso8601(moment)).toBe(expected);
        expect(formatIso8601(moment)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}$/);
      }),
    );
  });
});

describe('makeJobName', () => {
  const moment = new Date(Date.UTC(2018, 1, 23, 12, 13, 38));

  it('is the timestamp, "_" and the definition name', () => {
    expect(makeJobName('demo-job', moment)).toBe('2018-02-23T12-13-38_demo-job');
  });

  it('replaces every character outside [A-Za-z0-9_-] with "-"', () => {
    expect(makeJobName('my job.v2:latest/é', moment)).toBe('2018-02-23T12-13-38_my-job-v2-latest--');
  });

  it('is a valid name for an empty definition name', () => {
    expect(makeJobName('', moment)).toBe('2018-02-23T12-13-38_');
    expect(isValidName(makeJobName('', moment))).toBe(true);
  });

  it('cuts the name to 128 characters', () => {
    const name = makeJobName('x'.repeat(500), moment);
    expect(name).toHaveLength(128);
    expect(name).toBe(`2018-02-23T12-13-38_${'x'.repeat(108)}`);
  });

  describe('without a moment', () => {
    afterEach(() => {
      jest.useRealTimers();
    });

    it('uses the current time', () => {
      jest.useFakeTimers({ now: Date.UTC(2030, 6, 1, 8, 9, 10) });
      expect(makeJobName('demo')).toBe('2030-07-01T08-09-10_demo');
    });
  });

  it('always makes a valid Batch job name that starts with the timestamp, for any text and any moment in years 0–9999', () => {
    fc.assert(
      fc.property(anyText, anyMoment, (definitionName, when) => {
        const name = makeJobName(definitionName, when);
        expect(name).toMatch(BATCH_NAME);
        expect(name.length).toBeLessThanOrEqual(128);
        expect(name.startsWith(`${formatIso8601(when)}_`)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a definition name that is already valid, within the length limit', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,107}$/), anyMoment, (definitionName, when) => {
        expect(makeJobName(definitionName, when)).toBe(`${formatIso8601(when)}_${definitionName}`);
      }),
    );
  });
});
