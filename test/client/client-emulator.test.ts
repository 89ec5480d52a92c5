/** The client suite (client-suite.ts) against Google's Bigtable emulator, named divergences included. */
import { defineClientSuite } from './client-suite.js';
import { startEmulator } from '../support/servers.js';

defineClientSuite('client against the emulator', 'emulator', () => startEmulator());
