#!/usr/bin/env node
/**
 * The `cairn` command. Thin: it parses arguments, calls the domain modules and prints tables for
 * people or JSON lines for machines.
 */
import { buildProgram } from './program.js';

buildProgram(process.argv)
  .then((program) => program.parseAsync(process.argv))
  .catch((error: unknown) => {
    process.stderr.write(`cairn: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
