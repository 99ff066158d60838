/**
 * provider/endpoints.ts (issues 18 and 25): where AWS calls go (the `endpoint` input, `aws:endpoints`, the SDK's
 * `AWS_ENDPOINT_URL*` variables, the shared config file's `endpoint_url` and `services` sections) and the rule every
 * endpoint that carries credentials or a token follows: https, or plain http only to this machine, and no user name
 * or password, which no message ever echoes.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { endpointOf, endpointProblem, environmentEndpointProblem, sharedConfigEndpointProblem, stackEndpointsOf } from "../../provider/endpoints";
import { useCleanAwsEnv, withConfigFile } from "./fixtures";

const PASSWORD = "hunter2Zq9";

const notAUrl = (name: string, quoted: string) =>
    `${name} "${quoted}" must be an https URL such as https://ingest-cell1.timestream.us-east-1.amazonaws.com`;
const withCredentials = (name: string, quoted: string) =>
    `${name} "${quoted}" must not hold a user name or password: AWS requests are signed, and a URL's credentials would be stored in the state. Remove them`;
const notHttps = (name: string, quoted: string, over = "plain http") =>
    `${name} "${quoted}" must use https: over ${over} the request's signature and any session token could be read and replayed on the way. ` +
    "Use https://, or plain http only for an emulator on this machine (localhost, 127.0.0.1, ::1)";

/** `aws:endpoints` as the host hands it over: a JSON string. */
const stackEndpoints = (value: unknown) => stackEndpointsOf((key) => (key !== "aws:endpoints" || value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value)));

describe("endpoints", () => {
    describe("endpointProblem", () => {
        for (const url of [
            "https://ingest-cell1.timestream.us-east-1.amazonaws.com",
            "https://timestream.corp.example:8443/",
            "HTTPS://KMS.EXAMPLE.COM",
            "https://[2001:db8::1]/",
            "https://10.0.0.1",
        ]) {
            it(`accepts ${url}`, () => expect(endpointProblem("endpoint", url)).to.equal(undefined));
        }

        for (const url of [
            "http://localhost:4566",
            "http://LOCALHOST:4566/",
            "http://127.0.0.1:5000/",
            "http://127.1.2.3",
            "http://127.255.255.255:80",
            "http://[::1]:4566",
            "http://[0:0:0:0:0:0:0:1]/",
        ]) {
            it(`accepts plain http to this machine: ${url}`, () => expect(endpointProblem("endpoint", url)).to.equal(undefined));
        }

        for (const url of [
            "http://timestream.corp.example:8080",
            "http://evil.example",
            "http://10.0.0.1",
            "http://0.0.0.0:4566",
            "http://128.0.0.1",
            "http://[::2]",
            "http://localhost.evil.example",
            "http://127.0.0.1.nip.io",
        ]) {
            it(`refuses plain http to any other host, saying why and what to use: ${url}`, () => {
                expect(endpointProblem("endpoint", url)).to.equal(notHttps("endpoint", url));
            });
        }

        it("refuses schemes other than https and http, naming them", () => {
            expect(endpointProblem("endpoint", "ftp://timestream.corp.example")).to.equal(notHttps("endpoint", "ftp://timestream.corp.example", "ftp:"));
            expect(endpointProblem("endpoint", "ws://localhost:4566")).to.equal(notHttps("endpoint", "ws://localhost:4566", "ws:"));
            expect(endpointProblem("endpoint", "file:///etc/hosts")).to.equal(notHttps("endpoint", "file:///etc/hosts", "file:"));
        });

        for (const value of ["timestream.corp.example", "", "https://", "not a url", "http://[::1"]) {
            it(`refuses "${value}", which is not a URL`, () => expect(endpointProblem("endpoint", value)).to.equal(notAUrl("endpoint", value)));
        }

        it("never echoes a query, which may carry a token", () => {
            expect(endpointProblem("endpoint", `http://evil.example/?token=${PASSWORD}`)).to.equal(notHttps("endpoint", "http://evil.example/?***"));
            expect(endpointProblem("endpoint", `https://admin@evil.example/#${PASSWORD}`)).to.equal(withCredentials("endpoint", "https://***@evil.example/#***"));
            expect(endpointProblem("endpoint", `evil.example?token=${PASSWORD}`)).to.equal(notAUrl("endpoint", "evil.example?***"));
        });

        it("names the setting it checks", () => {
            expect(endpointProblem("aws:endpoints kms", "http://evil.example")).to.equal(notHttps("aws:endpoints kms", "http://evil.example"));
        });

        it("quotes the first 80 characters of a bad value", () => {
            const value = `http://${"h".repeat(100)}.example`;
            expect(endpointProblem("endpoint", value)).to.equal(notHttps("endpoint", value.slice(0, 80)));
        });

        describe("a user name or password", () => {
            for (const [url, quoted] of [
                [`https://admin:${PASSWORD}@timestream.corp.example`, "https://***@timestream.corp.example"],
                [`http://admin:${PASSWORD}@localhost:4566`, "http://***@localhost:4566"],
                [`https://:${PASSWORD}@timestream.corp.example/`, "https://***@timestream.corp.example/"],
                ["https://admin@timestream.corp.example", "https://***@timestream.corp.example"],
                ["http://127.0.0.1@evil.example/", "http://***@evil.example/"],
            ] as const) {
                it(`refuses ${quoted}, without echoing it`, () => expect(endpointProblem("endpoint", url)).to.equal(withCredentials("endpoint", quoted)));
            }
        });

        // Each of these URLs holds the password PASSWORD (or a piece of it) in a form a user may well type.
        describe("never echoes a password", () => {
            for (const [what, url] of [
                ["in a URL the message refuses for it", `https://admin:${PASSWORD}@timestream.corp.example`],
                ["holding an @", `https://admin:hunter@${PASSWORD}@timestream.corp.example`],
                ["holding a /", `https://admin:hunter/${PASSWORD}@timestream.corp.example`],
                ["holding a ? or #", `https://admin:a?${PASSWORD}#b@timestream.corp.example`],
                ["after leading white space", ` https://admin:${PASSWORD}@timestream.corp.example`],
                ["in a URL without the slashes after https:", `https:admin:${PASSWORD}@timestream.corp.example`],
                ["in a URL with backslashes after https:", `https:\\\\admin:${PASSWORD}@timestream.corp.example`],
                ["in a URL missing the colon after https", `https//admin:${PASSWORD}@timestream.corp.example`],
                ["in a URL without its scheme", `//admin:${PASSWORD}@timestream.corp.example`],
            ] as const) {
                it(what, () => {
                    const problem = endpointProblem("endpoint", url);
                    expect(problem).to.be.a("string");
                    expect(problem).to.not.contain(PASSWORD);
                });
            }
        });
    });

    describe("stackEndpointsOf", () => {
        it("reads nothing when aws:endpoints is not set or empty", () => {
            expect(stackEndpoints(undefined)).to.deep.equal({ urls: {} });
            expect(stackEndpoints("")).to.deep.equal({ urls: {} });
        });

        it("reads the timestreamwrite, kms and sts URLs of a list of objects, as @pulumi/aws writes it", () => {
            const endpoints = [{ timestreamwrite: "https://ts.corp.example", kms: "https://kms.corp.example", sts: "http://localhost:4566" }];
            expect(stackEndpoints(endpoints)).to.deep.equal({
                urls: { timestreamwrite: "https://ts.corp.example", kms: "https://kms.corp.example", sts: "http://localhost:4566" },
                problem: undefined,
            });
        });

        it("takes the first URL given for a service", () => {
            const endpoints = [{ kms: "https://first.example" }, { kms: "https://second.example", sts: "https://sts.example" }];
            expect(stackEndpoints(endpoints)).to.deep.equal({ urls: { kms: "https://first.example", sts: "https://sts.example" }, problem: undefined });
        });

        it("skips an empty URL, taking a later one", () => {
            expect(stackEndpoints([{ kms: "" }, { kms: "https://kms.example" }])).to.deep.equal({ urls: { kms: "https://kms.example" }, problem: undefined });
        });

        it("reads one object as a list of one", () => {
            expect(stackEndpoints({ kms: "https://kms.example" })).to.deep.equal({ urls: { kms: "https://kms.example" }, problem: undefined });
        });

        it("leaves the services this provider does not call to @pulumi/aws", () => {
            expect(stackEndpoints([{ s3: "http://evil.example", dynamodb: 1, kms: "https://kms.example" }])).to.deep.equal({ urls: { kms: "https://kms.example" }, problem: undefined });
        });

        it("reports aws:endpoints that is not JSON", () => {
            expect(stackEndpoints("[{kms: https://kms.example}]")).to.deep.equal({
                urls: {},
                problem: "stack config: aws:endpoints must be JSON, a list of objects such as [{ kms: https://… }]",
            });
        });

        for (const [what, entries] of [
            ["a string", ["https://kms.example"]],
            ["null", [null]],
            ["a list", [[{ kms: "https://kms.example" }]]],
            ["a number", [1]],
        ] as const) {
            it(`reports an entry that is ${what}, not an object`, () => {
                expect(stackEndpoints(entries)).to.deep.equal({ urls: {}, problem: "stack config: aws:endpoints must be a list of objects mapping service names to URLs" });
            });
        }

        it("reads the objects beside an entry that is not one", () => {
            expect(stackEndpoints([1, { kms: "https://kms.example" }])).to.deep.equal({
                urls: { kms: "https://kms.example" },
                problem: "stack config: aws:endpoints must be a list of objects mapping service names to URLs",
            });
        });

        it("reports a URL that is not a string", () => {
            expect(stackEndpoints([{ kms: 443 }])).to.deep.equal({ urls: {}, problem: "stack config: aws:endpoints kms must be a URL" });
            expect(stackEndpoints([{ sts: null }])).to.deep.equal({ urls: {}, problem: "stack config: aws:endpoints sts must be a URL" });
        });

        it("refuses plain http to a host other than this machine, saying why", () => {
            expect(stackEndpoints([{ timestreamwrite: "http://timestream.corp.example:8080" }])).to.deep.equal({
                urls: {},
                problem: `stack config: ${notHttps("aws:endpoints timestreamwrite", "http://timestream.corp.example:8080")}`,
            });
        });

        it("reports every bad URL, joined", () => {
            expect(stackEndpoints([{ kms: "http://evil.example", sts: "sts.example" }]).problem).to.equal(
                `stack config: ${notHttps("aws:endpoints kms", "http://evil.example")}; ${notAUrl("aws:endpoints sts", "sts.example")}`,
            );
        });

        it("reports a bad URL even when a later entry gives a good one", () => {
            expect(stackEndpoints([{ kms: "http://evil.example" }, { kms: "https://kms.example" }])).to.deep.equal({
                urls: { kms: "https://kms.example" },
                problem: `stack config: ${notHttps("aws:endpoints kms", "http://evil.example")}`,
            });
        });

        it("refuses a URL with a password, never echoing it", () => {
            const read = stackEndpoints([{ sts: `https://admin:${PASSWORD}@sts.corp.example` }]);
            expect(read).to.deep.equal({ urls: {}, problem: `stack config: ${withCredentials("aws:endpoints sts", "https://***@sts.corp.example")}` });
            expect(JSON.stringify(read)).to.not.contain(PASSWORD);
        });
    });

    describe("endpointOf", () => {
        useCleanAwsEnv();
        const stack = { timestreamwrite: "https://ts.stack.example", kms: "https://kms.stack.example" };

        it("is AWS's own endpoint when nothing names one", () => {
            for (const service of ["timestreamwrite", "kms", "sts"] as const) expect(endpointOf(service, {}), service).to.equal(undefined);
        });

        it("takes the endpoint input over aws:endpoints and the variables", () => {
            process.env.AWS_ENDPOINT_URL_TIMESTREAM_WRITE = "https://ts.variable.example";
            process.env.AWS_ENDPOINT_URL = "https://all.variable.example";
            expect(endpointOf("timestreamwrite", stack, "https://ts.input.example")).to.equal("https://ts.input.example");
        });

        it("takes aws:endpoints over the variables", () => {
            process.env.AWS_ENDPOINT_URL_KMS = "https://kms.variable.example";
            process.env.AWS_ENDPOINT_URL = "https://all.variable.example";
            expect(endpointOf("kms", stack)).to.equal("https://kms.stack.example");
            expect(endpointOf("timestreamwrite", stack)).to.equal("https://ts.stack.example");
        });

        it("takes the service's own variable over AWS_ENDPOINT_URL", () => {
            process.env.AWS_ENDPOINT_URL_TIMESTREAM_WRITE = "https://ts.variable.example";
            process.env.AWS_ENDPOINT_URL_KMS = "https://kms.variable.example";
            process.env.AWS_ENDPOINT_URL_STS = "https://sts.variable.example";
            process.env.AWS_ENDPOINT_URL = "https://all.variable.example";
            expect(endpointOf("timestreamwrite", {})).to.equal("https://ts.variable.example");
            expect(endpointOf("kms", {})).to.equal("https://kms.variable.example");
            expect(endpointOf("sts", {})).to.equal("https://sts.variable.example");
        });

        it("takes AWS_ENDPOINT_URL for a service without its own variable, and not another service's", () => {
            process.env.AWS_ENDPOINT_URL_KMS = "https://kms.variable.example";
            expect(endpointOf("sts", {})).to.equal(undefined);
            process.env.AWS_ENDPOINT_URL = "https://all.variable.example";
            expect(endpointOf("sts", {})).to.equal("https://all.variable.example");
            expect(endpointOf("timestreamwrite", {})).to.equal("https://all.variable.example");
        });

        it("takes an empty variable for unset, as the SDK does", () => {
            process.env.AWS_ENDPOINT_URL_KMS = "";
            process.env.AWS_ENDPOINT_URL = "https://all.variable.example";
            expect(endpointOf("kms", {})).to.equal("https://all.variable.example");
        });

        it("ignores the variables under AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true, not the input or aws:endpoints", () => {
            process.env.AWS_ENDPOINT_URL_STS = "https://sts.variable.example";
            process.env.AWS_ENDPOINT_URL = "https://all.variable.example";
            process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = "true";
            expect(endpointOf("sts", {})).to.equal(undefined);
            expect(endpointOf("timestreamwrite", {})).to.equal(undefined);
            expect(endpointOf("kms", stack)).to.equal("https://kms.stack.example");
            expect(endpointOf("timestreamwrite", {}, "https://ts.input.example")).to.equal("https://ts.input.example");
        });

        it("reads the variables under AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false", () => {
            process.env.AWS_ENDPOINT_URL = "https://all.variable.example";
            process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = "false";
            expect(endpointOf("sts", {})).to.equal("https://all.variable.example");
        });
    });

    describe("environmentEndpointProblem", () => {
        useCleanAwsEnv();

        it("finds nothing wrong when no variable is set", () => {
            expect(environmentEndpointProblem()).to.equal(undefined);
        });

        it("finds nothing wrong with https, or plain http to this machine", () => {
            process.env.AWS_ENDPOINT_URL_KMS = "https://kms.corp.example";
            process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:4566";
            expect(environmentEndpointProblem()).to.equal(undefined);
        });

        it("names a variable sending requests over plain http to another host", () => {
            process.env.AWS_ENDPOINT_URL_KMS = "http://evil.example";
            expect(environmentEndpointProblem()).to.equal(`the environment: ${notHttps("AWS_ENDPOINT_URL_KMS", "http://evil.example")}`);
        });

        it("names every bad variable, the services' own first", () => {
            process.env.AWS_ENDPOINT_URL = "http://evil.example";
            process.env.AWS_ENDPOINT_URL_STS = "sts.example";
            process.env.AWS_ENDPOINT_URL_TIMESTREAM_WRITE = "http://ts.evil.example";
            expect(environmentEndpointProblem()).to.equal(
                "the environment: " +
                    [notHttps("AWS_ENDPOINT_URL_TIMESTREAM_WRITE", "http://ts.evil.example"), notAUrl("AWS_ENDPOINT_URL_STS", "sts.example"), notHttps("AWS_ENDPOINT_URL", "http://evil.example")].join(
                        "; ",
                    ),
            );
        });

        it("refuses a password in a variable, never echoing it", () => {
            process.env.AWS_ENDPOINT_URL = `https://admin:${PASSWORD}@aws.corp.example`;
            const problem = environmentEndpointProblem();
            expect(problem).to.equal(`the environment: ${withCredentials("AWS_ENDPOINT_URL", "https://***@aws.corp.example")}`);
            expect(problem).to.not.contain(PASSWORD);
        });

        it("checks the variables of the clients the SDK makes for a profile's credentials: SSO, SSO OIDC and Signin", () => {
            process.env.AWS_ENDPOINT_URL_SIGNIN = "http://signin.corp.example";
            process.env.AWS_ENDPOINT_URL_SSO_OIDC = "http://oidc.corp.example";
            process.env.AWS_ENDPOINT_URL_SSO = "http://sso.corp.example:8080";
            expect(environmentEndpointProblem()).to.equal(
                "the environment: " +
                    [
                        notHttps("AWS_ENDPOINT_URL_SSO", "http://sso.corp.example:8080"),
                        notHttps("AWS_ENDPOINT_URL_SSO_OIDC", "http://oidc.corp.example"),
                        notHttps("AWS_ENDPOINT_URL_SIGNIN", "http://signin.corp.example"),
                    ].join("; "),
            );
        });

        it("finds nothing wrong with an SSO endpoint over https", () => {
            process.env.AWS_ENDPOINT_URL_SSO = "https://portal.sso.eu-west-1.amazonaws.com";
            expect(environmentEndpointProblem()).to.equal(undefined);
        });

        it("leaves the variables of services this provider does not call alone", () => {
            process.env.AWS_ENDPOINT_URL_S3 = "http://evil.example";
            expect(environmentEndpointProblem()).to.equal(undefined);
        });

        it("checks no variable under AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true", () => {
            process.env.AWS_ENDPOINT_URL = "http://evil.example";
            process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = "true";
            expect(environmentEndpointProblem()).to.equal(undefined);
        });
    });

    describe("sharedConfigEndpointProblem", () => {
        useCleanAwsEnv();
        const PLAIN = "http://aws.corp.example:8080";
        /** A config file holding `text`, apart from AWS_CONFIG_FILE. */
        const configFile = (text: string) => {
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "timestream-kms-endpoints-")), "config");
            fs.writeFileSync(file, text);
            return file;
        };
        const sdkConfig = (text: string) => {
            withConfigFile(text);
            return process.env.AWS_CONFIG_FILE!;
        };

        it("finds nothing wrong without a config file, or with no endpoint in it", async () => {
            expect(await sharedConfigEndpointProblem([{}])).to.equal(undefined);
            sdkConfig("[default]\nregion = us-east-1\n");
            expect(await sharedConfigEndpointProblem([{}, { profile: "ops" }])).to.equal(undefined);
        });

        it("finds nothing wrong with https, or plain http to this machine", async () => {
            sdkConfig("[default]\nendpoint_url = https://aws.corp.example\nservices = local\n[services local]\nkms =\n  endpoint_url = http://127.0.0.1:4566\n");
            expect(await sharedConfigEndpointProblem([{}])).to.equal(undefined);
        });

        it("refuses the endpoint_url of the SDK's own profile (default), naming the file", async () => {
            const file = sdkConfig(`[default]\nendpoint_url = ${PLAIN}\n`);
            expect(await sharedConfigEndpointProblem([{}])).to.equal(`the shared AWS config: ${notHttps(`endpoint_url of profile "default" in ${file}`, PLAIN)}`);
        });

        it("reads the SDK's own profile from AWS_PROFILE", async () => {
            const file = sdkConfig(`[default]\nregion = us-east-1\n[profile ops]\nendpoint_url = ${PLAIN}\n`);
            expect(await sharedConfigEndpointProblem([{}])).to.equal(undefined);
            process.env.AWS_PROFILE = "ops";
            expect(await sharedConfigEndpointProblem([{}])).to.equal(`the shared AWS config: ${notHttps(`endpoint_url of profile "ops" in ${file}`, PLAIN)}`);
        });

        it("says ~/.aws/config when AWS_CONFIG_FILE is not set", async () => {
            const home = fs.mkdtempSync(path.join(os.tmpdir(), "timestream-kms-home-"));
            fs.mkdirSync(path.join(home, ".aws"));
            fs.writeFileSync(path.join(home, ".aws", "config"), `[default]\nendpoint_url = ${PLAIN}\n`);
            process.env.HOME = home;
            delete process.env.AWS_CONFIG_FILE;
            expect(await sharedConfigEndpointProblem([{}])).to.equal(`the shared AWS config: ${notHttps('endpoint_url of profile "default" in ~/.aws/config', PLAIN)}`);
        });

        it("refuses the endpoint_url of the profile giving the credentials, in its own file, besides the SDK's", async () => {
            const sdkFile = sdkConfig("[default]\nendpoint_url = http://sdk.corp.example\n");
            const file = configFile(`[profile keys]\nendpoint_url = ${PLAIN}\n`);
            expect(await sharedConfigEndpointProblem([{}, { profile: "keys", configFile: file }])).to.equal(
                `the shared AWS config: ${notHttps(`endpoint_url of profile "default" in ${sdkFile}`, "http://sdk.corp.example")}; ${notHttps(`endpoint_url of profile "keys" in ${file}`, PLAIN)}`,
            );
        });

        it("names a refused endpoint once when two profiles are the same", async () => {
            const file = sdkConfig(`[default]\nendpoint_url = ${PLAIN}\n`);
            expect(await sharedConfigEndpointProblem([{}, {}, { profile: "default" }])).to.equal(`the shared AWS config: ${notHttps(`endpoint_url of profile "default" in ${file}`, PLAIN)}`);
        });

        it("refuses the services section's endpoint of every client carrying credentials or a token, not of other services", async () => {
            const services = ["timestream_write", "kms", "sts", "sso", "sso_oidc", "signin", "s3"];
            const file = sdkConfig(`[default]\nservices = corp\n[services corp]\n${services.map((s) => `${s} =\n  endpoint_url = http://${s}.corp.example\n`).join("")}`);
            expect(await sharedConfigEndpointProblem([{}])).to.equal(
                `the shared AWS config: ${services
                    .slice(0, -1)
                    .map((s) => notHttps(`${s}.endpoint_url of services section "corp" in ${file}`, `http://${s}.corp.example`))
                    .join("; ")}`,
            );
        });

        it("reads no services section for a profile that names none, nor one the profile names that is missing", async () => {
            sdkConfig(`[default]\nregion = us-east-1\n[services undefined]\nkms =\n  endpoint_url = ${PLAIN}\n[profile ops]\nservices = gone\n`);
            expect(await sharedConfigEndpointProblem([{}, { profile: "ops" }])).to.equal(undefined);
        });

        it("finds no section for a profile named after an object's own fields", async () => {
            sdkConfig(`[default]\nendpoint_url = https://aws.corp.example\n`);
            expect(await sharedConfigEndpointProblem([{ profile: "__proto__" }, { profile: "constructor" }])).to.equal(undefined);
        });

        it("checks nothing of a profile saying ignore_configured_endpoint_urls = true, as the SDK reads nothing there", async () => {
            const file = sdkConfig(`[default]\nendpoint_url = ${PLAIN}\nignore_configured_endpoint_urls = true\n[profile ops]\nendpoint_url = ${PLAIN}\nignore_configured_endpoint_urls = false\n`);
            expect(await sharedConfigEndpointProblem([{}])).to.equal(undefined);
            expect(await sharedConfigEndpointProblem([{ profile: "ops" }])).to.equal(`the shared AWS config: ${notHttps(`endpoint_url of profile "ops" in ${file}`, PLAIN)}`);
        });

        it("checks nothing under AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true", async () => {
            sdkConfig(`[default]\nendpoint_url = ${PLAIN}\n`);
            process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = "true";
            expect(await sharedConfigEndpointProblem([{}])).to.equal(undefined);
        });

        it("refuses a password in an endpoint_url, never echoing it, nor the query", async () => {
            const file = sdkConfig(`[default]\nendpoint_url = https://admin:${PASSWORD}@aws.corp.example/?token=${PASSWORD}\n`);
            const problem = await sharedConfigEndpointProblem([{}]);
            expect(problem).to.equal(`the shared AWS config: ${withCredentials(`endpoint_url of profile "default" in ${file}`, "https://***@aws.corp.example/?***")}`);
        });

        it("names an endpoint_url over plain http without its query", async () => {
            const file = sdkConfig(`[default]\nendpoint_url = ${PLAIN}/?X-Amz-Security-Token=${PASSWORD}\n`);
            expect(await sharedConfigEndpointProblem([{}])).to.equal(`the shared AWS config: ${notHttps(`endpoint_url of profile "default" in ${file}`, `${PLAIN}/?***`)}`);
        });
    });
});
