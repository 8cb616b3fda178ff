import { readFileSync } from 'fs';
import { userInfo } from 'os';

/** uid <-> user name, as the password database answers getpwuid() / getpwnam(). */
export interface UserDatabase {
  nameOf(uid: number): string | undefined;
  uidOf(name: string): number | undefined;
}

class PasswdTable implements UserDatabase {
  private readonly names = new Map<number, string>();
  private readonly uids = new Map<string, number>();

  /** Like getpwent(), the first entry for a uid or a name wins. */
  add(name: string, uid: number): void {
    if (!this.names.has(uid)) this.names.set(uid, name);
    if (!this.uids.has(name)) this.uids.set(name, uid);
  }

  nameOf(uid: number): string | undefined {
    return this.names.get(uid);
  }

  uidOf(name: string): number | undefined {
    return this.uids.get(name);
  }
}

/** Reads passwd(5) text: "name:password:uid:gid:gecos:home:shell" per line. */
export function parsePasswd(text: string): UserDatabase {
  const table = new PasswdTable();
  for (const line of text.split('\n')) {
    // '#' comments and NIS "+"/"-" inclusion lines name no local user.
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const fields = line.split(':');
    const name = fields[0];
    const uidText = fields[2];
    if (name === undefined || name === '' || uidText === undefined || !/^\d+$/.test(uidText)) continue;
    table.add(name, Number(uidText));
  }
  return table;
}

let systemDatabase: UserDatabase | undefined;

/**
 * The local password database: /etc/passwd, read once on first use and cached for the life of
 * the process, plus the current process user (who may come from NSS/LDAP and be missing from
 * the file). Users known only to other NSS sources are not found; Flux then shows the uid.
 */
export function systemUserDatabase(): UserDatabase {
  if (systemDatabase !== undefined) return systemDatabase;
  const table = new PasswdTable();
  let text = '';
  try {
    text = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // No passwd file (containers, Windows): every uid falls back to its number.
  }
  const parsed = parsePasswd(text);
  try {
    const me = userInfo();
    if (me.uid >= 0 && parsed.nameOf(me.uid) === undefined) table.add(me.username, me.uid);
  } catch {
    // userInfo() throws when the current uid has no passwd entry at all.
  }
  systemDatabase = {
    nameOf: (uid) => parsed.nameOf(uid) ?? table.nameOf(uid),
    uidOf: (name) => parsed.uidOf(name) ?? table.uidOf(name),
  };
  return systemDatabase;
}
