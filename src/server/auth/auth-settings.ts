/** How the server learns who each request is for (--auth and the options that go with each mode). */
export type AuthSettings =
  | { mode: 'none' }
  | {
      mode: 'trusted-header';
      /** The header a front proxy sets to the authenticated user name. */
      header: string;
      /** Addresses (CIDR) from which the header is believed. */
      trustedProxies: readonly string[];
    }
  | {
      mode: 'jwt';
      /** A JSON Web Key Set file, or */
      jwksFile?: string;
      /** a PEM public key (or certificate) file. */
      keyFile?: string;
      issuer?: string;
      audience?: string;
      /** Claims that may name the user, the first present wins. */
      userClaims: readonly string[];
    };

export type AuthMode = AuthSettings['mode'];

export const AUTH_MODES: readonly AuthMode[] = ['none', 'trusted-header', 'jwt'];
export const DEFAULT_AUTH_HEADER = 'X-Remote-User';
export const DEFAULT_JWT_USER_CLAIMS: readonly string[] = ['preferred_username', 'sub'];

/** Who is served with the server's own credentials, and how strict the server is with everyone else. */
export interface AccessSettings {
  auth: AuthSettings;
  /** Users served with the server's own credentials, as the instance owner is. */
  admins: readonly string[];
  /** Also keep non-admins to their own jobs in the server, whatever the instance's private mode. */
  ownJobsOnly: boolean;
}
