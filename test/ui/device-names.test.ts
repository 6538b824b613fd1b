/**
 * Device names on the sessions pages (src/ui/device.ts, ua-parser-js loaded at the first name):
 * a browser and system it knows, one of them, or the raw user agent, shortened.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deviceName } from '../../src/ui/index.js';

const t = (key: string, values?: Record<string, unknown>): string => (key === 'sessions.device_on' ? `${String(values?.browser)} on ${String(values?.os)}` : key);

describe('device names', () => {
  it('names the browser and the system of a user agent it knows', () => {
    const chromeOnLinux = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    assert.equal(deviceName(chromeOnLinux, t), 'Chrome on Linux');
    const firefoxOnWindows = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
    assert.equal(deviceName(firefoxOnWindows, t), 'Firefox on Windows');
  });

  it('falls back to the raw user agent, shortened, and to "unknown" without one', () => {
    assert.equal(deviceName('PatApp/9', t), 'PatApp/9');
    assert.equal(deviceName('x'.repeat(200), t), 'x'.repeat(80));
    assert.equal(deviceName(null, t), 'sessions.unknown');
    assert.equal(deviceName('  ', t), 'sessions.unknown');
  });
});
