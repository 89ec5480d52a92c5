#!/usr/bin/env node
// Entry of the `tabula` command: the compiled CLI (npm ci builds it through `prepare`).
import '../dist/bin/tabula.js';
