/**
 * File type by magic bytes, the few kinds an incident responder meets among left-behind files:
 * executables (PE, ELF, Mach-O), archives, documents, scripts. Never by file name.
 */
import { looksLikePe } from './pe.js';

export interface FileType {
  /** Short stable label, e.g. `pe32+`, `elf`, `zip`, `pdf`, `text`, `data`. */
  kind: string;
  /** What the label means, for people. */
  description: string;
}

const SIGNATURES: readonly {
  magic: readonly number[];
  offset?: number;
  kind: string;
  description: string;
}[] = [
  { magic: [0x7f, 0x45, 0x4c, 0x46], kind: 'elf', description: 'ELF executable or library' },
  { magic: [0xcf, 0xfa, 0xed, 0xfe], kind: 'macho', description: 'Mach-O 64-bit executable' },
  { magic: [0xce, 0xfa, 0xed, 0xfe], kind: 'macho', description: 'Mach-O 32-bit executable' },
  {
    magic: [0xca, 0xfe, 0xba, 0xbe],
    kind: 'macho-fat',
    description: 'Mach-O universal binary or Java class',
  },
  { magic: [0x50, 0x4b, 0x03, 0x04], kind: 'zip', description: 'ZIP archive (also OOXML, JAR, APK)' },
  { magic: [0x50, 0x4b, 0x05, 0x06], kind: 'zip', description: 'ZIP archive (empty)' },
  { magic: [0x1f, 0x8b], kind: 'gzip', description: 'gzip stream' },
  { magic: [0x42, 0x5a, 0x68], kind: 'bzip2', description: 'bzip2 stream' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], kind: 'xz', description: 'xz stream' },
  { magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], kind: '7z', description: '7-Zip archive' },
  { magic: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], kind: 'rar', description: 'RAR archive' },
  { magic: [0x75, 0x73, 0x74, 0x61, 0x72], offset: 257, kind: 'tar', description: 'tar archive' },
  { magic: [0x25, 0x50, 0x44, 0x46, 0x2d], kind: 'pdf', description: 'PDF document' },
  {
    magic: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    kind: 'ole',
    description: 'OLE compound file (legacy Office, MSI)',
  },
  { magic: [0x7b, 0x5c, 0x72, 0x74, 0x66], kind: 'rtf', description: 'RTF document' },
  {
    magic: [0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00],
    kind: 'lnk',
    description: 'Windows shortcut (LNK)',
  },
  { magic: [0x89, 0x50, 0x4e, 0x47], kind: 'png', description: 'PNG image' },
  { magic: [0xff, 0xd8, 0xff], kind: 'jpeg', description: 'JPEG image' },
  { magic: [0x47, 0x49, 0x46, 0x38], kind: 'gif', description: 'GIF image' },
  { magic: [0x23, 0x21], kind: 'script', description: 'script with a #! interpreter line' },
];

/** Tab, line feed, carriage return, printable ASCII and every byte from 0x80. */
const TEXT_BYTE = Uint8Array.from({ length: 256 }, (_, c) =>
  c === 9 || c === 10 || c === 13 || (c >= 0x20 && c < 0x7f) || c >= 0x80 ? 1 : 0,
);

function startsWith(bytes: Uint8Array, magic: readonly number[], offset: number): boolean {
  if (bytes.length < offset + magic.length) return false;
  // Every byte compared, not up to the first that differs: most files differ at the first, and a
  // loop step that only a rarer file takes is compiled as a bailout (a new compile when one does).
  let differ = 0;
  for (let i = 0; i < magic.length; i++) differ |= bytes[offset + i] ^ magic[i];
  return differ === 0;
}

/** The type of a file from its first bytes. */
export function fileType(bytes: Uint8Array): FileType {
  if (bytes.length >= 2 && bytes[0] === 0x4d && bytes[1] === 0x5a) {
    if (!looksLikePe(bytes)) return { kind: 'mz', description: 'MS-DOS executable (MZ, no PE header)' };
    const nt = (bytes[0x3c] | (bytes[0x3d] << 8) | (bytes[0x3e] << 16) | (bytes[0x3f] << 24)) >>> 0;
    const magic = nt + 25 < bytes.length ? bytes[nt + 24] | (bytes[nt + 25] << 8) : 0;
    const characteristics = nt + 23 < bytes.length ? bytes[nt + 22] | (bytes[nt + 23] << 8) : 0;
    const dll = (characteristics & 0x2000) !== 0 ? ' DLL' : '';
    if (magic === 0x20b) return { kind: 'pe32+', description: `PE32+ (64-bit) Windows executable${dll}` };
    return { kind: 'pe32', description: `PE32 Windows executable${dll}` };
  }
  for (const s of SIGNATURES) {
    if (startsWith(bytes, s.magic, s.offset ?? 0)) return { kind: s.kind, description: s.description };
  }
  if (bytes.length === 0) return { kind: 'empty', description: 'empty file' };
  // Text when the first 4 KiB hold only TEXT_BYTE bytes (so no NUL); most binaries fail early.
  const end = Math.min(bytes.length, 4096);
  for (let i = 0; i < end; i++)
    if (TEXT_BYTE[bytes[i]] === 0) return { kind: 'data', description: 'data (no known signature)' };
  return { kind: 'text', description: 'text' };
}
