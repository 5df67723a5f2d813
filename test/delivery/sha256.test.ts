/** The streaming SHA-256 against node:crypto, on random data cut at random places. */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256, sha256Hex } from '../../core/delivery';

const reference = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('Sha256', () => {
  it('matches the FIPS 180-4 examples', () => {
    expect(sha256Hex(new Uint8Array())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(new TextEncoder().encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('matches node:crypto at every length around the block and padding boundaries', () => {
    for (let n = 0; n <= 200; n++) {
      const data = new Uint8Array(randomBytes(n));
      expect(sha256Hex(data), `length ${n}`).toBe(reference(data));
    }
  });

  it('gives the same hash however the stream is cut', () => {
    const data = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17));
    const expected = reference(data);
    for (let trial = 0; trial < 5; trial++) {
      const h = new Sha256();
      for (let pos = 0; pos < data.length; ) {
        // Pieces from 0 bytes to 200 KB, at odd offsets, some inside a block.
        const n = Math.min(data.length - pos, Math.floor(Math.random() ** 3 * 200_000));
        h.update(data.subarray(pos, pos + n));
        pos += n;
      }
      expect(h.length).toBe(data.length);
      expect(h.hex()).toBe(expected);
    }
  });

  it('refuses updates after the digest', () => {
    const h = new Sha256().update(new Uint8Array([1, 2, 3]));
    const first = h.hex();
    expect(h.hex()).toBe(first);
    expect(() => h.update(new Uint8Array([4]))).toThrow(/after digest/);
  });
});
