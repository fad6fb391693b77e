import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The build lands in the Python package (served by steward serve, shipped in the wheel).
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "../src/steward/web_dist",
    emptyOutDir: true,
    assetsDir: "assets",
    chunkSizeWarningLimit: 3000,
  },
  worker: { format: "es" },
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});
