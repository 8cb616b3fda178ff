/**
 * A `getent passwd` over a fixed directory, for sites whose users live only in LDAP/SSSD. It
 * answers as glibc's getent does: a numeric key is a uid, one line per key found, exit status 2
 * when some key was not found. Every call's keys are recorded.
 */
import type { GetentRunner } from '../../src/joblist';

export interface DirectoryUser {
  name: string;
  uid: number;
}

export function fakeGetent(users: readonly DirectoryUser[]): GetentRunner & { calls: string[][] } {
  const calls: string[][] = [];
  const runner: GetentRunner = async (keys) => {
    calls.push([...keys]);
    const lines: string[] = [];
    for (const key of keys) {
      const user = /^\d+$/.test(key) ? users.find((u) => u.uid === Number(key)) : users.find((u) => u.name === key);
      if (user !== undefined) lines.push(`${user.name}:*:${user.uid}:${user.uid}:${user.name}:/home/${user.name}:/bin/sh\n`);
    }
    return { exitCode: lines.length === keys.length ? 0 : 2, stdout: lines.join('') };
  };
  return Object.assign(runner, { calls });
}
