import { readFileSync } from 'fs';
import { userInfo } from 'os';

/** uid <-> user name, as the password database answers getpwuid() / getpwnam(). */
export interface UserDatabase {
  nameOf(uid: number): string | undefined;
  uidOf(name: string): number | undefined;
  /**
   * Present on a database that must ask a slower source (NSS: LDAP, SSSD) before nameOf/uidOf
   * can answer: looks all of these up at once, one answer per key in key order. Without it,
   * nameOf and uidOf already know everything.
   */
  namesOf?(uids: readonly number[]): Promise<(string | undefined)[]>;
  uidsOf?(names: readonly string[]): Promise<(number | undefined)[]>;
}

/** The uid of a user name, asking the database's slower source first when it has one. */
export async function lookUpUid(users: UserDatabase, name: string): Promise<number | undefined> {
  if (users.uidsOf === undefined) return users.uidOf(name);
  const [uid] = await users.uidsOf([name]);
  return uid;
}

/**
 * `users` with `name` already looked up, so that synchronous checks (JobList's user rules)
 * see the answer even when the database's cache has let it go again since.
 */
export async function withNameLookedUp(users: UserDatabase, name: string): Promise<UserDatabase> {
  if (users.uidsOf === undefined) return users;
  const uid = await lookUpUid(users, name);
  return { nameOf: (id) => users.nameOf(id), uidOf: (asked) => (asked === name ? uid : users.uidOf(asked)) };
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

export interface PasswdEntry {
  name: string;
  uid: number;
}

/** One passwd(5) line, "name:password:uid:gid:gecos:home:shell"; undefined for one naming no user. */
export function parsePasswdLine(line: string): PasswdEntry | undefined {
  // '#' comments and NIS "+"/"-" inclusion lines name no local user.
  if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) return undefined;
  const fields = line.split(':');
  const name = fields[0];
  const uidText = fields[2];
  if (name === undefined || name === '' || uidText === undefined || !/^\d+$/.test(uidText)) return undefined;
  const uid = Number(uidText);
  return Number.isSafeInteger(uid) ? { name, uid } : undefined;
}

/** Reads passwd(5) text, one entry a line. */
export function parsePasswd(text: string): UserDatabase {
  const table = new PasswdTable();
  for (const line of text.split('\n')) {
    const entry = parsePasswdLine(line);
    if (entry !== undefined) table.add(entry.name, entry.uid);
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
