/**
 * Test-only preload for the provider host (`NODE_OPTIONS=--require …/route-aws.js`): sends every connection to an
 * AWS public endpoint (`*.amazonaws.com:443`) to the local TLS stand-in named by TEST_AWS_STANDIN ("127.0.0.1:PORT"),
 * so the SDK resolves endpoints and discovers Timestream's as it does on AWS while nothing leaves the machine. Hosts
 * listed in TEST_AWS_UNREACHABLE go to a loopback port nothing listens on. Any other connection to a non-loopback
 * address is refused, and written to TEST_AWS_BLOCKED_LOG when set.
 */
"use strict";
const fs = require("node:fs");
const net = require("node:net");

const [standInHost, standInPort] = String(process.env.TEST_AWS_STANDIN).split(":");
const unreachable = new Set((process.env.TEST_AWS_UNREACHABLE || "").split(",").filter(Boolean));
const closedPort = Number(process.env.TEST_AWS_CLOSED_PORT || 1);
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
    const options = optionsOf(args);
    // IPC paths and unrecognised call shapes are local or not ours to judge.
    // https sets path to null; a pipe has a string.
    if (options === undefined || typeof options.path === "string") return connect.apply(this, args);
    const host = String(options.host || "localhost");
    const port = Number(options.port);
    if (/\.amazonaws\.com$/.test(host) && port === 443) {
        // SNI and certificate checks keep the AWS host name: tls.connect fixed them before this call.
        options.host = standInHost;
        options.port = unreachable.has(host) ? closedPort : Number(standInPort);
        return connect.apply(this, args);
    }
    if (LOOPBACK.test(host)) return connect.apply(this, args);
    if (process.env.TEST_AWS_BLOCKED_LOG) fs.appendFileSync(process.env.TEST_AWS_BLOCKED_LOG, `${host}:${port}\n`);
    const refused = Object.assign(new Error(`connect ECONNREFUSED ${host}:${port} (non-loopback address refused by the test preload)`), { code: "ECONNREFUSED" });
    process.nextTick(() => this.destroy(refused));
    return this;
};

/** The options object of a connect call, mutable in place; undefined for the (port, host) form, rewritten to it. */
function optionsOf(args) {
    // net.connect and tls.connect pass [options, callback] as one normalized array.
    if (Array.isArray(args[0])) return args[0][0];
    if (typeof args[0] === "object" && args[0] !== null) return args[0];
    if (typeof args[0] === "number" || /^\d+$/.test(String(args[0]))) {
        const options = { port: Number(args[0]), host: typeof args[1] === "string" ? args[1] : "localhost" };
        const callback = args.find((a) => typeof a === "function");
        args.splice(0, args.length, options, ...(callback ? [callback] : []));
        return options;
    }
    return undefined;
}
