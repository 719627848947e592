#!/usr/bin/env node
// Runs the W3C Attribution end-to-end cases in a directory (see packages/client/README.md).
import '../dist/cli/e2e.js';
