import { describe, expect, it } from 'vitest';
import { decodeLine, decodeSegment, encodeRecord, type SpoolRecord } from '../../../../src/hooks/spool/record-codec.js';
import type { Envelope } from '../../../../src/hooks/notification.js';

function envelope(seq: number, overrides: Partial<Envelope['n']> = {}): Envelope {
  return {
    seq,
    id: `id-${seq}`,
    createdMs: 1_700_000_000_000 + seq,
    n: {
      sink: 'http_hooks',
      event: 'on_close',
      method: 'POST',
      url: 'http://127.0.0.1:8085/api/v1/clients',
      body: '{"action":"on_close","note":"line\\nbreak \u00e9"}',
      timeoutMs: 30_000,
      tlsVerify: true,
      judge: 'srs',
      chain: 'http_hooks:abc',
      secret: { kind: 'vhost', vhost: '__defaultVhost__' },
      clientId: 'abc',
      ...overrides,
    },
  };
}

describe('spool record codec', () => {
  it('encodes a record as one CRC-32-checked JSON line (golden, CRC from python zlib.crc32)', () => {
    expect(encodeRecord({ t: 'D', seq: 42, outcome: 'delivered' })).toBe('033c7610 {"t":"D","seq":42,"o":"delivered"}\n');
    expect(encodeRecord({ t: 'H', v: 1 })).toBe('0d877b8e {"t":"H","v":1}\n');
  });

  it('round-trips every record kind, the body byte for byte, newlines included', () => {
    const records: SpoolRecord[] = [
      { t: 'H', v: 1 },
      { t: 'E', envelope: envelope(7) },
      { t: 'E', envelope: envelope(8, { method: 'GET', body: '', judge: 'any', truncateBytes: 64, fields: { seq_no: 3 }, secret: { kind: 'hooks' } }) },
      { t: 'D', seq: 7, outcome: 'expired' },
    ];
    const text = records.map(encodeRecord).join('');
    expect(text.split('\n')).toHaveLength(5);
    const decoded = decodeSegment(text);
    expect(decoded.bad).toEqual([]);
    expect(decoded.records).toEqual(records);
  });

  it('refuses a flipped byte (crc), bad JSON under a good CRC, a foreign shape, and a cut last line', () => {
    const good = encodeRecord({ t: 'E', envelope: envelope(1) });
    const flipped = good.replace('on_close', 'on_clost');
    const cut = encodeRecord({ t: 'E', envelope: envelope(3) }).slice(0, 40);
    const text = good + flipped + 'garbage\n' + encodeRecord({ t: 'D', seq: 1, outcome: 'delivered' }) + cut;
    const { records, bad } = decodeSegment(text);
    expect(records.map((r) => r.t)).toEqual(['E', 'D']);
    expect(bad.map((b) => [b.line, b.reason])).toEqual([
      [2, 'crc'],
      [3, 'shape'],
      [5, 'truncated'],
    ]);
    expect(decodeLine('00000000 {')).toBe('crc');
    expect(decodeLine(encodeRecord({ t: 'H', v: 2 }).trimEnd())).toBe('version');
    expect(decodeLine(encodeRecord({ t: 'D', seq: -1, outcome: 'delivered' }).trimEnd())).toBe('shape');
  });
});
