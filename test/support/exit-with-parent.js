/**
 * Preloaded (node --require) into broker processes that tests start: the process exits once the
 * test process that started it is gone (it is then adopted by another process, so its parent
 * pid changes). A test run killed halfway thus leaves no broker behind. Polling the parent pid
 * is used because a pipe on stdin does not work under tsx's loader: it closes or blocks at once.
 */
'use strict';

const parent = process.ppid;
const POLL_MS = 250;

setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, POLL_MS).unref();
