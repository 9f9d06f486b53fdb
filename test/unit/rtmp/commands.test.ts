import { describe, expect, it } from 'vitest';
import { onBWDone, playStartMessages, publishStartStatus } from '../../../src/rtmp/commands.js';
import { decodeAmf0 } from '../../../src/rtmp/amf0.js';

describe('replies encoded once', () => {
  it('share their bytes but give every caller its own message', () => {
    const first = onBWDone();
    first.streamId = 9;
    expect(onBWDone().streamId).toBe(0);
    expect(decodeAmf0(onBWDone().payload)).toEqual(['onBWDone', 0, null]);

    // The stream id travels in the chunk header; the payload is the same for every stream.
    const [, reset1] = playStartMessages(1);
    const [, reset2] = playStartMessages(2);
    expect([reset1?.streamId, reset2?.streamId]).toEqual([1, 2]);
    expect(reset1?.payload).toBe(reset2?.payload);
    expect([publishStartStatus(1).streamId, publishStartStatus(3).streamId]).toEqual([1, 3]);
  });
});
