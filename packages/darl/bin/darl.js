#!/usr/bin/env node
// The `darl` command: a stable file for package managers to link before the package is built.
import '../dist/cli.js';
