// Mutation testing of the provider's sources: `npm run test:mutation` (mutation/run.sh runs Stryker on Node.js 22, then
// mutation/check.js, which fails the run if any single file scores under 85). Stryker runs in mutation/out/project, a
// copy of the sources, tests and their settings that run.sh makes: paths here are relative to it.
import { fileURLToPath, URL } from "node:url";

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
    packageManager: "npm",
    // The mocha runner, reloading the sources for static mutants instead of restarting (see reload-runner.mjs).
    testRunner: "mocha-reload",
    appendPlugins: [fileURLToPath(new URL("./reload-runner.mjs", import.meta.url))],
    mochaOptions: {
        config: ".mocharc.json",
        spec: ["test/unit/**/*.test.ts"],
        // It tests the built dist/, which Stryker never mutates; test/unit/resource-shim.test.ts covers the same code from the sources.
        ignore: ["test/unit/resource.test.ts"],
    },
    mutate: ["provider/**/*.ts", "!provider/index.ts"],
    // No node_modules link in the sandbox: from mutation/out/tmp/sandbox-*, the mocha runner resolves mocha 11 in
    // mutation/node_modules, and the tests resolve the rest from the project's node_modules (see mutation/run.sh).
    symlinkNodeModules: false,
    // Each mutant runs only the tests that reach it.
    coverageAnalysis: "perTest",
    // Two workers: the machines this runs on have two cores.
    concurrency: 2,
    timeoutMS: 10000,
    thresholds: { high: 95, low: 90, break: 90 },
    reporters: ["clear-text", "progress", "html", "json"],
    htmlReporter: { fileName: "../report/index.html" },
    jsonReporter: { fileName: "../report/mutation.json" },
    incrementalFile: "../incremental.json",
    tempDirName: "../tmp",
    cleanTempDir: "always",
};
