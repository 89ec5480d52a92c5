/** The end-to-end API suite (official Node client + raw gRPC) against a real `tabula serve` process. */
import { defineApiSuite } from '../api/api-suite.js';
import { defineAuthorizedViewSuite } from '../api/authorized-view-suite.js';
import { startTabula } from '../support/servers.js';

defineApiSuite('API of tabula serve', async () => {
  const s = await startTabula();
  return { port: s.port, close: () => s.stop() };
});

defineAuthorizedViewSuite('authorized views of tabula serve', async () => {
  const s = await startTabula();
  return { port: s.port, close: () => s.stop() };
});
