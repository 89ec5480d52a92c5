import { describe, it, expect } from 'vitest';
import { newArrayIterator } from '../../src/lsm/iterator/array-iterator.js';
import { newFlatIterator } from '../../src/lsm/iterator/flat-iterator.js';
import { isPromise, settle } from '../../src/lsm/iterator/maybe-promise.js';
import { CorruptionError, FailedPreconditionError } from '../../src/base/errors.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('array iterator', () => {
  it('seeks both ways', () => {
    const it = newArrayIterator([[b('b'), b('1')], [b('d'), b('2')]]);
    it.seek(b('c')); expect(Buffer.from(it.key()).toString()).toBe('d');
    it.seekLT(b('d')); expect(Buffer.from(it.key()).toString()).toBe('b');
    it.seekLT(b('b')); expect(it.valid()).toBe(false);
    it.seekToLast(); expect(Buffer.from(it.value()).toString()).toBe('2');
    it.next(); expect(it.valid()).toBe(false);
    expect(() => it.next()).toThrow(FailedPreconditionError);
  });

  it('async mode returns promises and refuses calls while pending', async () => {
    const it = newArrayIterator([[b('a'), b('1')]], { async: true });
    const r = it.seekToFirst();
    expect(isPromise(r)).toBe(true);
    expect(() => it.valid()).toThrow(FailedPreconditionError);
    await r;
    expect(it.valid()).toBe(true);
    await settle(it.next());
    expect(it.valid()).toBe(false);
  });
});

describe('flat iterator', () => {
  it('rejects a truncated buffer', () => {
    const it = newFlatIterator(Uint8Array.from([3, 0x61, 0x62, 0x63, 5, 0x78]));
    expect(() => it.seekToFirst()).toThrow(CorruptionError);
    expect(() => newFlatIterator(Uint8Array.from([0x80])).seekToFirst()).toThrow(CorruptionError);
  });

  it('reads an empty buffer as empty', () => {
    const it = newFlatIterator(new Uint8Array(0));
    it.seekToFirst(); expect(it.valid()).toBe(false);
    it.seek(b('a')); expect(it.valid()).toBe(false);
    it.seekToLast(); expect(it.valid()).toBe(false);
  });
});
