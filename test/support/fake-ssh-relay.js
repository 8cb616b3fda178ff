/**
 * Stands in for `ssh HOST flux relay PATH` in tests: takes ssh's argument
 * shape, connects to the broker socket PATH on this machine, waits for the
 * broker's handshake byte, writes its own 00 to stdout (as flux relay does)
 * and then copies bytes both ways until either side closes.
 *
 * Test knobs (environment): FAKE_SSH_ARGV_FILE records the arguments as JSON;
 * FAKE_SSH_NOISE writes that text to stdout first, like a chatty shell rc file.
 */
'use strict';
const fs = require('node:fs');
const net = require('node:net');

const args = process.argv.slice(2);
if (process.env.FAKE_SSH_ARGV_FILE) fs.writeFileSync(process.env.FAKE_SSH_ARGV_FILE, JSON.stringify(args));
const relayAt = args.indexOf('relay');
const socketPath = relayAt === -1 ? undefined : args[relayAt + 1];
if (socketPath === undefined) {
  process.stderr.write('fake-ssh: expected "... relay PATH" in the arguments\n');
  process.exit(2);
}
if (process.env.FAKE_SSH_NOISE) process.stdout.write(process.env.FAKE_SSH_NOISE);

const socket = net.createConnection({ path: socketPath });
socket.once('error', (err) => {
  process.stderr.write(`fake-host: local://${socketPath}: ${err.code === 'ENOENT' ? 'No such file or directory' : err.message}\n`);
  process.exit(1);
});
socket.once('data', (chunk) => {
  if (chunk[0] !== 0) {
    process.stderr.write(`fake-host: local://${socketPath}: broker refused the connection (errno ${chunk[0]})\n`);
    process.exit(1);
  }
  process.stdout.write(Buffer.of(0));
  if (chunk.length > 1) process.stdout.write(chunk.subarray(1));
  socket.pipe(process.stdout);
  process.stdin.pipe(socket);
  process.stdin.on('end', () => socket.end());
  socket.on('close', () => process.exit(0));
});
