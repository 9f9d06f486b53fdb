import { ProtocolError } from '../errors.js';

/**
 * A bounds-checked big-endian cursor over a Buffer. Every read checks the
 * remaining length first and throws a ProtocolError with the reader's code,
 * so truncated input never surfaces as a RangeError.
 */
export class ByteReader {
  private offset: number;

  constructor(
    private readonly buffer: Buffer,
    /** Error code thrown on truncation, e.g. `ERR_AMF_TRUNCATED`. */
    private readonly truncatedCode: string,
    start = 0,
  ) {
    this.offset = start;
  }

  /** Bytes consumed so far (absolute offset in the buffer). */
  get position(): number {
    return this.offset;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  /** Next byte without consuming it, or undefined at the end. */
  peekU8(): number | undefined {
    return this.offset < this.buffer.length ? this.buffer[this.offset] : undefined;
  }

  /** Reads one unsigned byte. */
  u8(): number {
    this.need(1);
    return this.buffer[this.offset++] as number;
  }

  /** Reads a big-endian unsigned 16-bit integer. */
  u16(): number {
    this.need(2);
    const value = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  /** Reads a big-endian signed 16-bit integer. */
  i16(): number {
    this.need(2);
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  /** Reads a big-endian unsigned 24-bit integer. */
  u24(): number {
    this.need(3);
    const value = this.buffer.readUIntBE(this.offset, 3);
    this.offset += 3;
    return value;
  }

  /** Reads a big-endian unsigned 32-bit integer. */
  u32(): number {
    this.need(4);
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** Reads a big-endian signed 32-bit integer. */
  i32(): number {
    this.need(4);
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  /** Reads a big-endian IEEE-754 double. */
  f64(): number {
    this.need(8);
    const value = this.buffer.readDoubleBE(this.offset);
    this.offset += 8;
    return value;
  }

  /** A view (not a copy) of the next `length` bytes. */
  bytes(length: number): Buffer {
    this.need(length);
    const view = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }

  /** Decodes the next `length` bytes as UTF-8. */
  utf8(length: number): string {
    this.need(length);
    const text = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return text;
  }

  /** Skips `length` bytes. */
  skip(length: number): void {
    this.need(length);
    this.offset += length;
  }

  /** Throws unless `length` more bytes are available. */
  need(length: number): void {
    if (length < 0 || this.offset + length > this.buffer.length) {
      throw new ProtocolError(
        this.truncatedCode,
        `truncated input: need ${length} bytes at offset ${this.offset}, ${this.remaining} left`,
      );
    }
  }
}
