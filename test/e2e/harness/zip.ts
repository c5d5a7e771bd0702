import { crc32, inflateRawSync } from 'node:zlib';

/**
 * The files of a zip archive (a Lambda code bundle as the CDK CLI packs it): name → bytes. Reads the central
 * directory, so only what the archive lists is returned; stored and deflated entries, each checked against its
 * CRC-32. Enough for Lambda bundles; no zip64, no encryption.
 */
export function readZip(archive: Buffer): Map<string, Buffer> {
  const end = findEndOfCentralDirectory(archive);
  const count = archive.readUInt16LE(end + 10);
  let entry = archive.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let index = 0; index < count; index++) {
    if (archive.readUInt32LE(entry) !== CENTRAL_DIRECTORY_SIGNATURE) throw new Error(`zip: no central directory entry at byte ${entry}`);
    const method = archive.readUInt16LE(entry + 10);
    const expectedCrc = archive.readUInt32LE(entry + 16);
    const compressedSize = archive.readUInt32LE(entry + 20);
    const nameLength = archive.readUInt16LE(entry + 28);
    const extraLength = archive.readUInt16LE(entry + 30);
    const commentLength = archive.readUInt16LE(entry + 32);
    const localHeader = archive.readUInt32LE(entry + 42);
    const name = archive.toString('utf8', entry + 46, entry + 46 + nameLength);
    entry += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;

    if (archive.readUInt32LE(localHeader) !== LOCAL_HEADER_SIGNATURE) throw new Error(`zip: no local header for ${name}`);
    const dataStart = localHeader + 30 + archive.readUInt16LE(localHeader + 26) + archive.readUInt16LE(localHeader + 28);
    const data = archive.subarray(dataStart, dataStart + compressedSize);
    let content: Buffer;
    if (method === STORED) content = Buffer.from(data);
    else if (method === DEFLATED) content = inflateRawSync(data);
    else throw new Error(`zip: ${name} uses compression method ${method}; only stored and deflated are read`);
    if (crc32(content) !== expectedCrc) throw new Error(`zip: ${name} does not match its CRC-32`);
    files.set(name, content);
  }
  return files;
}

const END_OF_CENTRAL_DIRECTORY_SIGNATURE = 0x06054b50;
const CENTRAL_DIRECTORY_SIGNATURE = 0x02014b50;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

function findEndOfCentralDirectory(archive: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65,535 bytes, at the very end.
  for (let offset = archive.length - 22; offset >= Math.max(0, archive.length - 22 - 0xffff); offset--) {
    if (archive.readUInt32LE(offset) === END_OF_CENTRAL_DIRECTORY_SIGNATURE) return offset;
  }
  throw new Error('zip: no end of central directory record: not a zip archive');
}
