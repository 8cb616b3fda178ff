/**
 * As exit-with-parent.js (node --require), for a process whose own children must not inherit it:
 * it takes itself off process.execArgv, which node:cluster and child_process.fork pass on by
 * default. Those children (serve --workers' workers and broker child) then have to end by their
 * own means when the process goes, which is what the tests that use it check.
 */
'use strict';

const { resolve } = require('node:path');

require('./exit-with-parent.js');

const argv = process.execArgv;
for (let k = argv.length - 2; k >= 0; k--) {
  if ((argv[k] === '--require' || argv[k] === '-r') && resolve(argv[k + 1]) === __filename) argv.splice(k, 2);
}
