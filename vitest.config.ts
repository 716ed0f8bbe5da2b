import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // Integration tests start real servers on loopback; keep the 2-core machines unsaturated.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests pass trust explicitly; the machine-wide CA variables must never make a test pass.
    env: { NODE_EXTRA_CA_CERTS: '', SSL_CERT_FILE: '', CURL_CA_BUNDLE: '', REQUESTS_CA_BUNDLE: '' },
  },
});
