/** The serve command's identity options (--auth and the rest), and the settings they make. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseCidr } from './trusted-proxies';
import { AUTH_MODES, DEFAULT_AUTH_HEADER, DEFAULT_JWT_USER_CLAIMS, type AccessSettings, type AuthMode } from './auth-settings';
import { DEFAULT_MAX_CONCURRENT_PER_USER } from '../concurrency-limit';

export interface AccessFlags {
  auth: AuthMode;
  authHeader?: string;
  trustedProxy: string[];
  jwtJwks?: string;
  jwtKey?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  jwtUserClaim?: string;
  admin: string[];
  allowAnonymous?: boolean;
  ownJobsOnly?: boolean;
  maxConcurrentPerUser: number;
}

function parseTrustedProxy(text: string, previous: string[] = []): string[] {
  try {
    parseCidr(text.trim());
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
  return [...previous, text.trim()];
}

function parseHeaderName(text: string): string {
  // RFC 9110 token characters.
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(text)) throw new InvalidArgumentError('A header name is letters, digits and -, e.g. X-Remote-User.');
  if (/^(authorization|cookie|host|content-type|content-length)$/i.test(text)) throw new InvalidArgumentError(`${text} cannot carry the user name: a client sets it.`);
  return text;
}

function parseUserName(text: string, previous: string[] = []): string[] {
  if (text === '' || /[\s:,/]/.test(text)) throw new InvalidArgumentError('An admin is a user name, without spaces, ":", "," or "/".');
  return [...previous, text];
}

function parseConcurrency(text: string): number {
  const value = /^\d{1,7}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(value >= 1)) throw new InvalidArgumentError('The number of concurrent requests per user must be an integer from 1 to 9999999.');
  return value;
}

export function addAccessOptions(command: Command): Command {
  return command
    .addOption(new Option('--auth <mode>', 'how users are authenticated: none (only on loopback), trusted-header (a front proxy) or jwt (bearer tokens)').choices(AUTH_MODES).default('none'))
    .option('--auth-header <name>', `trusted-header: the header the proxy sets to the user name (default ${DEFAULT_AUTH_HEADER})`, parseHeaderName)
    .option('--trusted-proxy <cidr>', 'trusted-header: an address or CIDR block the proxy connects from (repeatable; required)', parseTrustedProxy, [])
    .option('--jwt-jwks <file>', 'jwt: a JSON Web Key Set file with the keys that sign tokens')
    .option('--jwt-key <file>', 'jwt: a PEM public key or certificate that signs tokens')
    .option('--jwt-issuer <iss>', 'jwt: accept only tokens with this "iss"')
    .option('--jwt-audience <aud>', 'jwt: accept only tokens with this "aud"')
    .option('--jwt-user-claim <claim>', `jwt: the claim holding the user name (default ${DEFAULT_JWT_USER_CLAIMS.join(', then ')})`)
    .option('--admin <user>', "serve this user with the server's own credentials, as the instance owner (repeatable)", parseUserName, [])
    .option('--own-jobs-only', "keep non-admins to their own jobs in the server too, as Flux's private mode does, whatever the instance's setting")
    .option('--allow-anonymous', 'with --auth none, listen on a non-loopback address anyway (everyone is served as the server user)')
    .option('--max-concurrent-per-user <n>', 'most GraphQL requests of one user in flight at once, in each worker process (HTTP 429 beyond)', parseConcurrency, DEFAULT_MAX_CONCURRENT_PER_USER);
}

const MODE_OF_FLAG: Readonly<Record<string, AuthMode>> = {
  authHeader: 'trusted-header',
  trustedProxy: 'trusted-header',
  jwtJwks: 'jwt',
  jwtKey: 'jwt',
  jwtIssuer: 'jwt',
  jwtAudience: 'jwt',
  jwtUserClaim: 'jwt',
};

function optionName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The settings, or a sentence saying which options do not go together. */
export function accessSettingsFrom(flags: AccessFlags, command: Command): AccessSettings | string {
  for (const [key, mode] of Object.entries(MODE_OF_FLAG)) {
    const given = command.getOptionValueSource(key);
    if ((given === 'cli' || given === 'config' || given === 'env') && mode !== flags.auth) return `${optionName(key)} applies to --auth ${mode}, not --auth ${flags.auth}.`;
  }
  const common = { admins: flags.admin, ownJobsOnly: flags.ownJobsOnly === true };
  switch (flags.auth) {
    case 'none':
      return { ...common, auth: { mode: 'none' } };
    case 'trusted-header':
      if (flags.trustedProxy.length === 0) return '--auth trusted-header needs at least one --trusted-proxy CIDR: the header is believed only from the proxy.';
      return { ...common, auth: { mode: 'trusted-header', header: flags.authHeader ?? DEFAULT_AUTH_HEADER, trustedProxies: flags.trustedProxy } };
    case 'jwt':
      if ((flags.jwtJwks === undefined) === (flags.jwtKey === undefined)) return '--auth jwt needs exactly one of --jwt-jwks FILE and --jwt-key FILE.';
      return {
        ...common,
        auth: {
          mode: 'jwt',
          ...(flags.jwtJwks === undefined ? {} : { jwksFile: flags.jwtJwks }),
          ...(flags.jwtKey === undefined ? {} : { keyFile: flags.jwtKey }),
          ...(flags.jwtIssuer === undefined ? {} : { issuer: flags.jwtIssuer }),
          ...(flags.jwtAudience === undefined ? {} : { audience: flags.jwtAudience }),
          userClaims: flags.jwtUserClaim === undefined ? DEFAULT_JWT_USER_CLAIMS : [flags.jwtUserClaim],
        },
      };
  }
}
