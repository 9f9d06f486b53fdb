import { describe, expect, it } from 'vitest';
import { connectResult, onBWDone } from '../../../src/rtmp/commands.js';
import { decodeAmf0 } from '../../../src/rtmp/amf0.js';
import { AmfEcmaArray, amfProperties } from '../../../src/rtmp/amf-value.js';

/** The connect `_result`'s info.data as a plain record. */
function dataOf(payload: Buffer): Record<string, unknown> {
  const [name, tid, , info] = decodeAmf0(payload);
  expect([name, tid]).toEqual(['_result', 1]);
  const data = amfProperties(info ?? null)?.['data'];
  expect(data).toBeInstanceOf(AmfEcmaArray);
  return { ...(data as AmfEcmaArray).properties };
}

describe('connectResult', () => {
  it('gives every session its own srs_id, whatever its length', () => {
    const ids = ['cid1', 'x', 'a-much-longer-client-id-0123456789', 'cid1'];
    for (const clientId of ids) {
      const data = dataOf(connectResult({ objectEncoding: 0, serverIp: '10.0.0.1', pid: 42, clientId }).payload);
      expect(data['srs_id']).toBe(clientId);
      expect(data['srs_server_ip']).toBe('10.0.0.1');
      expect(data['srs_pid']).toBe(42);
    }
  });

  it('keeps servers, encodings and pids apart', () => {
    const withoutIp = dataOf(connectResult({ objectEncoding: 3, serverIp: '', pid: 7, clientId: 'c2' }).payload);
    expect(withoutIp).not.toHaveProperty('srs_server_ip');
    expect(withoutIp['srs_pid']).toBe(7);
    const [, , , info] = decodeAmf0(connectResult({ objectEncoding: 3, serverIp: '', pid: 7, clientId: 'c3' }).payload);
    expect(amfProperties(info ?? null)?.['objectEncoding']).toBe(3);
    const other = dataOf(connectResult({ objectEncoding: 0, serverIp: '::1', pid: 8, clientId: 'c4' }).payload);
    expect([other['srs_server_ip'], other['srs_pid'], other['srs_id']]).toEqual(['::1', 8, 'c4']);
  });

  it('hands out onBWDone, encoded once, without letting one caller change another', () => {
    const first = onBWDone();
    first.streamId = 9;
    expect(onBWDone().streamId).toBe(0);
    expect(decodeAmf0(onBWDone().payload)).toEqual(['onBWDone', 0, null]);
  });
});
