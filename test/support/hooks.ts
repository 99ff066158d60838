/** Mocha root hooks: whatever a suite started once per process is stopped at the end. */
import { stopMoto } from "./moto";

// Tests sign requests to moto with fake credentials and never use a real profile.
process.env.AWS_ACCESS_KEY_ID ??= "testing";
process.env.AWS_SECRET_ACCESS_KEY ??= "testing";
// The AWS SDK warns about Node 20 on every load; the warning says nothing about this package.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const mochaHooks = {
    async afterAll() {
        await stopMoto();
    },
};
