/**
 * The strict JSON body parser (src/http/json-body.ts): the two-byte body `{}` that most RPC
 * actions send takes a shortcut, which must answer what the full parse answers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyError, parseStrictJson } from '../../src/http/json-body.js';

describe('parseStrictJson', () => {
  it('reads {} as a new empty object each time, as the full parse does', () => {
    const first = parseStrictJson(Buffer.from('{}')) as Record<string, unknown>;
    const second = parseStrictJson(Buffer.from('{}')) as Record<string, unknown>;
    assert.deepEqual(first, {});
    assert.equal(Object.getPrototypeOf(first), Object.prototype);
    assert.notEqual(first, second);
    first.changed = true;
    assert.deepEqual(second, {});
    assert.deepEqual(parseStrictJson(Buffer.from(' {} ')), {});
  });

  it('still refuses near misses of {} and reads an empty body as no body', () => {
    for (const text of ['{}}', '{', '{]', '{}\u0000']) assert.throws(() => parseStrictJson(Buffer.from(text)), BodyError, text);
    assert.equal(parseStrictJson(Buffer.alloc(0)), undefined);
    assert.throws(() => parseStrictJson(Buffer.from([0x7b, 0xff, 0x7d])), (err: BodyError) => err.code === 'INVALID_UTF8');
  });
});
