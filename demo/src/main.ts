#!/usr/bin/env node
// Entry point of `npm run demo` (node dist/main.js): the whole pipeline on embedded defaults.
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));
