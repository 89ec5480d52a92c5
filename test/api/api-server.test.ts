/** The end-to-end API suite against startApiServer over the in-memory reference backend. */
import { startApiServer } from '../../src/api/api-server.js';
import { MemoryBackend } from './memory-backend.js';
import { defineApiSuite } from './api-suite.js';
import { defineAuthorizedViewSuite } from './authorized-view-suite.js';

defineApiSuite('API over the memory backend', async () => {
  const backend = new MemoryBackend();
  return startApiServer({ host: '127.0.0.1', port: 0, data: backend, admin: backend });
});

defineAuthorizedViewSuite('authorized views over the memory backend', async () => {
  const backend = new MemoryBackend();
  return startApiServer({ host: '127.0.0.1', port: 0, data: backend, admin: backend });
});
