/**
 * Test-only preload for the provider host (`NODE_OPTIONS=--require …/time-lapse.js`): time runs TEST_TIME_LAPSE times
 * faster for the host, in Date.now and in every setTimeout delay, as the AWS SDK (its backoff, its timeouts) and the
 * provider (its pacing, its bound on time spent throttled) read and wait for it. A test proves a bound of minutes in
 * seconds, with the real host, SDK and network.
 */
"use strict";
const util = require("node:util");

const factor = Number(process.env.TEST_TIME_LAPSE);
if (factor > 1) {
    const realNow = Date.now;
    const origin = realNow();
    Date.now = () => Math.floor(origin + (realNow() - origin) * factor);
    const realSetTimeout = globalThis.setTimeout;
    const lapsed = (callback, ms, ...args) => realSetTimeout(callback, (Number(ms) || 0) / factor, ...args);
    lapsed[util.promisify.custom] = realSetTimeout[util.promisify.custom];
    globalThis.setTimeout = lapsed;
}
