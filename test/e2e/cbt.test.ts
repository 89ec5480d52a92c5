/**
 * End-to-end: Google's real `cbt` CLI against Tabula, with the same script run
 * against Google's Bigtable emulator to keep the expectations honest. Steps and
 * known divergences: cbt-script.ts; cbt's output format: cbt-runner.ts.
 */
import { startEmulator, startTabula } from '../support/servers.js';
import { defineCbtSuite } from './cbt-suite.js';

defineCbtSuite('cbt against the emulator', 'emulator', startEmulator);
defineCbtSuite('cbt against tabula', 'tabula', () => startTabula());
