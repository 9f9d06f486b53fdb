/**
 * AMF0/AMF3 under fast-check: any bytes decode or throw a typed SrsError
 * (never TypeError/RangeError/stack overflow), and any value round-trips.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SrsError } from '../../src/errors.js';
import { decodeAmf0, encodeAmf0 } from '../../src/rtmp/amf0.js';
import { decodeAmf3, encodeAmf3 } from '../../src/rtmp/amf3.js';
import { Amf3Value, AmfEcmaArray, AmfTypedObject, newAmfObject, type AmfObject, type AmfValue } from '../../src/rtmp/amf-value.js';

function onlyTypedErrors(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof SrsError)) throw error;
  }
}

const toObject = (entries: Record<string, AmfValue>): AmfObject => Object.assign(newAmfObject(), entries);

/** Values both AMF0 and AMF3 carry without loss (AMF3 drops empty dynamic keys, so keys are non-empty). */
const { value: amfValue } = fc.letrec((tie) => {
  const inner = tie('value') as fc.Arbitrary<AmfValue>;
  const key = fc.string({ minLength: 1, maxLength: 8 });
  const value = fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.string(),
    fc.constant(null),
    fc.date({ noInvalidDate: true }),
    fc.array(inner, { maxLength: 5 }),
    fc.dictionary(key, inner, { maxKeys: 5 }).map(toObject),
    // An empty ECMA array is an empty array in AMF3 (no associative part), so ECMA arrays get a key.
    fc.dictionary(key, inner, { minKeys: 1, maxKeys: 5 }).map((d) => new AmfEcmaArray(toObject(d))),
    fc.tuple(key, fc.dictionary(key, inner, { maxKeys: 3 })).map(([name, d]) => new AmfTypedObject(name, toObject(d))),
  ) as fc.Arbitrary<AmfValue>;
  return { value };
});

describe('AMF fuzzing', () => {
  it('random bytes only ever yield typed errors (AMF0)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => onlyTypedErrors(() => decodeAmf0(Buffer.from(bytes)))), { numRuns: 3000 });
  });

  it('random bytes only ever yield typed errors (AMF3)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => onlyTypedErrors(() => decodeAmf3(Buffer.from(bytes)))), { numRuns: 3000 });
  });

  it('mutated valid encodings only ever yield typed errors', () => {
    fc.assert(
      fc.property(amfValue, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (value, edits) => {
        for (const encode of [(v: AmfValue) => encodeAmf0(v), (v: AmfValue) => encodeAmf3(v)]) {
          const bytes = Buffer.from(encode(value));
          for (const [position, byte] of edits) if (bytes.length > 0) bytes[position % bytes.length] = byte;
          onlyTypedErrors(() => decodeAmf0(bytes));
          onlyTypedErrors(() => decodeAmf3(bytes));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('any value round-trips through AMF0, AMF3 and the AMF0→AMF3 switch', () => {
    fc.assert(
      fc.property(amfValue, (value) => {
        expect(decodeAmf0(encodeAmf0(value))).toEqual([value]);
        expect(decodeAmf3(encodeAmf3(value))).toEqual(value);
        expect(decodeAmf0(encodeAmf0(new Amf3Value(value)))).toEqual([value]);
      }),
      { numRuns: 1000 },
    );
  });
});
