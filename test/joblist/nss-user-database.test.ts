import fc from 'fast-check';
import { userInfo } from 'os';
import {
  JobList,
  NssUserDatabase,
  parseGetentPasswd,
  parsePasswdLine,
  runGetent,
  getentRunner,
  lookUpUid,
  withNameLookedUp,
  type GetentRunner,
  type NssUserDatabaseOptions,
} from '../../src/joblist';
import { EmbeddedInstance } from '../../src/embedded';
import { fakeGetent, type DirectoryUser } from '../support/fake-getent';

const LDAP_USERS: DirectoryUser[] = [
  { name: 'alice', uid: 5001 },
  { name: 'bob', uid: 5002 },
  { name: 'carol', uid: 5003 },
];

function database(options: NssUserDatabaseOptions = {}): { db: NssUserDatabase; calls: string[][]; clock: { ms: number } } {
  const getent = fakeGetent(LDAP_USERS);
  const clock = { ms: 1_000_000 };
  return { db: new NssUserDatabase({ getent, now: () => clock.ms, ...options }), calls: getent.calls, clock };
}

describe('NssUserDatabase', () => {
  it('asks one getent for all the uids of a batch, each once', async () => {
    const { db, calls } = database();
    expect(await db.namesOf([5001, 5002, 5001, 7777, 5003])).toEqual(['alice', 'bob', 'alice', undefined, 'carol']);
    expect(calls).toEqual([['5001', '5002', '7777', '5003']]);
  });

  it('shares a getent between concurrent callers', async () => {
    const { db, calls } = database();
    const [first, second] = await Promise.all([db.namesOf([5001, 5002]), db.namesOf([5002, 5001])]);
    expect(first).toEqual(['alice', 'bob']);
    expect(second).toEqual(['bob', 'alice']);
    expect(calls).toHaveLength(1);
  });

  it('splits a batch larger than maxKeysPerCall', async () => {
    const { db, calls } = database({ maxKeysPerCall: 2 });
    expect(await db.namesOf([5001, 5002, 5003])).toEqual(['alice', 'bob', 'carol']);
    expect(calls).toEqual([['5001', '5002'], ['5003']]);
  });

  it('answers nameOf/uidOf from what was looked up, both ways', async () => {
    const { db, calls } = database();
    expect(db.nameOf(5001)).toBeUndefined();
    await db.namesOf([5001]);
    expect(db.nameOf(5001)).toBe('alice');
    expect(db.uidOf('alice')).toBe(5001);
    expect(await db.uidsOf(['alice'])).toEqual([5001]);
    expect(calls).toHaveLength(1);
  });

  it('asks again once an answer has expired', async () => {
    const { db, calls, clock } = database({ positiveTtlMs: 60_000 });
    await db.namesOf([5001]);
    clock.ms += 59_999;
    await db.namesOf([5001]);
    expect(calls).toHaveLength(1);
    clock.ms += 1;
    expect(await db.namesOf([5001])).toEqual(['alice']);
    expect(calls).toHaveLength(2);
  });

  it('believes "no such user" for the shorter negative lifetime', async () => {
    const { db, calls, clock } = database({ positiveTtlMs: 60_000, negativeTtlMs: 5_000 });
    expect(await db.uidsOf(['mallory'])).toEqual([undefined]);
    clock.ms += 4_999;
    expect(await db.uidsOf(['mallory'])).toEqual([undefined]);
    expect(calls).toHaveLength(1);
    clock.ms += 1;
    await db.uidsOf(['mallory']);
    expect(calls).toHaveLength(2);
  });

  it('forgets the least recently asked beyond maxEntries', async () => {
    const { db, calls } = database({ maxEntries: 2 });
    await db.namesOf([5001]);
    await db.namesOf([5002]);
    await db.namesOf([5003]);
    expect(db.cacheSize.uids).toBe(2);
    expect(db.nameOf(5001)).toBeUndefined();
    await db.namesOf([5001]);
    expect(calls).toHaveLength(4);
  });

  it('never asks getent about numeric text or text no passwd name can hold', async () => {
    const { db, calls } = database();
    expect(await db.uidsOf(['5001', ' 5001', '+5001', '1_000', '', 'a:b', 'a\nb', 'x'.repeat(300)])).toEqual(Array(8).fill(undefined));
    expect(await db.namesOf([-1, 1.5, 2 ** 32])).toEqual([undefined, undefined, undefined]);
    expect(calls).toEqual([]);
  });

  it('pairs lines with keys by position when every key was found (a name NSS matched case-insensitively)', async () => {
    const getent: GetentRunner = async () => ({ exitCode: 0, stdout: 'alice:*:5001:5001::/home/alice:/bin/sh\n' });
    const db = new NssUserDatabase({ getent });
    expect(await db.uidsOf(['Alice'])).toEqual([5001]);
    expect(db.nameOf(5001)).toBe('alice');
  });

  describe('when getent fails', () => {
    it.each([
      ['is missing', (async () => {
        throw Object.assign(new Error('spawn getent ENOENT'), { code: 'ENOENT' });
      }) as GetentRunner],
      ['exits with an unexpected status', (async () => ({ exitCode: 1, stdout: '' })) as GetentRunner],
    ])('%s: every key is unknown, reported once, retried after the negative lifetime', async (_what, getent) => {
      const errors: Error[] = [];
      const clock = { ms: 0 };
      const db = new NssUserDatabase({ getent, now: () => clock.ms, negativeTtlMs: 1_000, onError: (error) => errors.push(error) });
      expect(await db.namesOf([5001, 5002])).toEqual([undefined, undefined]);
      expect(await db.namesOf([5001])).toEqual([undefined]);
      expect(errors).toHaveLength(1);
      clock.ms += 1_000;
      await db.namesOf([5001]);
      expect(errors).toHaveLength(2);
    });

    it('times out a hung getent, aborting it', async () => {
      let aborted = false;
      const getent: GetentRunner = (_keys, signal) =>
        new Promise(() => {
          signal.addEventListener('abort', () => {
            aborted = true;
          });
        });
      const errors: Error[] = [];
      const db = new NssUserDatabase({ getent, timeoutMs: 20, onError: (error) => errors.push(error) });
      expect(await db.namesOf([5001])).toEqual([undefined]);
      expect(aborted).toBe(true);
      expect(errors.map((error) => error.message)).toEqual(['getent passwd did not answer within 20 ms']);
    });

    it('keeps what it knew before', async () => {
      const clock = { ms: 0 };
      let working = true;
      const good = fakeGetent(LDAP_USERS);
      const getent: GetentRunner = (keys, signal) => (working ? good(keys, signal) : Promise.reject(new Error('ldap down')));
      const db = new NssUserDatabase({ getent, now: () => clock.ms, positiveTtlMs: 1_000, onError: () => undefined });
      await db.namesOf([5001]);
      working = false;
      clock.ms += 2_000;
      expect(await db.namesOf([5001])).toEqual(['alice']);
    });
  });

  it('gives JobList its users once looked up (jobs of a user known only to NSS)', async () => {
    const { db } = database();
    const handle = new EmbeddedInstance({ queues: [] }).handle();
    expect(() => new JobList(handle, { user: 'bob', userDatabase: db })).toThrow('Invalid user bob specified');
    expect(new JobList(handle, { user: 'bob', userDatabase: await withNameLookedUp(db, 'bob') }).userid).toBe(5002);
    expect(await lookUpUid(db, 'carol')).toBe(5003);
    expect(await lookUpUid({ nameOf: () => undefined, uidOf: (name) => (name === 'x' ? 1 : undefined) }, 'x')).toBe(1);
    // Numeric text keeps its meaning: a uid.
    expect(new JobList(handle, { user: '6000', userDatabase: await withNameLookedUp(db, '6000') }).userid).toBe(6000);
  });
});

describe('the real getent', () => {
  it('knows root as uid 0, both ways, and reports an unknown key as not found', async () => {
    const db = new NssUserDatabase({ getent: runGetent });
    expect(await db.namesOf([0])).toEqual(['root']);
    expect(await db.uidsOf(['root', 'no-such-user-flux-graphql'])).toEqual([0, undefined]);
  });

  it('finds the user running the tests', async () => {
    const me = userInfo();
    const db = new NssUserDatabase();
    expect(await db.namesOf([me.uid])).toEqual([me.username]);
  });

  it('takes a name starting with "-" as a key, not an option', async () => {
    const result = await runGetent(['-s'], new AbortController().signal);
    expect(result.exitCode).toBe(2);
  });

  it('rejects when getent cannot be started', async () => {
    await expect(getentRunner('/nonexistent/getent')(['root'], new AbortController().signal)).rejects.toThrow(/ENOENT/);
  });
});

describe('parseGetentPasswd', () => {
  const name = fc.stringMatching(/^[a-z_][a-z0-9_.@$-]{0,31}$/);
  const uid = fc.integer({ min: 0, max: 0xffffffff });
  const field = fc.stringMatching(/^[^:\n]*$/);

  it('reads back every line it is given, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ name, uid, gecos: field, home: field })), (users) => {
        const text = users.map((u) => `${u.name}:x:${u.uid}:${u.uid}:${u.gecos}:${u.home}:/bin/sh\n`).join('');
        expect(parseGetentPasswd(text)).toEqual(users.map((u) => ({ name: u.name, uid: u.uid })));
      }),
    );
  });

  it('never throws, and whatever it returns is a named user with a safe uid', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        for (const entry of parseGetentPasswd(text)) {
          expect(entry.name).not.toBe('');
          expect(entry.name).not.toMatch(/[:\n]/);
          expect(Number.isSafeInteger(entry.uid) && entry.uid >= 0).toBe(true);
        }
      }),
    );
  });

  it('skips lines with no numeric uid', () => {
    expect(parsePasswdLine('bad:x:abc:0::/:/bin/sh')).toBeUndefined();
    expect(parsePasswdLine('short:x')).toBeUndefined();
    expect(parsePasswdLine('huge:x:99999999999999999999:0::/:/bin/sh')).toBeUndefined();
  });
});
