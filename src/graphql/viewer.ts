/** Who a request is served for, as the server authenticated them. */
export interface Viewer {
  /** The name the user authenticated as (their account name on the Flux system). */
  readonly username: string;
  /** Their uid on the Flux system: the credentials the server's requests to Flux carry for them. */
  readonly userid: number;
  /**
   * Served with the server's own credentials, as the instance owner is (Flux shows them every
   * user's jobs): the instance owner, a user named by --admin, or everyone without authentication.
   */
  readonly admin: boolean;
}
