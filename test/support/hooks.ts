/** Mocha root hooks: a test environment free of the developer's AWS settings, and moto stopped at the end. */
import { stopMoto, TEST_CREDENTIALS } from "../../lab/moto";

// Tests sign requests to moto with fake credentials; a real profile, session token or service endpoint from the
// developer's shell would leak into them, or send the provider's calls around the recording proxy.
for (const name of ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL_TIMESTREAM_WRITE", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_SIGNIN"]) {
    delete process.env[name];
}
process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
// The AWS SDK warns about Node 20 on every load; the warning says nothing about this package.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const mochaHooks = {
    async afterAll() {
        await stopMoto();
    },
};
