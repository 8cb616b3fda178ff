/**
 * What the server checks before it serves anyone, for the chosen --auth mode:
 * - without authentication, it serves every request as its own user, so it listens only on a
 *   loopback address unless told --allow-anonymous;
 * - with it, Flux must let it speak for other users: it must connect as the instance owner (the
 *   broker keeps the credentials only an owner's connection puts in its messages); otherwise
 *   Flux would answer every user as the server's user.
 */
import { isIP } from 'node:net';
import { instanceOwner } from '../../flux/broker-attributes';
import type { FluxHandle } from '../../flux/handle';
import type { UserDatabase } from '../../joblist';
import { lookUpUid, systemUserDatabase } from '../../joblist/user-database';
import { processUser, type ServerUser } from '../server-user';
import type { AccessSettings } from './auth-settings';
import { AuthSetupError, createAuthenticator } from './authenticator';
import type { IdentityOptions } from './use-authentication';

export interface IdentitySetupInput {
  access: AccessSettings;
  /** The address the server listens on. */
  host: string;
  allowAnonymous: boolean;
  handle: FluxHandle;
  /** Who the server's connection acts as (undefined: cannot be told, as over ssh://). */
  serverUser: ServerUser | undefined;
  /** The instance's own users (an embedded instance); default the system's. */
  userDatabase?: UserDatabase;
  warn(line: string): void;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || /^::ffff:127\./i.test(host);
}

export async function setUpIdentity(input: IdentitySetupInput): Promise<IdentityOptions> {
  const { access, serverUser } = input;
  const users = input.userDatabase ?? systemUserDatabase();
  if (serverUser === undefined && access.auth.mode !== 'none') {
    throw new AuthSetupError(
      `--auth ${access.auth.mode} needs to know which user the server's connection acts as, to check that it is the instance owner; ` +
        'over ssh:// it cannot tell: run the server on a node of the instance with a local:// URI.',
    );
  }
  // Without authentication nothing depends on it; this process's user is the best guess.
  const server = serverUser ?? processUser();
  if (access.auth.mode === 'none') {
    if (!isLoopback(input.host)) {
      if (!input.allowAnonymous) {
        throw new AuthSetupError(
          `refusing to listen on ${input.host} with --auth none: anyone who can reach it would be served as ${server.username}. ` +
            'Choose --auth trusted-header or --auth jwt, listen on 127.0.0.1, or pass --allow-anonymous if that is what you want.',
        );
      }
      input.warn(`flux-graphql: warning: --auth none on ${input.host}: every client is served as ${server.username}, without authentication (--allow-anonymous)`);
    }
  } else {
    let owner: number;
    try {
      owner = await instanceOwner(input.handle);
    } catch (error) {
      throw new AuthSetupError(`--auth ${access.auth.mode}: cannot read the broker attribute security.owner: ${(error as Error).message}`);
    }
    if (owner !== server.userid) {
      throw new AuthSetupError(
        `--auth ${access.auth.mode} needs the server to connect as the instance owner (uid ${owner}, broker attribute security.owner), ` +
          `but it connects as uid ${server.userid} (${server.username}): Flux keeps the credentials of other users only in messages from the owner, ` +
          `so it would answer every user as uid ${server.userid}. Run the server as the instance owner.`,
      );
    }
  }
  return {
    authenticator: await createAuthenticator(access.auth),
    serverUser: server,
    admins: new Set(access.admins),
    ownJobsOnly: access.ownJobsOnly,
    uidOf: (name) => lookUpUid(users, name),
  };
}
