import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'microcred-config-'));

describe('loadConfig', () => {
  it('defaults to port 3000 on localhost with the embedded database', () => {
    const c = loadConfig({ DATA_DIR: tmp() });
    expect(c.port).toBe(3000);
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.databaseUrl).toBeUndefined();
  });

  it('generates an encryption key on first start, keeps it private, and reuses it', () => {
    const dir = tmp();
    const a = loadConfig({ DATA_DIR: dir });
    const b = loadConfig({ DATA_DIR: dir });
    expect(a.encryptionKey).toHaveLength(32);
    expect(b.encryptionKey.equals(a.encryptionKey)).toBe(true);
    expect(fs.statSync(path.join(dir, 'encryption.key')).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['PORT', 'abc', 'PORT'],
    ['PORT', '70000', 'PORT'],
    ['PUBLIC_URL', 'microcred.example.edu', 'PUBLIC_URL: must be an absolute URL'],
    ['DATABASE_URL', 'mysql://x', 'DATABASE_URL: must start with postgres://'],
    ['ENCRYPTION_KEY', 'short', 'ENCRYPTION_KEY: must be at least 32 random bytes'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL'],
  ])('a wrong %s=%s fails with a message naming it', (name, value, message) => {
    expect(() => loadConfig({ DATA_DIR: tmp(), [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: tmp(), [name]: value })).toThrow(message);
  });

  it("accepts the crash tests' issuance hold only in test mode", () => {
    expect(loadConfig({ DATA_DIR: tmp(), NODE_ENV: 'test', TEST_HOLD_ISSUANCE_AFTER: '10' }).testHoldIssuanceAfter).toBe(10);
    expect(loadConfig({ DATA_DIR: tmp() }).testHoldIssuanceAfter).toBeUndefined();
    expect(() => loadConfig({ DATA_DIR: tmp(), NODE_ENV: 'production', TEST_HOLD_ISSUANCE_AFTER: '10' })).toThrow('TEST_HOLD_ISSUANCE_AFTER: only for tests');
  });

  it('strips a trailing slash from PUBLIC_URL', () => {
    expect(loadConfig({ DATA_DIR: tmp(), PUBLIC_URL: 'https://mc.uni.example/' }).publicUrl).toBe('https://mc.uni.example');
  });
});
