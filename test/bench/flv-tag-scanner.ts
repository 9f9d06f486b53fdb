/**
 * Reads an HTTP-FLV body as it arrives, in chunks cut anywhere: the 9-byte
 * file header and its PreviousTagSize0, then tags. Counts the payload bytes
 * of audio and video tags (what the RTMP publisher counts, so full rate is
 * judged the same way for both protocols) and notices the first video key
 * frame that is not a sequence header. Pure: no I/O, no clock.
 */

/** FLV file header (9) + PreviousTagSize0 (4). */
const FILE_PREAMBLE_BYTES = 13;
/** Tag header (11) before the payload, PreviousTagSize (4) after it. */
const TAG_HEADER_BYTES = 11;
const PREVIOUS_TAG_SIZE_BYTES = 4;
const TAG_AUDIO = 8;
const TAG_VIDEO = 9;

export class FlvTagScanner {
  /** Payload bytes of audio and video tags so far. */
  mediaBytes = 0;
  /** Whether a video key frame (AVC NALUs, not the sequence header) has been seen. */
  sawKeyframe = false;
  private preambleLeft = FILE_PREAMBLE_BYTES;
  private readonly header = Buffer.alloc(TAG_HEADER_BYTES);
  private headerFill = 0;
  /** Payload (and trailing size) bytes still to skip in the current tag. */
  private payloadLeft = 0;
  private trailerLeft = 0;
  private currentType = 0;
  /** Bytes of the current video payload seen so far (the key frame test needs its first two). */
  private payloadSeen = 0;
  private firstPayloadByte = 0;

  constructor(private readonly onKeyframe: () => void = () => undefined) {}

  feed(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.preambleLeft > 0) {
        const take = Math.min(this.preambleLeft, chunk.length - at);
        this.preambleLeft -= take;
        at += take;
      } else if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, chunk.length - at);
        if (this.currentType === TAG_VIDEO && !this.sawKeyframe) this.inspectVideo(chunk, at, take);
        if (this.currentType === TAG_AUDIO || this.currentType === TAG_VIDEO) this.mediaBytes += take;
        this.payloadLeft -= take;
        at += take;
      } else if (this.trailerLeft > 0) {
        const take = Math.min(this.trailerLeft, chunk.length - at);
        this.trailerLeft -= take;
        at += take;
      } else {
        const take = Math.min(TAG_HEADER_BYTES - this.headerFill, chunk.length - at);
        chunk.copy(this.header, this.headerFill, at, at + take);
        this.headerFill += take;
        at += take;
        if (this.headerFill === TAG_HEADER_BYTES) this.startTag();
      }
    }
  }

  private startTag(): void {
    this.headerFill = 0;
    this.currentType = this.header[0]! & 0x1f;
    this.payloadLeft = this.header.readUIntBE(1, 3);
    this.trailerLeft = PREVIOUS_TAG_SIZE_BYTES;
    this.payloadSeen = 0;
  }

  /** FLV video: byte 0 high nibble 1 = key frame; byte 1 = AVC packet type, 1 = NALUs (0 is the sequence header). */
  private inspectVideo(chunk: Buffer, at: number, take: number): void {
    for (let i = 0; i < take && this.payloadSeen < 2; i++, this.payloadSeen++) {
      const byte = chunk[at + i]!;
      if (this.payloadSeen === 0) {
        this.firstPayloadByte = byte;
      } else if (this.firstPayloadByte >> 4 === 1 && byte === 1) {
        this.sawKeyframe = true;
        this.onKeyframe();
      }
    }
  }
}
