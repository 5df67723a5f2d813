/**
 * Incremental SHA-256 (FIPS 180-4) in plain TypeScript.
 *
 * Why not WebCrypto: `crypto.subtle.digest` takes the whole message at once,
 * so hashing a 3 GB download with it means holding 3 GB in one buffer, which
 * is exactly what model delivery must never do. This hasher takes the bytes
 * as they stream in, in pieces of any size, and keeps 100-odd bytes of state.
 *
 * Browser-safe: no Node APIs.
 */

// First 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/**
 * A streaming SHA-256 hasher.
 *
 * @example
 * const h = new Sha256();
 * for await (const piece of stream) h.update(piece);
 * const hex = h.hex();
 */
export class Sha256 {
  readonly #h = new Int32Array(INITIAL);
  /** Bytes of an unfinished 64-byte block carried over between updates. */
  readonly #pending = new Uint8Array(64);
  #pendingLength = 0;
  #length = 0;
  #finished = false;

  /** Bytes hashed so far. */
  get length(): number {
    return this.#length;
  }

  /** Feeds more bytes. Returns `this` for chaining. */
  update(data: Uint8Array): this {
    if (this.#finished) throw new Error('Sha256: update() after digest()');
    this.#length += data.length;
    let pos = 0;
    if (this.#pendingLength > 0) {
      const take = Math.min(64 - this.#pendingLength, data.length);
      this.#pending.set(data.subarray(0, take), this.#pendingLength);
      this.#pendingLength += take;
      pos = take;
      if (this.#pendingLength < 64) return this;
      compress(this.#h, this.#pending, 0, 64);
      this.#pendingLength = 0;
    }
    // Hash whole blocks straight from the caller's bytes: no copy.
    const whole = pos + ((data.length - pos) & ~63);
    if (whole > pos) compress(this.#h, data, pos, whole);
    if (whole < data.length) {
      this.#pending.set(data.subarray(whole));
      this.#pendingLength = data.length - whole;
    }
    return this;
  }

  /** Finishes the hash and returns the 32-byte digest. The hasher cannot be updated afterwards. */
  digest(): Uint8Array {
    if (!this.#finished) {
      const bits = this.#length * 8;
      const tail = new Uint8Array(this.#pendingLength < 56 ? 64 : 128);
      tail.set(this.#pending.subarray(0, this.#pendingLength));
      tail[this.#pendingLength] = 0x80;
      // 64-bit big-endian length in bits (2^53 bytes is plenty for a model file).
      const view = new DataView(tail.buffer);
      view.setUint32(tail.length - 8, Math.floor(bits / 2 ** 32));
      view.setUint32(tail.length - 4, bits >>> 0);
      compress(this.#h, tail, 0, tail.length);
      this.#finished = true;
    }
    const out = new Uint8Array(32);
    const view = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) view.setInt32(i * 4, this.#h[i]!);
    return out;
  }

  /** Finishes the hash and returns it as 64 lowercase hex digits. */
  hex(): string {
    return toHex(this.digest());
  }
}

/** Block-expansion scratch space, shared: compression never yields, so no two hashers use it at once. */
const W = new Int32Array(64);

/**
 * Compresses the 64-byte blocks in `data[start, end)` into the state `h`.
 * A module-level function with local variables: it is the hot loop, and V8
 * optimises it better than a private method.
 */
function compress(h: Int32Array, data: Uint8Array, start: number, end: number): void {
  const w = W;
  let h0 = h[0]!, h1 = h[1]!, h2 = h[2]!, h3 = h[3]!, h4 = h[4]!, h5 = h[5]!, h6 = h[6]!, h7 = h[7]!;
  for (let p = start; p < end; p += 64) {
    for (let i = 0; i < 16; i++) {
      const j = p + (i << 2);
      w[i] = (data[j]! << 24) | (data[j + 1]! << 16) | (data[j + 2]! << 8) | data[j + 3]!;
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!;
      const y = w[i - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, hh = h7;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = g ^ (e & (f ^ g)); // (e & f) ^ (~e & g), one operation less
      const t1 = (hh + S1 + ch + K[i]! + w[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) | (c & (a | b)); // majority, one operation less
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + hh) | 0;
  }
  h[0] = h0; h[1] = h1; h[2] = h2; h[3] = h3; h[4] = h4; h[5] = h5; h[6] = h6; h[7] = h7;
}

/** SHA-256 of `data` as lowercase hex. */
export function sha256Hex(data: Uint8Array): string {
  return new Sha256().update(data).hex();
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}
