/**
 * Retries fit for a fleet (issue 20): the settings and where they come from, the budget a throttled call and any
 * other failing call get, and the clients that receive them.
 */
import * as http from "node:http";
import * as net from "node:net";
import { expect } from "chai";
import { UpdateDatabaseCommand } from "@aws-sdk/client-timestream-write";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import type { RetryErrorType, RetryStrategyV2 } from "@smithy/types";
import { AwsSession, toDatabaseKmsKeyError } from "../../provider/aws";
import { freePort } from "../../lab/moto";
import { attemptMayHaveApplied, DEFAULT_THROTTLE_ATTEMPTS, mayHaveReachedAws, retriesOf, RetryConfigError, retryOf, RetrySettings, retrySettingsOf, TIMESTREAM_CALLS } from "../../provider/retry";
import { QUOTAS, REGION, useCleanAwsEnv, withConfigFile } from "./fixtures";

/** How many attempts `strategy` allows a call whose every attempt fails with `errorType`. */
async function attemptsOf(strategy: RetryStrategyV2, errorType: RetryErrorType): Promise<number> {
    let token = await strategy.acquireInitialRetryToken("");
    for (let attempts = 1; ; attempts++) {
        try {
            token = await strategy.refreshRetryTokenForRetry(token, { errorType, error: new Error(errorType) as never });
        } catch {
            return attempts;
        }
    }
}

const strategyOf = (settings: RetrySettings = {}, profile?: string) => retryOf(settings, { profile }, TIMESTREAM_CALLS).strategy;

describe("retries", () => {
    useCleanAwsEnv();

    describe("retrySettingsOf", () => {
        const read = (config: Record<string, string>) => retrySettingsOf((key) => config[key]);

        it("reads aws:maxRetries as attempts and aws:retryMode", () => {
            expect(read({ "aws:maxRetries": "50", "aws:retryMode": "standard" })).to.deep.equal({ maxAttempts: 50, mode: "standard", quotas: undefined, problem: undefined });
            expect(read({})).to.deep.equal({ maxAttempts: undefined, mode: undefined, quotas: undefined, problem: undefined });
        });

        it("reads Timestream quotas raised for the account from this package's stack config", () => {
            const settings = read({ "pulumi-timestream-kms:writesPerSecond": "4", "pulumi-timestream-kms:readsPerSecond": "20.5" });
            expect(settings).to.deep.include({ quotas: { write: 4, read: 20.5 }, problem: undefined });
            expect(read({ "pulumi-timestream-kms:writesPerSecond": "0" }).problem).to.equal(
                'stack config: pulumi-timestream-kms:writesPerSecond must be a number of calls a second above 0, such as 5, not "0"',
            );
        });

        it("counts aws:maxRetries 0 as one attempt", () => {
            expect(read({ "aws:maxRetries": "0" }).maxAttempts).to.equal(1);
        });

        it("refuses quotas and attempts that are not plain numbers, quoting at most 80 characters of them", () => {
            for (const bad of ["5abc", "x5", "1.", "-2"]) expect(read({ "pulumi-timestream-kms:readsPerSecond": bad }).problem, bad).to.include(`not "${bad}"`);
            expect(read({ "pulumi-timestream-kms:readsPerSecond": "1.25" }).quotas).to.deep.equal({ read: 1.25 });
            for (const bad of ["25x", "x25", "12345"]) expect(read({ "aws:maxRetries": bad }).problem, bad).to.include("aws:maxRetries");
            expect(read({ "aws:maxRetries": " 7 " })).to.deep.include({ maxAttempts: 7, problem: undefined });
            const long = "9".repeat(100);
            for (const key of ["aws:maxRetries", "aws:retryMode", "pulumi-timestream-kms:writesPerSecond"]) {
                expect(read({ [key]: `x${long}` }).problem, key).to.include(`not "x${long.slice(0, 79)}"`).and.not.include(long);
            }
        });

        it("names each setting that cannot be used", () => {
            const { problem } = read({ "aws:maxRetries": "many", "aws:retryMode": "legacy" });
            expect(problem).to.equal(
                'stack config: aws:maxRetries must be a whole number of attempts such as 25, not "many"; aws:retryMode must be "standard" or "adaptive", not "legacy"',
            );
            expect(read({ "aws:maxRetries": "-1" }).problem).to.include("aws:maxRetries");
        });
    });

    describe("the budget of a call", () => {
        it(`gives a throttled call ${DEFAULT_THROTTLE_ATTEMPTS} attempts and any other failing call the SDK's 3, by default`, async () => {
            expect(await attemptsOf(strategyOf(), "THROTTLING")).to.equal(DEFAULT_THROTTLE_ATTEMPTS);
            expect(await attemptsOf(strategyOf(), "TRANSIENT")).to.equal(3);
            expect(await attemptsOf(strategyOf(), "SERVER_ERROR"), "not retried, as the SDK's standard strategy decides").to.equal(1);
            expect(await attemptsOf(strategyOf(), "CLIENT_ERROR")).to.equal(1);
        });

        it("gives throttled calls aws:maxRetries attempts, leaving other failures at 3", async () => {
            expect(await attemptsOf(strategyOf({ maxAttempts: 7 }), "THROTTLING")).to.equal(7);
            expect(await attemptsOf(strategyOf({ maxAttempts: 7 }), "TRANSIENT")).to.equal(3);
        });

        it("retries nothing with aws:maxRetries 1", async () => {
            expect(await attemptsOf(strategyOf({ maxAttempts: 1 }), "THROTTLING")).to.equal(1);
            expect(await attemptsOf(strategyOf({ maxAttempts: 1 }), "TRANSIENT")).to.equal(1);
        });

        it("reads AWS_MAX_ATTEMPTS as the SDK does, for both budgets; aws:maxRetries wins for throttled calls", async () => {
            process.env.AWS_MAX_ATTEMPTS = "5";
            expect(await attemptsOf(strategyOf(), "THROTTLING")).to.equal(5);
            expect(await attemptsOf(strategyOf(), "TRANSIENT")).to.equal(5);
            expect(await attemptsOf(strategyOf({ maxAttempts: 9 }), "THROTTLING")).to.equal(9);
        });

        it("reads the profile's max_attempts under AWS_MAX_ATTEMPTS", async () => {
            withConfigFile("[profile ops]\nmax_attempts = 4\n");
            expect(await attemptsOf(strategyOf({}, "ops"), "THROTTLING")).to.equal(4);
            process.env.AWS_MAX_ATTEMPTS = "6";
            expect(await attemptsOf(strategyOf({}, "ops"), "THROTTLING")).to.equal(6);
        });

        it("fails before the first attempt, naming the setting, when AWS_MAX_ATTEMPTS or retry_mode cannot be used", async () => {
            process.env.AWS_MAX_ATTEMPTS = "lots";
            const first = await strategyOf().acquireInitialRetryToken("").then(() => undefined, (e: unknown) => e);
            expect(first).to.be.instanceOf(RetryConfigError).and.include({ name: "RetryConfigError" });
            expect((first as Error).message).to.equal('AWS_MAX_ATTEMPTS must be a whole number of attempts such as 25, not "lots"');
            const mapped = toDatabaseKmsKeyError(first, { operation: "create", databaseName: "metrics", region: REGION });
            expect(mapped).to.include({ code: "InvalidConfig" });
            expect(mapped.message).to.include("AWS_MAX_ATTEMPTS").and.include("aws:maxRetries and aws:retryMode stack config win over it");

            delete process.env.AWS_MAX_ATTEMPTS;
            withConfigFile("[profile ops]\nretry_mode = legacy\n");
            const second = await strategyOf({}, "ops").acquireInitialRetryToken("").then(() => undefined, (e: unknown) => e);
            expect((second as Error).message).to.equal('retry_mode of the AWS config profile must be "standard" or "adaptive", not "legacy"');
        });

        it("backs a throttled call off briefly while a limiter paces the client, and longer in standard mode", async () => {
            const random = Math.random;
            Math.random = () => 0.99;
            try {
                const delay = async (settings: RetrySettings) => {
                    const strategy = strategyOf(settings);
                    const token = await strategy.acquireInitialRetryToken("");
                    return (await strategy.refreshRetryTokenForRetry(token, { errorType: "THROTTLING", error: new Error() as never })).getRetryDelay();
                };
                expect(await delay({})).to.equal(99);
                expect(await delay({ mode: "standard" })).to.equal(495);
                process.env.AWS_RETRY_MODE = "standard";
                expect(await delay({}), "AWS_RETRY_MODE as the SDK reads it").to.equal(495);
                expect(await delay({ mode: "adaptive" }), "aws:retryMode wins").to.equal(99);
            } finally {
                Math.random = random;
            }
        });

        it("counts every attempt against the throttle budget, throttled or not", async () => {
            const strategy = strategyOf({ maxAttempts: 4 });
            let token = await strategy.acquireInitialRetryToken("");
            const kinds: RetryErrorType[] = ["TRANSIENT", "THROTTLING", "TRANSIENT", "THROTTLING", "TRANSIENT"];
            let attempts = 1;
            for (const errorType of kinds) {
                try {
                    token = await strategy.refreshRetryTokenForRetry(token, { errorType, error: new Error(errorType) as never });
                    attempts++;
                } catch {
                    break;
                }
            }
            expect(attempts).to.equal(4);
            expect(token.getRetryCount()).to.equal(3);
        });

        it("records how long a call's attempts took when it gave up", async () => {
            const strategy = strategyOf({ maxAttempts: 3 });
            const error = new Error("Rate exceeded");
            let token = await strategy.acquireInitialRetryToken("");
            const refresh = () => strategy.refreshRetryTokenForRetry(token, { errorType: "THROTTLING", error: error as never });
            token = await refresh();
            token = await refresh();
            await refresh().then(() => expect.fail("a fourth attempt"), () => undefined);
            expect(retriesOf(error)!.elapsedMs).to.be.at.least(0).and.below(10_000);
            expect(retriesOf(new Error("other"))).to.equal(undefined);
        });
    });

    describe("whether a failed attempt may have been applied", () => {
        const cases: [string, unknown, boolean][] = [
            ["a refused connection", { code: "ECONNREFUSED" }, false],
            ["a host that does not exist", { code: "ENOTFOUND" }, false],
            ["a DNS failure", { code: "EAI_AGAIN" }, false],
            ["an unreachable host", { code: "EHOSTUNREACH" }, false],
            ["an unreachable network", { code: "ENETUNREACH" }, false],
            ["no credentials to sign with", { name: "CredentialsProviderError" }, false],
            ["no SSO token to sign with", { name: "TokenProviderError" }, false],
            ["a connection not made in time (new SDKs)", { name: "TimeoutError", message: "the request socket did not establish a connection with the server within 5000 ms" }, false],
            ["a connection not made in time (old SDKs)", { name: "TimeoutError", message: "Socket timed out without establishing a connection within 5000 ms" }, false],
            ["a connection the system timed out", { name: "TimeoutError", code: "ETIMEDOUT", message: "connect ETIMEDOUT 10.0.0.1:443" }, false],
            ["a request timed out, not at connect", { name: "TimeoutError", code: "ETIMEDOUT", message: "the connect ETIMEDOUT came later" }, true],
            ["an error other than the SDK's timeout that mentions a connection", { name: "Error", message: "did not establish a connection" }, true],
            ["a request not answered in time", { name: "TimeoutError", message: "a request has exceeded the configured 15000 ms requestTimeout" }, true],
            ["a reset connection", { name: "TimeoutError", code: "ECONNRESET", message: "read ECONNRESET" }, true],
            ["a 500 answer", { name: "InternalServerException", $metadata: { httpStatusCode: 500 } }, true],
            ["a throttled answer", { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } }, false],
            ["a 499 answer", { name: "Odd", $metadata: { httpStatusCode: 499 } }, false],
            ["nothing at all", undefined, true],
        ];
        for (const [what, error, may] of cases) {
            it(`${may ? "may have been" : "was not"} applied after ${what}`, () => {
                expect(attemptMayHaveApplied(error)).to.equal(may);
            });
        }
    });

    describe("whether a failed call may have reached AWS", () => {
        let server: http.Server;
        let answer: (res: http.ServerResponse, socket: net.Socket) => void;
        before(async () => {
            server = http.createServer((req, res) => {
                req.resume();
                req.on("end", () => answer(res, req.socket));
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        });
        after(() => new Promise((resolve) => server.close(resolve)));

        const failureOf = async (endpoint: string) => {
            const client = new AwsSession().timestream({ region: REGION, endpoint, retry: { maxAttempts: 2 } });
            return client.send(new UpdateDatabaseCommand({ DatabaseName: "metrics", KmsKeyId: "alias/metrics" })).then(
                () => expect.fail("expected the call to fail"),
                (e: unknown) => e,
            );
        };
        const local = () => `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
        const json = (res: http.ServerResponse, status: number, type: string) => {
            res.writeHead(status, { "content-type": "application/x-amz-json-1.0", "x-amzn-errortype": type });
            res.end(JSON.stringify({ __type: type, message: type }));
        };

        it("says no when the connection is refused on every attempt", async () => {
            expect(mayHaveReachedAws(await failureOf(`http://127.0.0.1:${await freePort()}`))).to.equal(false);
        });

        it("says no when AWS throttled or refused every attempt", async () => {
            answer = (res) => json(res, 400, "ThrottlingException");
            expect(mayHaveReachedAws(await failureOf(local()))).to.equal(false);
            answer = (res) => json(res, 400, "ValidationException");
            expect(mayHaveReachedAws(await failureOf(local()))).to.equal(false);
        });

        it("says yes when an attempt was answered with a 5xx or its connection was lost after sending", async () => {
            answer = (res) => json(res, 500, "InternalServerException");
            expect(mayHaveReachedAws(await failureOf(local()))).to.equal(true);
            answer = (_res, socket) => socket.destroy();
            expect(mayHaveReachedAws(await failureOf(local()))).to.equal(true);
        });

        it("says yes when any attempt may have landed, even if the last one was throttled", async () => {
            let calls = 0;
            answer = (res) => (++calls === 1 ? json(res, 500, "InternalServerException") : json(res, 400, "ThrottlingException"));
            expect(mayHaveReachedAws(await failureOf(local()))).to.equal(true);
        });
    });

    describe("the clients", () => {
        it("gives every Timestream and KMS client the settings and a pacing middleware of its own", async () => {
            const session = new AwsSession();
            const target = { region: REGION, endpoint: "http://127.0.0.1:5000/", retry: { maxAttempts: 7 } };
            const clients = [session.timestream(target), session.kms(target)];
            for (const client of clients) {
                const strategy = (await client.config.retryStrategy()) as RetryStrategyV2;
                expect(await attemptsOf(strategy, "THROTTLING")).to.equal(7);
                const names = client.middlewareStack.identify();
                for (const name of ["pulumiTimestreamKmsPacing", "pulumiTimestreamKmsAttempts"]) expect(names.some((m) => m.startsWith(name)), name).to.equal(true);
            }
            const strategies = await Promise.all(clients.map((c) => c.config.retryStrategy()));
            expect(strategies[0]).to.not.equal(strategies[1]);
        });

        it("paces Timestream writes apart from reads at their documented quotas, and leaves endpoint discovery alone", () => {
            const kinds = (commands: string[]) => commands.map((c) => TIMESTREAM_CALLS(c));
            const write = { kind: "write", documentedRate: 1, quota: QUOTAS.writes };
            const read = { kind: "read", documentedRate: 5, quota: QUOTAS.reads };
            expect(kinds(["UpdateDatabaseCommand", "TagResourceCommand", "UntagResourceCommand"])).to.deep.equal(Array(3).fill(write));
            expect(kinds(["DescribeDatabaseCommand", "ListTagsForResourceCommand"])).to.deep.equal(Array(2).fill(read));
            expect(TIMESTREAM_CALLS("DescribeEndpointsCommand"), "not paced: no kind").to.deep.equal({ quota: "Timestream endpoint discovery (DescribeEndpoints), per account and region" });
        });

        describe("against a Timestream whose first answer is chosen", () => {
            let server: http.Server;
            let arrivals: number[];
            let first: { status: number; type?: string };
            before(async () => {
                server = http.createServer((req, res) => {
                    req.resume();
                    req.on("end", () => {
                        arrivals.push(performance.now());
                        const fail = arrivals.length === 1 && first.type !== undefined;
                        res.writeHead(fail ? first.status : 200, { "content-type": "application/x-amz-json-1.0", ...(fail ? { "x-amzn-errortype": first.type } : {}) });
                        res.end(JSON.stringify(fail ? { __type: first.type, message: "first" } : { Database: { DatabaseName: "metrics" } }));
                    });
                });
                await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            });
            beforeEach(() => {
                arrivals = [];
                first = { status: 400, type: "ThrottlingException" };
            });
            after(() => new Promise((resolve) => server.close(resolve)));

            /** One write (its first attempt answered as `first` says, then retried), then three at once: their gaps, in ms. */
            const writes = async (settings: RetrySettings) => {
                const endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
                const client = new AwsSession().timestream({ region: REGION, endpoint, retry: settings });
                const write = () => client.send(new UpdateDatabaseCommand({ DatabaseName: "metrics", KmsKeyId: "alias/metrics" }));
                await write();
                await Promise.all([write(), write(), write()]);
                const together = arrivals.slice(-3);
                return together.slice(1).map((t, i) => t - together[i]);
            };
            const shown = (gaps: number[]) => `gaps ${gaps.map(Math.round)}`;

            it("spaces writes at the account's quota once one was throttled, in adaptive mode", async () => {
                // 10 writes a second: a slot every 103 ms. Measured where they arrive, a gap is shorter by however
                // late the write before it arrived (99 ms once in CI); unspaced writes arrive a few ms apart.
                const gaps = await writes({ quotas: { write: 10 } });
                expect(arrivals).to.have.length(5);
                expect(Math.min(...gaps), shown(gaps)).to.be.at.least(90);
                expect(Math.max(...gaps), shown(gaps)).to.be.below(600);
            });

            it("does not space them in standard mode", async () => {
                const gaps = await writes({ quotas: { write: 1 }, mode: "standard" });
                expect(arrivals).to.have.length(5);
                expect(Math.max(...gaps), shown(gaps)).to.be.below(500);
            });

            it("paces KMS with the SDK's adaptive limiter, which lets a throttled call through on retry", async () => {
                const endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
                process.env.AWS_ENDPOINT_URL_KMS = endpoint;
                const kms = new AwsSession().kms({ region: REGION });
                await kms.send(new DescribeKeyCommand({ KeyId: "alias/metrics" }));
                expect(arrivals).to.have.length(2);
            });

            it("does not space them before AWS has throttled, nor after another failure", async () => {
                first = { status: 200 };
                const unthrottled = await writes({ quotas: { write: 1 } });
                expect(arrivals).to.have.length(4);
                expect(Math.max(...unthrottled), shown(unthrottled)).to.be.below(500);
                arrivals = [];
                first = { status: 500, type: "InternalServerException" };
                const afterFailure = await writes({ quotas: { write: 1 } });
                expect(arrivals).to.have.length(5);
                expect(Math.max(...afterFailure), shown(afterFailure)).to.be.below(500);
            });
        });
    });
});
