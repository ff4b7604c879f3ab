import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Property and fuzz tests replay tens of thousands of random steps.
    testTimeout: 120_000,
    reporters: ['default'],
  },
});
