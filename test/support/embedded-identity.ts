/**
 * The identity an app on an embedded instance gets from setUpIdentity, as `serve` would set it
 * up on loopback: trusted-header behind a proxy at 127.0.0.1 unless `auth` says otherwise, the
 * instance's owner as the server's user, the instance's own user table.
 */
import type { FluxHandle } from '../../src/flux/handle';
import type { AuthSettings } from '../../src/server/auth/auth-settings';
import { setUpIdentity } from '../../src/server/auth/identity-setup';
import type { EmbeddedBackend } from '../../src/server/backend';
import { ownerOf, type ServerUser } from '../../src/server/server-user';

export const TRUSTED_HEADER_AUTH: AuthSettings = { mode: 'trusted-header', header: 'X-Remote-User', trustedProxies: ['127.0.0.1'] };

export interface EmbeddedIdentityOptions {
  auth?: AuthSettings;
  handle?: FluxHandle;
  serverUser?: ServerUser;
  admins?: string[];
  ownJobsOnly?: boolean;
}

export function embeddedIdentity(embedded: EmbeddedBackend, options: EmbeddedIdentityOptions = {}): ReturnType<typeof setUpIdentity> {
  return setUpIdentity({
    access: { auth: options.auth ?? TRUSTED_HEADER_AUTH, admins: options.admins ?? [], ownJobsOnly: options.ownJobsOnly === true },
    host: '127.0.0.1',
    allowAnonymous: false,
    handle: options.handle ?? embedded.instance.handle(),
    serverUser: options.serverUser ?? ownerOf(embedded),
    ...(embedded.userDatabase === undefined ? {} : { userDatabase: embedded.userDatabase }),
    warn: () => undefined,
  });
}
