// A Stryker test runner, "mocha-reload": the mocha runner, able to reload the sources instead of being restarted.
//
// Static mutants sit in code that runs when a module loads (the patterns in keys.ts and credentials.ts, constant
// lists), so each needs the modules loaded afresh. The mocha runner says it cannot reload (it cannot unload native ES
// modules), so Stryker starts a new worker process for every such mutant: Node.js, ts-node, TypeScript, the AWS SDK
// and @pulumi/pulumi again, hundreds of times. Here everything is CommonJS (ts-node), so a reload is cheap: drop the
// sandbox's own modules (sources, tests, test support) from the require cache and give Stryker a fresh mocha runner,
// which loads the test files, and through them the sources, again. Packages in node_modules stay loaded; the tests
// put back the global state they change (AWS SDK mocks, environment, Pulumi mocks) themselves.
import path from "node:path";
import { createRequire } from "node:module";
import { commonTokens, declareFactoryPlugin, PluginKind, tokens } from "@stryker-mutator/api/plugin";
import { createMochaTestRunnerFactory } from "@stryker-mutator/mocha-runner";

const cache = createRequire(import.meta.url).cache;

/** Drops every module loaded from the working directory (the sandbox), except packages, from the require cache. */
function unloadSandbox() {
    const root = process.cwd() + path.sep;
    const packages = `${path.sep}node_modules${path.sep}`;
    for (const file of Object.keys(cache)) {
        if (file.startsWith(root) && !file.includes(packages)) delete cache[file];
    }
}

class ReloadingMochaTestRunner {
    static inject = tokens(commonTokens.injector);

    constructor(injector) {
        this.injector = injector;
        this.runner = this.newRunner();
    }

    newRunner() {
        return this.injector.injectFunction(createMochaTestRunnerFactory());
    }

    async capabilities() {
        return { reloadEnvironment: true };
    }

    init() {
        return this.runner.init();
    }

    dryRun(options) {
        return this.runner.dryRun(options);
    }

    async mutantRun(options) {
        if (options.reloadEnvironment) {
            await this.runner.dispose();
            unloadSandbox();
            this.runner = this.newRunner();
            await this.runner.init();
        }
        return this.runner.mutantRun(options);
    }

    dispose() {
        return this.runner.dispose();
    }
}

function createReloadingMochaTestRunner(injector) {
    return injector.injectClass(ReloadingMochaTestRunner);
}
createReloadingMochaTestRunner.inject = tokens(commonTokens.injector);

export const strykerPlugins = [declareFactoryPlugin(PluginKind.TestRunner, "mocha-reload", createReloadingMochaTestRunner)];
