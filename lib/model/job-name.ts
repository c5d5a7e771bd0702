/** Job, job definition and job queue names: 1–128 characters, a letter or digit first, then letters, digits, `-`, `_`. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
export const MAX_NAME_LENGTH = 128;

/** True when `name` is a valid Batch job, job definition or job queue name. */
export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/**
 * Formats a moment as a file-name-safe ISO 8601 timestamp in UTC: `YYYY-MM-DDTHH-MM-SS`.
 *
 * @example formatIso8601(new Date(Date.UTC(2018, 1, 23, 12, 13, 38))) // '2018-02-23T12-13-38'
 */
export function formatIso8601(moment: Date): string {
  if (!(moment instanceof Date) || Number.isNaN(moment.getTime())) {
    throw new RangeError(`moment must be a valid Date, got ${String(moment)}`);
  }
  const year = moment.getUTCFullYear();
  if (year < 0 || year > 9999) {
    throw new RangeError(`moment's year must be between 0 and 9999, got ${year}`);
  }
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return (
    `${pad(year, 4)}-${pad(moment.getUTCMonth() + 1)}-${pad(moment.getUTCDate())}` +
    `T${pad(moment.getUTCHours())}-${pad(moment.getUTCMinutes())}-${pad(moment.getUTCSeconds())}`
  );
}

/**
 * A job name for a definition: `<formatIso8601(moment)>_<definitionName>`, with every character outside
 * `[A-Za-z0-9_-]` replaced by `-` and cut to 128 characters. It always starts with a digit (the year), so it is
 * always a valid Batch job name.
 */
export function makeJobName(definitionName: string, moment: Date = new Date()): string {
  const raw = `${formatIso8601(moment)}_${definitionName}`;
  return raw.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, MAX_NAME_LENGTH);
}
