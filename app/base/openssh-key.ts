// An ed25519 key pair in OpenSSH's own file format, made with Node's crypto.
//
// Why not ssh2's generateKeyPairSync: ssh2 1.17 strips leading zero bytes from the 32-byte
// ed25519 public key, so about one key in 256 (a public key starting with 0x00) comes out 31
// bytes long. Neither ssh2 nor OpenSSH can read such a file back ("Malformed OpenSSH private
// key"), and a machine made with it never connects. The format is small and fixed (PROTOCOL.key
// in OpenSSH); writing it here keeps the key's bytes exactly as crypto made them.
import * as crypto from 'node:crypto';

const KEY_TYPE = 'ssh-ed25519';
const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';
/** PKCS#8 DER for an ed25519 private key, up to its 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface OpenSshKeyPair {
  /** The private key file's text (PEM-armoured openssh-key-v1), ending with a newline. */
  private: string;
  /** The public key line, "ssh-ed25519 AAAA... comment", without a newline. */
  public: string;
}

export function generateEd25519(comment: string): OpenSshKeyPair {
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (!jwk.d) throw new Error('Node did not export the ed25519 private key');
  return encodeEd25519(Buffer.from(jwk.d, 'base64url'), comment);
}

/** The public half of a 32-byte ed25519 seed. */
export function ed25519PublicOf(seed: Buffer): Buffer {
  const key = crypto.createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const x = key.export({ format: 'jwk' }).x;
  if (!x) throw new Error('Node did not export the ed25519 public key');
  return Buffer.from(x, 'base64url');
}

export function encodeEd25519(seed: Buffer, comment: string, checkInt: Buffer = crypto.randomBytes(4)): OpenSshKeyPair {
  if (seed.length !== 32) throw new Error(`an ed25519 seed is 32 bytes, not ${seed.length}`);
  const pub = ed25519PublicOf(seed);
  const publicBlob = Buffer.concat([sshString(KEY_TYPE), sshString(pub)]);
  let section = Buffer.concat([
    checkInt,
    checkInt,
    publicBlob,
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  // Unencrypted keys are padded to the 8-byte block of the "none" cipher with 1, 2, 3, ...
  const pad = (8 - (section.length % 8)) % 8;
  section = Buffer.concat([section, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    MAGIC,
    sshString('none'), // cipher
    sshString('none'), // KDF
    sshString(''), // KDF options
    uint32(1), // one key
    sshString(publicBlob),
    sshString(section),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    private: [BEGIN, ...lines, END].join('\n') + '\n',
    public: `${KEY_TYPE} ${publicBlob.toString('base64')}${comment ? ' ' + comment : ''}`,
  };
}

/**
 * A key file written by ssh2's generator with its public key cut short (see the top of this
 * file), made whole again: the 32-byte seed in it is intact, so the same key comes back, with
 * the same check bytes and comment. Returns undefined for anything else (a sound key, or one
 * this cannot vouch for), so a caller leaves such a file as it is.
 */
export function repairShortEd25519(text: string): OpenSshKeyPair | undefined {
  try {
    return repair(text);
  } catch {
    return undefined; // a field ran past the end: not a file this can vouch for
  }
}

function repair(text: string): OpenSshKeyPair | undefined {
  const b64 = text.trim();
  if (!b64.startsWith(BEGIN) || !b64.endsWith(END)) return undefined;
  const body = Buffer.from(b64.slice(BEGIN.length, -END.length).replace(/\s+/g, ''), 'base64');
  if (!body.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const r = new Reader(body, MAGIC.length);
  if (r.text() !== 'none' || r.text() !== 'none' || r.bytes().length !== 0 || r.uint32() !== 1) return undefined;
  r.bytes(); // the public blob, repeated in the section
  const s = new Reader(r.bytes(), 0);
  const checkInt = s.raw(4);
  if (!s.raw(4).equals(checkInt) || s.text() !== KEY_TYPE) return undefined;
  const shortPub = s.bytes();
  const both = s.bytes();
  const comment = s.text();
  if (shortPub.length >= 32 || both.length !== 32 + shortPub.length) return undefined;
  const seed = both.subarray(0, 32);
  const pub = ed25519PublicOf(seed);
  // Only the defect's shape: the real public key is the stored one with its leading zeros back.
  const zeros = 32 - shortPub.length;
  if (!pub.subarray(0, zeros).equals(Buffer.alloc(zeros)) || !pub.subarray(zeros).equals(shortPub)) return undefined;
  if (!both.subarray(32).equals(shortPub)) return undefined;
  return encodeEd25519(seed, comment, checkInt);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function sshString(v: string | Buffer): Buffer {
  const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
  return Buffer.concat([uint32(b.length), b]);
}

/** Reads SSH wire fields; throws on a short buffer. */
class Reader {
  constructor(
    private readonly buf: Buffer,
    private pos: number,
  ) {}
  raw(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new RangeError('short OpenSSH key');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  uint32(): number {
    return this.raw(4).readUInt32BE(0);
  }
  bytes(): Buffer {
    return this.raw(this.uint32());
  }
  text(): string {
    return this.bytes().toString('utf8');
  }
}
