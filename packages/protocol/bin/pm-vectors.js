#!/usr/bin/env node
import '../dist/cli/vectors.js';
