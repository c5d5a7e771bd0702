import * as fc from 'fast-check';
import { InvalidS3UriError } from '../../lib/model/errors';
import { S3Uri } from '../../lib/model/s3-uri';

/** The error `fn` throws, failing the test when it throws nothing. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw, got none');
}

const BUCKET_RULE = 'bucket must be a letter or digit, then at most 254 letters, digits, ".", "-" or "_"';
const CONTROL_RULE = 'key must not hold control characters (U+0000 to U+001F, U+007F to U+009F)';
const DOT_RULE = 'key must not have "." or ".." segments';
const NFC_RULE = 'key must be in Unicode normalization form C (NFC)';

/** A key pendant takes: no control character, no `.` or `..` segment, in NFC (see S3Uri.parse). */
function isAcceptedKey(key: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what the rule refuses
  return !/[\u0000-\u001f\u007f-\u009f]/.test(key) && !key.split('/').some((segment) => segment === '.' || segment === '..') && key.normalize('NFC') === key;
}

describe('S3Uri', () => {
  describe('parse', () => {
    it('reads the bucket and the key of s3://bucket/key', () => {
      const uri = S3Uri.parse('s3://genomes/run-42/sample.bam');
      expect(uri.scheme).toBe('s3://');
      expect(uri.bucket).toBe('genomes');
      expect(uri.key).toBe('run-42/sample.bam');
    });

    // Amazon S3 User Guide, "Naming Amazon S3 objects": a key is any sequence of Unicode characters up to 1,024 bytes
    // of UTF-8, and `my sample.bam` is an object name S3 takes as it is.
    it.each<[string, string]>([
      ['a space inside the key', 'my sample.bam'],
      ['spaces around the key', ' padded name '],
      ['a no-break space and a line separator', 'a\u00a0b\u2028c'],
      ['an emoji (a surrogate pair)', 'runs/\u{1f9ec}.bam'],
      ['dots that are not a whole segment', '.hidden/a..b/.../x.'],
      ['an accented letter in NFC', 'r\u00e9sum\u00e9.txt'],
      ['empty segments', 'a//b/'],
      ['1,024 bytes of three-byte characters and one more byte', `${'\u65e5'.repeat(341)}x`],
    ])('accepts a key with %s, as S3 does', (_what, key) => {
      const uri = S3Uri.parse(`s3://bkt/${key}`);
      expect(uri).toMatchObject({ bucket: 'bkt', key });
      expect(uri.toString()).toBe(`s3://bkt/${key}`);
    });

    it("answers the issue's own examples with a one-letter bucket", () => {
      expect(S3Uri.parse('s3://b/a/b/c')).toMatchObject({ bucket: 'b', key: 'a/b/c' });
      expect(S3Uri.parse('s3://b')).toMatchObject({ bucket: 'b', key: '' });
      expect(S3Uri.parse('s3://b/')).toMatchObject({ bucket: 'b', key: '' });
      expect(S3Uri.parse('s3://b').join('k').toString()).toBe('s3://b/k');
      expect(S3Uri.parse('s3://b/').join('k').toString()).toBe('s3://b/k');
    });

    it('takes the key as everything after the first "/" past the bucket', () => {
      expect(S3Uri.parse('s3://bkt/a/b/c').key).toBe('a/b/c');
      expect(S3Uri.parse('s3://bkt//a//b/').key).toBe('/a//b/');
    });

    it.each(['s3://bkt', 's3://bkt/'])('reads %s as the bucket root, key ""', (text) => {
      const uri = S3Uri.parse(text);
      expect(uri.bucket).toBe('bkt');
      expect(uri.key).toBe('');
      expect(uri.toString()).toBe('s3://bkt/');
    });

    it.each(['s3://My_Legacy.Bucket/key', 's3://UPPER/key', 's3://with_underscore/key', 's3://a.b-c_D/key'])(
      'accepts the legacy bucket name in %s',
      (text) => {
        expect(S3Uri.parse(text).toString()).toBe(text);
      },
    );

    it('accepts bucket names of 3 and 255 characters', () => {
      expect(S3Uri.parse('s3://abc/k').bucket).toBe('abc');
      expect(S3Uri.parse(`s3://${'b'.repeat(255)}/k`).bucket).toBe('b'.repeat(255));
    });

    it('accepts keys of non-ASCII characters up to 1,024 bytes of UTF-8', () => {
      const key = 'é'.repeat(512);
      expect(S3Uri.parse(`s3://bkt/${key}`).key).toBe(key);
    });

    it.each<[string, string, string]>([
      ['a missing scheme', 'bkt/key', 'must start with s3://'],
      ['an empty text', '', 'must start with s3://'],
      ['another scheme', 'https://bkt/key', 'must start with s3://'],
      ['an upper-case scheme', 'S3://bkt/key', 'must start with s3://'],
      ['a scheme with one slash', 's3:/bkt/key', 'must start with s3://'],
      ['an s3a scheme', 's3a://bkt/key', 'must start with s3://'],
      ['a leading space', ' s3://bkt/key', 'must not start with white space'],
      ['a leading newline', '\ns3://bkt/key', 'must not start with white space'],
      ['a space inside the bucket', 's3://my bucket/key', BUCKET_RULE],
      ['a tab inside the bucket', 's3://my\tbucket/key', BUCKET_RULE],
      ['a lone high surrogate in the key', 's3://bkt/a\ud800b', 'key must be valid UTF-8 (it holds a lone UTF-16 surrogate)'],
      ['a lone low surrogate in the key', 's3://bkt/a\udc00', 'key must be valid UTF-8 (it holds a lone UTF-16 surrogate)'],
      ['an empty bucket', 's3://', 'bucket must not be empty'],
      ['an empty bucket before a key', 's3:///key', 'bucket must not be empty'],
      ['a bucket of 256 characters', `s3://${'b'.repeat(256)}/key`, BUCKET_RULE],
      ['a bucket with a forbidden character', 's3://bu*ket/key', BUCKET_RULE],
      ['a bucket with a colon', 's3://bkt:80/key', BUCKET_RULE],
      ['a bucket that is a dot', 's3://./key', BUCKET_RULE],
      ['a bucket that starts with a dash', 's3://-bkt/key', BUCKET_RULE],
      ['a key over 1,024 bytes of UTF-8', `s3://bkt/${'é'.repeat(513)}`, 'key must be at most 1024 bytes of UTF-8'],
      // Amazon S3 User Guide, "Naming Amazon S3 objects": control characters need special handling; pendant refuses them.
      ['a tab in the key', 's3://bkt/a\tb', CONTROL_RULE],
      ['a newline in the key', 's3://bkt/a\nb', CONTROL_RULE],
      ['a NUL in the key', 's3://bkt/a\u0000b', CONTROL_RULE],
      ['a DEL in the key', 's3://bkt/a\u007f', CONTROL_RULE],
      ['a C1 control (NEL) in the key', 's3://bkt/a\u0085', CONTROL_RULE],
      ['a "." segment', 's3://bkt/inputs/./a', DOT_RULE],
      ['a ".." segment', 's3://bkt/inputs/../secret', DOT_RULE],
      ['a key that is ".."', 's3://bkt/..', DOT_RULE],
      ['a key that ends in "/."', 's3://bkt/inputs/.', DOT_RULE],
      ['a key that starts with "./"', 's3://bkt/./a', DOT_RULE],
      ['a decomposed accent (NFD)', 's3://bkt/re\u0301sume\u0301.txt', NFC_RULE],
      ['the Angstrom sign, which NFC turns into "Å"', 's3://bkt/\u212b', NFC_RULE],
      ['a lone surrogate in a would-be prefix', 's3://bkt/inputs/\udc00/', 'key must be valid UTF-8 (it holds a lone UTF-16 surrogate)'],
    ])('throws when the text has %s', (_what, text, reason) => {
      const error = thrownBy(() => S3Uri.parse(text));
      expect(error).toBeInstanceOf(InvalidS3UriError);
      expect(error).toMatchObject({ text, reason, message: `invalid S3 URI ${JSON.stringify(text)}: ${reason}` });
    });

    it('throws when the value is not a string', () => {
      const error = thrownBy(() => S3Uri.parse(42 as unknown as string));
      expect(error).toBeInstanceOf(InvalidS3UriError);
      expect(error).toMatchObject({ text: '42', message: 'invalid S3 URI "42": must be a string' });
    });
  });

  describe('isValid', () => {
    it('is true for text that parses and false for text that does not', () => {
      expect(S3Uri.isValid('s3://bkt/key')).toBe(true);
      expect(S3Uri.isValid('s3://bkt')).toBe(true);
      expect(S3Uri.isValid('bkt/key')).toBe(false);
      expect(S3Uri.isValid('s3://bkt/a b')).toBe(true);
      expect(S3Uri.isValid('s3://b kt/a')).toBe(false);
    });
  });

  describe('of', () => {
    it('builds the URI of a bucket and a key', () => {
      const uri = S3Uri.of('bkt', 'a/b.txt');
      expect(uri.bucket).toBe('bkt');
      expect(uri.key).toBe('a/b.txt');
      expect(uri.toString()).toBe('s3://bkt/a/b.txt');
    });

    it('builds the bucket root without a key', () => {
      expect(S3Uri.of('bkt').toString()).toBe('s3://bkt/');
    });

    it('keeps a key that starts with "/"', () => {
      expect(S3Uri.of('bkt', '/a').key).toBe('/a');
    });

    it('throws when the bucket is empty', () => {
      const error = thrownBy(() => S3Uri.of('', 'key'));
      expect(error).toBeInstanceOf(InvalidS3UriError);
      expect((error as Error).message).toBe('invalid S3 URI "s3:///key": bucket must not be empty');
    });

    it('throws when the bucket holds a "/" rather than moving part of it into the key', () => {
      const error = thrownBy(() => S3Uri.of('bkt/evil', 'key'));
      expect(error).toBeInstanceOf(InvalidS3UriError);
      expect(error).toMatchObject({ text: 's3://bkt/evil/key', message: `invalid S3 URI "s3://bkt/evil/key": ${BUCKET_RULE}` });
    });
  });

  describe('join', () => {
    it.each<[string, string[], string]>([
      ['s3://bkt', ['k'], 's3://bkt/k'],
      ['s3://bkt/', ['k'], 's3://bkt/k'],
      ['s3://bkt/run', ['sample.bam'], 's3://bkt/run/sample.bam'],
      ['s3://bkt/run/', ['sample.bam'], 's3://bkt/run/sample.bam'],
      ['s3://bkt/run', ['/sample.bam'], 's3://bkt/run/sample.bam'],
      ['s3://bkt/run/', ['//sample.bam'], 's3://bkt/run/sample.bam'],
      ['s3://bkt', ['a', 'b', 'c'], 's3://bkt/a/b/c'],
      ['s3://bkt', ['a/', '/b/', 'c'], 's3://bkt/a/b/c'],
      ['s3://bkt', ['a/b', 'c/d'], 's3://bkt/a/b/c/d'],
      ['s3://bkt/a', ['', '/', 'b'], 's3://bkt/a/b'],
      ['s3://bkt/a', [], 's3://bkt/a'],
    ])('joins %s with %j as %s', (base, parts, expected) => {
      expect(S3Uri.parse(base).join(...parts).toString()).toBe(expected);
    });

    it('leaves the URI it is called on unchanged', () => {
      const base = S3Uri.parse('s3://bkt/run');
      base.join('x');
      expect(base.toString()).toBe('s3://bkt/run');
    });

    it('keeps a part with a space: S3 keys may hold any UTF-8', () => {
      expect(S3Uri.parse('s3://bkt/run').join('my file').key).toBe('run/my file');
    });

    it('throws when a part makes the key longer than 1,024 bytes', () => {
      const error = thrownBy(() => S3Uri.parse('s3://bkt/run').join('x'.repeat(1021)));
      expect(error).toBeInstanceOf(InvalidS3UriError);
      expect((error as InvalidS3UriError).reason).toBe('key must be at most 1024 bytes of UTF-8');
    });

    it('puts exactly one "/" between generated parts', () => {
      const segment = fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/).filter((part) => part !== '.' && part !== '..');
      fc.assert(
        fc.property(fc.array(segment, { maxLength: 8 }), fc.constantFrom('s3://bkt', 's3://bkt/'), (parts, base) => {
          expect(S3Uri.parse(base).join(...parts).toString()).toBe(`s3://bkt/${parts.join('/')}`);
        }),
      );
    });
  });

  describe('addSuffix', () => {
    it('works as the example of the class documentation says', () => {
      const input = S3Uri.parse('s3://genomes/run-42').join('sample.bam');
      expect(input.addSuffix('.bai').toString()).toBe('s3://genomes/run-42/sample.bam.bai');
    });

    it('concatenates the suffix to the key', () => {
      expect(S3Uri.parse('s3://bkt/x.bam').addSuffix('.bai').toString()).toBe('s3://bkt/x.bam.bai');
    });

    it('adds no "/" of its own', () => {
      expect(S3Uri.parse('s3://bkt/run').addSuffix('-2').toString()).toBe('s3://bkt/run-2');
      expect(S3Uri.parse('s3://bkt/run').addSuffix('/x').key).toBe('run/x');
    });

    it('throws when the suffix makes the key invalid UTF-8', () => {
      const error = thrownBy(() => S3Uri.parse('s3://bkt/x.bam').addSuffix('\ud800'));
      expect(error).toBeInstanceOf(InvalidS3UriError);
      expect((error as Error).message).toBe(`invalid S3 URI ${JSON.stringify('s3://bkt/x.bam\ud800')}: key must be valid UTF-8 (it holds a lone UTF-16 surrogate)`);
    });
  });

  describe('isWithin', () => {
    it.each<[string, string, boolean]>([
      ['s3://bkt/data/a.bam', 's3://bkt/data/', true],
      ['s3://bkt/data/a.bam', 's3://bkt/data', true],
      ['s3://bkt/database/a.bam', 's3://bkt/data', true],
      ['s3://bkt/database/a.bam', 's3://bkt/data/', false],
      ['s3://bkt/data/a.bam', 's3://bkt', true],
      ['s3://bkt/data/a.bam', 's3://bkt/data/a.bam', true],
      ['s3://bkt/data', 's3://bkt/data/', false],
      ['s3://bkt/data/a.bam', 's3://other/data/', false],
      ['s3://bkt/Data/a.bam', 's3://bkt/data/', false],
    ])('says %s within %s is %s', (uri, prefix, expected) => {
      expect(S3Uri.parse(uri).isWithin(S3Uri.parse(prefix))).toBe(expected);
    });
  });

  describe('equals', () => {
    it('is true for URIs with the same bucket and key', () => {
      expect(S3Uri.parse('s3://bkt/a').equals(S3Uri.parse('s3://bkt/a'))).toBe(true);
      expect(S3Uri.parse('s3://bkt').equals(S3Uri.parse('s3://bkt/'))).toBe(true);
      expect(S3Uri.of('bkt', 'a/b').equals(S3Uri.parse('s3://bkt/a').join('b'))).toBe(true);
    });

    it.each([
      ['s3://bkt/a', 's3://bkt/b'],
      ['s3://bkt/a', 's3://other/a'],
      ['s3://bkt/a', 's3://bkt/a/'],
      ['s3://bkt/a', 's3://bkt/A'],
      ['s3://bkt/a', 's3://BKT/a'],
    ])('is false for %s and %s', (left, right) => {
      expect(S3Uri.parse(left).equals(S3Uri.parse(right))).toBe(false);
    });

    it('is false for a plain object with the same fields', () => {
      const lookalike = { bucket: 'bkt', key: 'a' } as unknown as S3Uri;
      expect(S3Uri.parse('s3://bkt/a').equals(lookalike)).toBe(false);
    });
  });

  describe('toString', () => {
    it('prints s3://bucket/key', () => {
      expect(S3Uri.parse('s3://bkt/a/b').toString()).toBe('s3://bkt/a/b');
      // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- what is tested is that interpolation prints the URI
      expect(`${S3Uri.parse('s3://bkt/a/b')}`).toBe('s3://bkt/a/b');
    });

    it('prints the same text in JSON', () => {
      expect(JSON.stringify({ input: S3Uri.parse('s3://bkt/a') })).toBe('{"input":"s3://bkt/a"}');
    });
  });

  describe('properties', () => {
    const bucket = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/);
    const keyText = fc
      .oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 100 }))
      .filter((key) => new TextEncoder().encode(key).length <= 1024 && isAcceptedKey(key));
    const nonEmptyKey = keyText.filter((key) => key !== '');

    it('round-trips generated buckets and keys through toString and parse', () => {
      fc.assert(
        fc.property(bucket, keyText, (b, k) => {
          const uri = S3Uri.of(b, k);
          expect(uri.bucket).toBe(b);
          expect(uri.key).toBe(k);
          const again = S3Uri.parse(uri.toString());
          expect(again.equals(uri)).toBe(true);
          expect(again.toString()).toBe(uri.toString());
        }),
      );
    });

    it('prints a text with a non-empty key exactly as it was parsed', () => {
      fc.assert(
        fc.property(bucket, nonEmptyKey, (b, k) => {
          const text = `s3://${b}/${k}`;
          expect(S3Uri.parse(text).toString()).toBe(text);
        }),
      );
    });

    it('throws InvalidS3UriError naming the text for text without the s3:// scheme', () => {
      fc.assert(
        fc.property(
          fc.string({ unit: 'binary', maxLength: 60 }).filter((text) => !text.startsWith('s3://')),
          (text) => {
            const error = thrownBy(() => S3Uri.parse(text));
            expect(error).toBeInstanceOf(InvalidS3UriError);
            expect((error as InvalidS3UriError).text).toBe(text);
          },
        ),
      );
    });

    it('accepts white space inserted anywhere in the key', () => {
      const inserted = fc.constantFrom(' ', '\u00a0', '\u2028', '\u3000', '\ufeff');
      fc.assert(
        fc.property(bucket, keyText, inserted, fc.nat(), (b, k, character, at) => {
          const characters = Array.from(k);
          const position = at % (characters.length + 1);
          const key = [...characters.slice(0, position), character, ...characters.slice(position)].join('');
          fc.pre(new TextEncoder().encode(key).length <= 1024 && key.normalize('NFC') === key);
          expect(S3Uri.parse(`s3://${b}/${key}`).key).toBe(key);
        }),
      );
    });

    it('throws InvalidS3UriError for a control character, a lone surrogate or a dot segment inserted anywhere in the key', () => {
      const inserted = fc.constantFrom(
        ['\t', CONTROL_RULE],
        ['\n', CONTROL_RULE],
        ['\r', CONTROL_RULE],
        ['\u0000', CONTROL_RULE],
        ['\u001f', CONTROL_RULE],
        ['\u007f', CONTROL_RULE],
        ['\u0085', CONTROL_RULE],
        ['\u009f', CONTROL_RULE],
        ['\ud800', 'key must be valid UTF-8 (it holds a lone UTF-16 surrogate)'],
        ['\udfff', 'key must be valid UTF-8 (it holds a lone UTF-16 surrogate)'],
        ['/../', DOT_RULE],
        ['/./', DOT_RULE],
      );
      fc.assert(
        fc.property(bucket, fc.stringMatching(/^[A-Za-z0-9 _-]{0,40}$/), inserted, fc.nat(), (b, k, [character, reason], at) => {
          const position = at % (k.length + 1);
          const text = `s3://${b}/${k.slice(0, position)}${character}${k.slice(position)}`;
          const error = thrownBy(() => S3Uri.parse(text));
          expect(error).toBeInstanceOf(InvalidS3UriError);
          expect(error).toMatchObject({ text, reason });
        }),
      );
    });

    it('throws InvalidS3UriError naming the text for an invalid bucket', () => {
      const badBucket = fc
        .string({ unit: 'grapheme', maxLength: 300 })
        .filter((b) => !b.includes("/") && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(b));
      fc.assert(
        fc.property(badBucket, keyText, (b, k) => {
          const text = `s3://${b}/${k}`;
          const error = thrownBy(() => S3Uri.parse(text));
          expect(error).toBeInstanceOf(InvalidS3UriError);
          expect((error as InvalidS3UriError).text).toBe(text);
        }),
      );
    });
  });
});
