import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base32Decode, hotp, totp } from './totp.mjs';

// RFC 6238 appendix B, SHA-1 rows, cut to 6 digits. The key is the ASCII
// string "12345678901234567890".
test('totp matches the RFC 6238 test vectors', () => {
  const key = Buffer.from('12345678901234567890');
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  assert.deepEqual(base32Decode(secret), key);
  const rows = [
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
    [20000000000, '353130'],
  ];
  for (const [t, want] of rows) {
    assert.equal(totp(secret, Math.floor(t / 30)), want, `totp at T=${t}`);
    assert.equal(hotp(key, Math.floor(t / 30)), want);
  }
});

test('base32Decode ignores the spaces the enrolment page groups keys with', () => {
  assert.deepEqual(base32Decode('GEZD GNBV gy3t QOJQ'), base32Decode('GEZDGNBVGY3TQOJQ'));
});
