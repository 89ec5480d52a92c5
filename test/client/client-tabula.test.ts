/** The client suite (client-suite.ts) against `tabula serve`. */
import { defineClientSuite } from './client-suite.js';
import { startTabula } from '../support/servers.js';

defineClientSuite('client against tabula serve', 'tabula', () => startTabula());
