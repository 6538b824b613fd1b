import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timeOrderedId } from '../../src/store/audit.js';

describe('audit event ids', () => {
  it('are UUIDv7: version 7, RFC variant, the time in their first 48 bits', () => {
    const at = Date.UTC(2026, 11, 5, 1, 2, 3, 456);
    const id = timeOrderedId(at);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(parseInt(id.replaceAll('-', '').slice(0, 12), 16), at);
  });

  it('sort by time across milliseconds and stay unique within one', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => timeOrderedId(1_795_000_000_000 + Math.floor(i / 100)));
    assert.equal(new Set(ids).size, ids.length);
    for (let i = 100; i < ids.length; i += 100) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} sorts before ${ids[i]}`);
  });
});
