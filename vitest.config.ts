import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 4, minForks: 1 } },
    reporters: ["default"],
    // The pinned agent CLIs are installed on first run into a cache outside the repository.
    globalSetup: ["test/agents.setup.ts"],
  },
});
