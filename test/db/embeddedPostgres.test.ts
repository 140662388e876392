// Reading PostgreSQL's postmaster.pid, which start-up uses to recognise a server left running
// (or a lock file left behind) by a microcred process that was killed.
import { parsePostmasterPid } from '../../src/db/embeddedPostgres';

describe('parsePostmasterPid', () => {
  it('reads the PID, data directory, port, listen address and status of a running server', () => {
    // As PostgreSQL 17 writes it (src/include/utils/pidfile.h): the status is padded to 8 characters.
    const text = '13757\n/tmp/mc/postgres\n1796586037\n23002\n/tmp\n127.0.0.1\n  2221358        24\nready   \n';
    expect(parsePostmasterPid(text)).toEqual({ pid: 13757, dataDir: '/tmp/mc/postgres', port: 23002, listenAddress: '127.0.0.1', status: 'ready' });
  });

  it('reads a file still being written (no status yet) and a standalone backend (negative PID)', () => {
    expect(parsePostmasterPid('4242\n/d\n1796586037\n5433\n')).toEqual({ pid: 4242, dataDir: '/d', port: 5433, listenAddress: '', status: undefined });
    expect(parsePostmasterPid('-4242\n/d\n1796586037\n5433\n/tmp\n\n')?.pid).toBe(4242);
  });

  it('gives nothing for a file truncated by a crash or not a lock file at all', () => {
    expect(parsePostmasterPid('')).toBeUndefined();
    expect(parsePostmasterPid('13757\n/tmp/mc/postgres\n')).toBeUndefined();
    expect(parsePostmasterPid('hello\nworld\n1\n2\n')).toBeUndefined();
  });
});
