import { InvalidS3UriError } from './errors';

const SCHEME = 's3://';
/**
 * Bucket names as AWS has accepted them over the years: new names are stricter (3–63 lower-case characters), but
 * legacy buckets keep upper case, `_` and up to 255 characters. Short names are accepted too, as pendant 0.4.0 did:
 * S3 itself answers for a bucket that cannot exist.
 */
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const BUCKET_RULE = 'bucket must be a letter or digit, then at most 254 letters, digits, ".", "-" or "_"';
/**
 * S3 keys are any sequence of Unicode characters whose UTF-8 encoding is at most 1,024 bytes long, spaces included
 * (Amazon S3 User Guide, "Naming Amazon S3 objects"): `s3://bucket/my sample.bam` names a real object.
 */
const MAX_KEY_BYTES = 1024;
/** A UTF-16 surrogate without its pair has no UTF-8 encoding, so no key (nor any text AWS takes) can hold one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * True when `text` has a UTF-8 form: no lone UTF-16 surrogate. JSON can carry one (`"\ud800"`), JavaScript keeps it,
 * and an SDK call then fails while encoding it (`URIError` for an S3 key) or sends text AWS cannot read.
 */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}
/**
 * Keys S3 would store but pendant refuses, because what reads them next reads them otherwise (Amazon S3 User Guide,
 * "Naming Amazon S3 objects", characters that need special handling or are best avoided): control characters (C0,
 * DEL, C1), which logs, shells and XML listings mangle; `.` and `..` segments, which S3 keeps literally but a job
 * that maps keys to paths resolves, so `s3://bkt/inputs/../secret` would pass a `within` of `s3://bkt/inputs/` and
 * be read as `s3://bkt/secret`; and text not in Unicode normalization form C, which looks like another key (an `é`
 * typed as `e` and a combining accent names a different object than the `é` a prefix declares).
 */
// eslint-disable-next-line no-control-regex -- control characters are what this rule refuses
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const DOT_SEGMENT = /(?:^|\/)\.{1,2}(?:\/|$)/;

/**
 * An S3 location, `s3://bucket/key`.
 *
 * The key is everything after the first `/` past the bucket (`s3://bkt/a/b/c` has key `a/b/c`), taken as it is: any
 * valid UTF-8 up to 1,024 bytes, spaces included, in Unicode normalization form C, without control characters and
 * without `.` or `..` segments. `s3://bkt` and `s3://bkt/` both name the bucket's root, key `''`,
 * and print as `s3://bkt/`.
 *
 * @example
 * const input = S3Uri.parse('s3://genomes/run-42').join('sample.bam');
 * input.addSuffix('.bai').toString(); // 's3://genomes/run-42/sample.bam.bai'
 */
export class S3Uri {
  /** Reads `s3://bucket/key`, throwing `InvalidS3UriError` that names the text and the rule it breaks. */
  public static parse(text: string): S3Uri {
    if (typeof text !== 'string') throw new InvalidS3UriError(String(text), 'must be a string');
    if (/^\s/u.test(text)) throw new InvalidS3UriError(text, 'must not start with white space');
    if (!text.startsWith(SCHEME)) throw new InvalidS3UriError(text, `must start with ${SCHEME}`);
    const rest = text.slice(SCHEME.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const key = slash === -1 ? '' : rest.slice(slash + 1);
    if (bucket === '') throw new InvalidS3UriError(text, 'bucket must not be empty');
    if (!BUCKET.test(bucket)) {
      throw new InvalidS3UriError(text, BUCKET_RULE);
    }
    if (LONE_SURROGATE.test(key)) throw new InvalidS3UriError(text, 'key must be valid UTF-8 (it holds a lone UTF-16 surrogate)');
    if (CONTROL_CHARACTER.test(key)) throw new InvalidS3UriError(text, 'key must not hold control characters (U+0000 to U+001F, U+007F to U+009F)');
    if (DOT_SEGMENT.test(key)) throw new InvalidS3UriError(text, 'key must not have "." or ".." segments');
    if (key.normalize('NFC') !== key) throw new InvalidS3UriError(text, 'key must be in Unicode normalization form C (NFC)');
    if (new TextEncoder().encode(key).length > MAX_KEY_BYTES) {
      throw new InvalidS3UriError(text, `key must be at most ${MAX_KEY_BYTES} bytes of UTF-8`);
    }
    return new S3Uri(bucket, key);
  }

  /** True when `text` parses. */
  public static isValid(text: string): boolean {
    try {
      S3Uri.parse(text);
      return true;
    } catch {
      return false;
    }
  }

  /** The URI of an object given its parts. */
  public static of(bucket: string, key = ''): S3Uri {
    const text = `${SCHEME}${bucket}/${key}`;
    const uri = S3Uri.parse(text);
    // A "/" in the bucket would otherwise silently move part of it into the key.
    if (uri.bucket !== bucket) throw new InvalidS3UriError(text, BUCKET_RULE);
    return uri;
  }

  /** Always `s3://`. */
  public readonly scheme = SCHEME;

  private constructor(
    /** The bucket name. */
    public readonly bucket: string,
    /** Everything after the bucket and its `/`; `''` for the bucket's root. */
    public readonly key: string,
  ) {}

  /** Appends parts with exactly one `/` between each (pendant's `/` operator). */
  public join(...parts: string[]): S3Uri {
    let text = this.toString();
    for (const part of parts) {
      const trimmed = part.replace(/^\/+/, '');
      if (trimmed === '') continue;
      text = text.endsWith('/') ? `${text}${trimmed}` : `${text}/${trimmed}`;
    }
    return S3Uri.parse(text);
  }

  /** Plain concatenation to the key: `x.bam` + `.bai` is `x.bam.bai`. */
  public addSuffix(suffix: string): S3Uri {
    return S3Uri.parse(`${this.toString()}${suffix}`);
  }

  /** True when this URI's key starts with `prefix`'s key in the same bucket: the rule IAM applies to `bucket/prefix*`. */
  public isWithin(prefix: S3Uri): boolean {
    return this.bucket === prefix.bucket && this.key.startsWith(prefix.key);
  }

  /** Value equality: same bucket and key. */
  public equals(other: S3Uri): boolean {
    return other instanceof S3Uri && other.bucket === this.bucket && other.key === this.key;
  }

  public toString(): string {
    return `${SCHEME}${this.bucket}/${this.key}`;
  }

  public toJSON(): string {
    return this.toString();
  }
}
