import { defineConfig } from "vitest/config";

export default defineConfig({
  // In the repository `import … from "ieopt"` resolves to the TypeScript sources (package.json
  // "exports" condition "ieopt-source"); installed packages resolve to the compiled dist/.
  resolve: { conditions: ["ieopt-source"] },
  ssr: { resolve: { conditions: ["ieopt-source"], externalConditions: ["ieopt-source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: keep workers low so loopback-server tests are not starved.
    maxWorkers: 2,
    // Temp hygiene: every process of the suite uses a sandbox temp dir that must end empty
    // (test/setup/temp-sandbox.ts); each file's temp folders are removed after it.
    globalSetup: ["test/setup/temp-sandbox.ts"],
    setupFiles: ["test/setup/temp-cleanup.ts"],
  },
});
