/**
 * The floor of issue 10's page pair: a bare node:http server in a process of its own that
 * answers every POST with the same JSON our server gave, JSON.stringify-ed afresh per request
 * (what any JSON API pays at least). Usage: bare-server-process.ts ANSWER_FILE CONTENT_TYPE.
 * Prints {"ready":true,"port":N} once listening on 127.0.0.1; exits when its parent closes stdin.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exitWhenParentGoes, sendToParent } from './child-process';

function main(): void {
  const [file, contentType] = process.argv.slice(2);
  if (file === undefined || contentType === undefined) throw new Error('usage: bare-server-process.ts ANSWER_FILE CONTENT_TYPE');
  const answer: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const server = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      const body = JSON.stringify(answer);
      res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    exitWhenParentGoes(
      () =>
        new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
    );
    sendToParent({ ready: true, port: (server.address() as AddressInfo).port });
  });
}

main();
