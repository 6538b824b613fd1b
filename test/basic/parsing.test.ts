/** The Basic dialect's parsers against arbitrary input: credentials (RFC 7617) and the curl-compatible JSON. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseBasicCredentials } from '../../src/http/basic-api/basic-auth.js';
import { dropLineContinuations } from '../../src/http/basic-api/json-bodies.js';

const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
const noControl = (s: string) => !/[\u0000-\u001f\u007f]/.test(s);

describe('parseBasicCredentials', () => {
  it('SEC-23 round-trips any user-id without a colon and any password (colons included), as UTF-8', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((u) => !u.includes(':') && noControl(u)),
        fc.string({ unit: 'grapheme', maxLength: 60 }).filter(noControl),
        (user, password) => {
          assert.deepEqual(parseBasicCredentials(header(user, password)), { username: user, password });
        },
      ),
    );
  });

  it('SEC-23 never throws, and yields null or credentials, for any header string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `Basic ${s}`), fc.uint8Array().map((b) => `Basic ${Buffer.from(b).toString('base64')}`)), (value) => {
        const parsed = parseBasicCredentials(value);
        assert.ok(parsed === null || (typeof parsed.username === 'string' && parsed.username.length > 0 && !parsed.username.includes(':')));
      }),
    );
  });

  it('refuses byte sequences that are not UTF-8 instead of replacing them', () => {
    assert.equal(parseBasicCredentials(`Basic ${Buffer.from([0x61, 0x3a, 0xc3, 0x28]).toString('base64')}`), null);
    assert.equal(parseBasicCredentials(`Basic ${Buffer.from([0x61, 0x3a, 0xed, 0xa0, 0x80]).toString('base64')}`), null);
  });
});

describe('dropLineContinuations', () => {
  it('never changes what JSON.stringify produces (no backslash-newline outside strings there)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value, null, 2);
        assert.equal(dropLineContinuations(text), text);
      }),
    );
  });

  it('drops backslash-newline between tokens, keeps it inside strings', () => {
    assert.deepEqual(JSON.parse(dropLineContinuations('{ \\\n "a": "x", \\\r\n "b": 1 \\\n}')), { a: 'x', b: 1 });
    assert.equal(dropLineContinuations('{"a": "x\\\ny"}'), '{"a": "x\\\ny"}');
    assert.equal(dropLineContinuations('{"a": "q\\"\\\n"}'), '{"a": "q\\"\\\n"}');
  });
});
