#!/usr/bin/env node
/**
 * The `cairn` command. Thin: each command parses its arguments, calls src/app and renders tables
 * for people or JSON for machines to the io it is given.
 */
import { processIo } from './io.js';
import { runCli } from './program.js';

const io = processIo();
runCli(process.argv.slice(2), io)
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    io.stderr.write(`cairn: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
