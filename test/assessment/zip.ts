// A minimal ZIP writer (stored entries, no compression) for file-type tests: real ZIP
// bytes as Word, Excel or OpenDocument files have, without a dependency.
import { deflateRawSync } from 'node:zlib';

export function zipSync(entries: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, text] of Object.entries(entries)) {
    const data = Buffer.from(text);
    // ODF requires its "mimetype" entry stored; others may be deflated, as Office does.
    const stored = name === 'mimetype';
    const body = stored ? data : deflateRawSync(data);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(0, 6);
    header.writeUInt16LE(stored ? 0 : 8, 8);
    header.writeUInt32LE(0, 14); // CRC is not checked by the sniffer
    header.writeUInt32LE(body.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(Buffer.byteLength(name), 26);
    header.writeUInt16LE(0, 28);
    parts.push(header, Buffer.from(name), body);
  }
  return Buffer.concat(parts);
}
