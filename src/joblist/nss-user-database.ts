/**
 * The system's user database as the C library sees it (NSS: files, LDAP, SSSD, ...), asked
 * through `getent passwd`: Node has no getpwnam()/getpwuid(), and a child process is the one
 * way to reach every NSS module without a native addon. Answers are cached for a short while,
 * so a page of jobs costs at most one getent and most requests none.
 */
import { execFile } from 'child_process';
import { parsePasswdLine, type PasswdEntry, type UserDatabase } from './user-database';

/** What one `getent passwd KEY...` printed: one passwd line per key found. */
export interface GetentResult {
  /** 0: every key found; 2: some key not found (getent(1)); anything else is a failure. */
  exitCode: number;
  stdout: string;
}

/** Runs `getent passwd KEY...`; rejects when it could not run. Stops when `signal` aborts. */
export type GetentRunner = (keys: readonly string[], signal: AbortSignal) => Promise<GetentResult>;

export interface NssUserDatabaseOptions {
  /** Default: the real getent, from the PATH. */
  getent?: GetentRunner;
  /** Milliseconds, for cache lifetimes. Default Date.now. */
  now?: () => number;
  /** How long a name or uid found stays known. Default 60 s. */
  positiveTtlMs?: number;
  /** How long "no such user" (or a failed getent) is believed. Default 10 s. */
  negativeTtlMs?: number;
  /** Most uids, and most names, remembered; the least recently asked go first. Default 4096. */
  maxEntries?: number;
  /** A getent that has not answered by then is killed and its keys count as unknown. Default 5 s. */
  timeoutMs?: number;
  /** Most keys on one getent command line. Default 256. */
  maxKeysPerCall?: number;
  /** Told of each getent that failed, timed out or could not be started. */
  onError?: (error: Error) => void;
}

export const DEFAULT_POSITIVE_TTL_MS = 60_000;
export const DEFAULT_NEGATIVE_TTL_MS = 10_000;
export const DEFAULT_GETENT_TIMEOUT_MS = 5_000;

/** Runs `command passwd KEY...` without a shell, so no key is ever interpreted. */
export function getentRunner(command: string): GetentRunner {
  return (keys, signal) =>
    new Promise((resolve, reject) => {
      execFile(
        command,
        // "--": a name starting with "-" is a key, not an option.
        ['passwd', '--', ...keys],
        { signal, killSignal: 'SIGKILL', encoding: 'utf8', maxBuffer: 4 * 1024 * 1024, windowsHide: true },
        (error, stdout) => {
          if (error === null) return resolve({ exitCode: 0, stdout });
          // A numeric code is getent's exit status; a string one (ENOENT, ABORT_ERR) means it did not run to the end.
          if (typeof error.code === 'number') return resolve({ exitCode: error.code, stdout });
          reject(error);
        },
      );
    });
}

/** The getent on the PATH. */
export const runGetent: GetentRunner = getentRunner('getent');

interface CacheEntry<V> {
  value: V | undefined;
  expires: number;
}

/** A size-bounded map whose entries go stale; a Map keeps insertion order, so the first key is the oldest. */
class ExpiringCache<K, V> {
  private readonly entries = new Map<K, CacheEntry<V>>();

  constructor(private readonly maxEntries: number) {}

  /** The entry, fresh or stale. */
  peek(key: K): CacheEntry<V> | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V | undefined, expires: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expires });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** getent's key for a uid or a name; undefined for one it must not be asked about. */
type KeyText<K> = (key: K) => string | undefined;

/** One direction of the database: uid → name or name → uid. */
interface Side<K, V> {
  cache: ExpiringCache<K, V>;
  inFlight: Map<K, Promise<V | undefined>>;
  keyText: KeyText<K>;
  /** Whether a line getent printed answers this key (used when the lines cannot be matched by position). */
  answers(entry: PasswdEntry, key: K): boolean;
  valueIn(entry: PasswdEntry): V;
}

function sideOf<K, V>(maxEntries: number, keyText: KeyText<K>, answers: Side<K, V>['answers'], valueIn: Side<K, V>['valueIn']): Side<K, V> {
  return { cache: new ExpiringCache(maxEntries), inFlight: new Map(), keyText, answers, valueIn };
}

/**
 * getent takes a key that reads as a number (strtoul: blanks and a sign allowed) for a uid, so
 * such text can never be asked as a name; it keeps today's meaning, a uid, in JobList.
 */
const NUMERIC_TEXT = /^\s*[+-]?\d[\d_]*\s*$/;
/** No passwd name holds ":" or control characters, and getent's output could not be read for one. */
const UNASKABLE_NAME = /[:\u0000-\u001f\u007f]/;
const MAX_NAME_LENGTH = 256;
const MAX_UID = 0xffffffff;

const uidKey: KeyText<number> = (uid) => (Number.isSafeInteger(uid) && uid >= 0 && uid <= MAX_UID ? String(uid) : undefined);
const nameKey: KeyText<string> = (name) =>
  name === '' || name.length > MAX_NAME_LENGTH || NUMERIC_TEXT.test(name) || UNASKABLE_NAME.test(name) ? undefined : name;

/** The passwd entries of getent's output, in order. */
export function parseGetentPasswd(stdout: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of stdout.split('\n')) {
    const entry = parsePasswdLine(line);
    if (entry !== undefined) entries.push(entry);
  }
  return entries;
}

/**
 * uid ↔ name through NSS. namesOf/uidsOf ask getent (one call for every key not known yet,
 * shared by concurrent callers); nameOf/uidOf answer synchronously from what was learnt, stale
 * entries included, and never start a lookup. When getent fails, a uid is shown as its number
 * and a name is not found, as Flux does when getpwuid()/getpwnam() fail; what was known before
 * is kept.
 */
export class NssUserDatabase implements UserDatabase {
  private readonly getent: GetentRunner;
  private readonly now: () => number;
  private readonly positiveTtlMs: number;
  private readonly negativeTtlMs: number;
  private readonly timeoutMs: number;
  private readonly maxKeysPerCall: number;
  private readonly onError: ((error: Error) => void) | undefined;
  private readonly byUid: Side<number, string>;
  private readonly byName: Side<string, number>;

  constructor(options: NssUserDatabaseOptions = {}) {
    this.getent = options.getent ?? runGetent;
    this.now = options.now ?? Date.now;
    this.positiveTtlMs = options.positiveTtlMs ?? DEFAULT_POSITIVE_TTL_MS;
    this.negativeTtlMs = options.negativeTtlMs ?? DEFAULT_NEGATIVE_TTL_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_GETENT_TIMEOUT_MS;
    this.maxKeysPerCall = Math.max(1, options.maxKeysPerCall ?? 256);
    this.onError = options.onError;
    const maxEntries = Math.max(1, options.maxEntries ?? 4096);
    this.byUid = sideOf(maxEntries, uidKey, (entry, uid) => entry.uid === uid, (entry) => entry.name);
    this.byName = sideOf(maxEntries, nameKey, (entry, name) => entry.name === name, (entry) => entry.uid);
  }

  nameOf(uid: number): string | undefined {
    return this.byUid.cache.peek(uid)?.value;
  }

  uidOf(name: string): number | undefined {
    return this.byName.cache.peek(name)?.value;
  }

  namesOf(uids: readonly number[]): Promise<(string | undefined)[]> {
    return this.lookUp(this.byUid, uids);
  }

  uidsOf(names: readonly string[]): Promise<(number | undefined)[]> {
    return this.lookUp(this.byName, names);
  }

  /** How many uids and names are remembered (for tests and metrics). */
  get cacheSize(): { uids: number; names: number } {
    return { uids: this.byUid.cache.size, names: this.byName.cache.size };
  }

  private async lookUp<K, V>(side: Side<K, V>, keys: readonly K[]): Promise<(V | undefined)[]> {
    const now = this.now();
    const toAsk: K[] = [];
    for (const key of new Set(keys)) {
      const cached = side.cache.peek(key);
      if ((cached !== undefined && cached.expires > now) || side.inFlight.has(key) || side.keyText(key) === undefined) continue;
      toAsk.push(key);
    }
    for (let start = 0; start < toAsk.length; start += this.maxKeysPerCall) {
      const chunk = toAsk.slice(start, start + this.maxKeysPerCall);
      const asked = this.ask(side, chunk);
      for (const key of chunk) {
        const answer = asked.then(() => side.cache.peek(key)?.value);
        side.inFlight.set(key, answer);
        void answer.finally(() => side.inFlight.delete(key));
      }
    }
    return Promise.all(keys.map((key) => side.inFlight.get(key) ?? side.cache.peek(key)?.value));
  }

  /** One getent for `keys`; never rejects: whatever it does not answer is cached as unknown. */
  private async ask<K, V>(side: Side<K, V>, keys: readonly K[]): Promise<void> {
    const texts = keys.map((key) => side.keyText(key) ?? '');
    let entries: PasswdEntry[];
    let everyKeyFound: boolean;
    try {
      const result = await this.runWithTimeout(texts);
      if (result.exitCode !== 0 && result.exitCode !== 2) throw new Error(`getent passwd exited with status ${result.exitCode}`);
      entries = parseGetentPasswd(result.stdout);
      everyKeyFound = result.exitCode === 0;
    } catch (error) {
      this.onError?.(error instanceof Error ? error : new Error(String(error)));
      const retryAt = this.now() + this.negativeTtlMs;
      for (const key of keys) side.cache.set(key, side.cache.peek(key)?.value, retryAt);
      return;
    }
    const now = this.now();
    // With every key found the lines follow the keys, which also pairs a name NSS matched
    // case-insensitively or by an alias (SSSD) with its key; otherwise only exact matches can be paired.
    const byPosition = everyKeyFound && entries.length === keys.length;
    keys.forEach((key, index) => {
      const entry = byPosition ? entries[index] : entries.find((candidate) => side.answers(candidate, key));
      if (entry === undefined) {
        side.cache.set(key, undefined, now + this.negativeTtlMs);
        return;
      }
      side.cache.set(key, side.valueIn(entry), now + this.positiveTtlMs);
    });
    // Each line answers the other direction too: a page's uids then also resolve their names' uids.
    for (const entry of entries) {
      this.byUid.cache.set(entry.uid, entry.name, now + this.positiveTtlMs);
      this.byName.cache.set(entry.name, entry.uid, now + this.positiveTtlMs);
    }
  }

  private runWithTimeout(keys: readonly string[]): Promise<GetentResult> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`getent passwd did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      timer.unref();
    });
    return Promise.race([this.getent(keys, controller.signal), timedOut]).finally(() => clearTimeout(timer));
  }
}

let systemNss: NssUserDatabase | undefined;

/** The process's one NSS user database, so every request shares its cache. */
export function systemNssUserDatabase(): NssUserDatabase {
  systemNss ??= new NssUserDatabase();
  return systemNss;
}
