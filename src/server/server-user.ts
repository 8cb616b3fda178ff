/** Who the server's connection to Flux acts as, for each kind of backend. */
import { userInfo } from 'node:os';
import type { EmbeddedInstance } from '../embedded';

export interface ServerUser {
  userid: number;
  username: string;
}

/** An embedded instance's handle acts as its owner. */
export function ownerOf(embedded: { instance: EmbeddedInstance; usernameOf(uid: number): string | undefined }): ServerUser {
  const userid = embedded.instance.ownerUserid;
  return { userid, username: embedded.usernameOf(userid) ?? String(userid) };
}

/** A local:// connection acts as the user this process runs as. */
export function processUser(): ServerUser {
  const me = userInfo();
  return { userid: me.uid, username: me.username };
}
