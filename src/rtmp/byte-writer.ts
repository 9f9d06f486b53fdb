/**
 * A growable big-endian byte sink for encoders (AMF, control messages).
 * Doubles its backing store as needed; `finish()` returns an exact-size view.
 */
export class ByteWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initialBytes = 256) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.length;
  }

  /** Appends one byte. */
  u8(value: number): this {
    this.reserve(1);
    this.buffer[this.length++] = value & 0xff;
    return this;
  }

  /** Appends a big-endian unsigned 16-bit integer. */
  u16(value: number): this {
    this.reserve(2);
    this.buffer.writeUInt16BE(value, this.length);
    this.length += 2;
    return this;
  }

  /** Appends a big-endian signed 16-bit integer. */
  i16(value: number): this {
    this.reserve(2);
    this.buffer.writeInt16BE(value, this.length);
    this.length += 2;
    return this;
  }

  /** Appends a big-endian unsigned 24-bit integer. */
  u24(value: number): this {
    this.reserve(3);
    this.buffer.writeUIntBE(value, this.length, 3);
    this.length += 3;
    return this;
  }

  /** Appends a big-endian unsigned 32-bit integer. */
  u32(value: number): this {
    this.reserve(4);
    this.buffer.writeUInt32BE(value >>> 0, this.length);
    this.length += 4;
    return this;
  }

  /** Appends a big-endian IEEE-754 double. */
  f64(value: number): this {
    this.reserve(8);
    this.buffer.writeDoubleBE(value, this.length);
    this.length += 8;
    return this;
  }

  /** Appends `text` as UTF-8; `byteLength` is `Buffer.byteLength(text)`, which the caller needed for the length prefix. */
  utf8(text: string, byteLength: number): this {
    this.reserve(byteLength);
    this.buffer.write(text, this.length, byteLength, 'utf8');
    this.length += byteLength;
    return this;
  }

  /** Appends raw bytes. */
  bytes(data: Buffer): this {
    this.reserve(data.length);
    data.copy(this.buffer, this.length);
    this.length += data.length;
    return this;
  }

  /** The bytes written, as a Buffer of exactly that size (owned by the caller). */
  finish(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
