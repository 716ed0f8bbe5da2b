#!/usr/bin/env node
// Entry point of the `zdr-egress` binary.

import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`zdr-egress: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
