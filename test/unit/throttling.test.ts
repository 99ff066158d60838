/**
 * Throttling that outlasts the retries (issue 25): an operation's time spent throttled is bounded over all its calls
 * (11 s for each attempt a throttled call gets: 4 min 35 s by default), and the error names the quota that throttled
 * (Timestream writes, Timestream reads, KMS, STS), the attempts and the seconds. Timeouts say they timed out, and
 * after how long.
 */
import * as http from "node:http";
import * as net from "node:net";
import { expect } from "chai";
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from "@smithy/types";
import { AwsSession, AwsTarget, OperationContext, toDatabaseKmsKeyError } from "../../provider/aws";
import { parseKeyRef } from "../../provider/keys";
import { asPartOf, KMS_CALLS, retriesOf, retryOf, RetrySettings, STS_CALLS, THROTTLED_WAIT_PER_ATTEMPT_MS, TIMESTREAM_CALLS } from "../../provider/retry";
import { QUOTAS, REGION, rejectionOf, useCleanAwsEnv } from "./fixtures";

const CONTEXT: OperationContext = { operation: "update", databaseName: "metrics", region: REGION, kmsKeyId: "alias/metrics" };
const PREFIX = `update of database "metrics" in ${REGION} with KMS key "alias/metrics" failed: `;
const ADVICE =
    "Raise aws:maxRetries (pulumi config set aws:maxRetries 50; default 25), which gives throttled calls more attempts and each operation " +
    "11 s more of waiting per attempt, or run fewer at once (pulumi up --parallel 4), then run again";
const { writes: WRITES, reads: READS, kms: KMS, sts: STS } = QUOTAS;
const THROTTLED: Omit<RetryErrorInfo, "error"> = { errorType: "THROTTLING" };

/** Runs `work` with Date.now at a clock the test moves, and no jitter (every backoff delay 0). */
async function withClock<T>(work: (clock: { ms: number }) => Promise<T>): Promise<T> {
    const [now, random] = [Date.now, Math.random];
    const clock = { ms: 1_000_000 };
    Date.now = () => clock.ms;
    Math.random = () => 0;
    try {
        return await work(clock);
    } finally {
        [Date.now, Math.random] = [now, random];
    }
}

/** One call of `strategy`, throttled after each of `waits` (ms); resolves to its last token, or rejects once it gives up. */
async function throttledCall(strategy: RetryStrategyV2, clock: { ms: number }, waits: number[], error: Error = new Error("Rate exceeded")): Promise<RetryToken> {
    let token = await strategy.acquireInitialRetryToken("");
    for (const wait of waits) {
        clock.ms += wait;
        token = await strategy.refreshRetryTokenForRetry(token, { ...THROTTLED, error: error as never });
    }
    strategy.recordSuccess(token);
    return token;
}

const strategyOf = (settings: RetrySettings = {}) => retryOf(settings, {}, TIMESTREAM_CALLS).strategy;

describe("throttling", () => {
    useCleanAwsEnv();

    describe("an operation's bound on time spent throttled", () => {
        it(`is ${THROTTLED_WAIT_PER_ATTEMPT_MS / 1000} s for each attempt a throttled call gets: 275 s by default`, () => {
            expect(THROTTLED_WAIT_PER_ATTEMPT_MS * 25).to.equal(275_000);
        });

        it("lets an operation wait up to its bound, over all its calls, and gives up past it, recording both", () =>
            withClock(async (clock) => {
                const strategy = strategyOf({ maxAttempts: 3 });
                const error = new Error("Rate exceeded");
                const operation = {};
                await asPartOf(operation, () => throttledCall(strategy, clock, [20_000]));
                await asPartOf(operation, () => throttledCall(strategy, clock, [13_000]));
                const started = clock.ms;
                const refused = await asPartOf(operation, () => throttledCall(strategy, clock, [1], error)).then(
                    () => expect.fail("a third call past the bound"),
                    (e: Error) => e,
                );
                expect(refused.message).to.include("waited its bound");
                expect(retriesOf(error)).to.deep.equal({ elapsedMs: clock.ms - started, quota: READS, outOfTime: { waitedMs: 33_001, boundMs: 33_000, attempts: 3 } });
            }));

        it("counts the backoff delay it would wait next against the bound", () =>
            withClock(async (clock) => {
                Math.random = () => 0.5;
                const strategy = strategyOf({ maxAttempts: 3, mode: "standard" });
                // The first throttled retry waits 250 ms (0.5 × 500 ms): 32.75 s waited passes, 32.751 s does not.
                await asPartOf({}, () => throttledCall(strategy, clock, [32_750]));
                const error = new Error("Rate exceeded");
                await asPartOf({}, () => throttledCall(strategy, clock, [32_751], error)).then(() => expect.fail("past the bound"), () => undefined);
                expect(retriesOf(error)!.outOfTime).to.deep.equal({ waitedMs: 32_751, boundMs: 33_000, attempts: 3 });
            }));

        it("counts only the time since the call's last attempt was sent or retried, throttled or not", () =>
            withClock(async (clock) => {
                const strategy = strategyOf({ maxAttempts: 3 });
                const operation = {};
                await asPartOf(operation, async () => {
                    let token = await strategy.acquireInitialRetryToken("");
                    clock.ms += 30_000;
                    token = await strategy.refreshRetryTokenForRetry(token, { errorType: "TRANSIENT", error: new Error("reset") as never });
                    clock.ms += 33_000;
                    await strategy.refreshRetryTokenForRetry(token, { ...THROTTLED, error: new Error("Rate exceeded") as never });
                });
                const error = new Error("Rate exceeded");
                await asPartOf(operation, () => throttledCall(strategy, clock, [1], error)).then(() => expect.fail("past the bound"), () => undefined);
                expect(retriesOf(error)!.outOfTime).to.deep.equal({ waitedMs: 33_001, boundMs: 33_000, attempts: 3 });
            }));

        it("keeps each operation's time apart, and bounds a call made outside any operation alone", () =>
            withClock(async (clock) => {
                const strategy = strategyOf({ maxAttempts: 3 });
                await asPartOf({}, () => throttledCall(strategy, clock, [30_000]));
                await asPartOf({}, () => throttledCall(strategy, clock, [30_000]));
                await throttledCall(strategy, clock, [30_000]);
                await throttledCall(strategy, clock, [30_000]);
                const error = new Error("Rate exceeded");
                await throttledCall(strategy, clock, [30_000, 3_001], error).then(() => expect.fail("past the bound"), () => undefined);
                expect(retriesOf(error)!.outOfTime).to.deep.equal({ waitedMs: 33_001, boundMs: 33_000, attempts: 3 });
            }));

        it("gives more time with aws:maxRetries, and 275 s by default", () =>
            withClock(async (clock) => {
                await asPartOf({}, () => throttledCall(strategyOf({ maxAttempts: 50 }), clock, [500_000]));
                await asPartOf({}, () => throttledCall(strategyOf(), clock, [275_000]));
                const error = new Error("Rate exceeded");
                await asPartOf({}, () => throttledCall(strategyOf(), clock, [275_001], error)).then(() => expect.fail("past the bound"), () => undefined);
                expect(retriesOf(error)!.outOfTime).to.deep.equal({ waitedMs: 275_001, boundMs: 275_000, attempts: 25 });
            }));

        it("gives up on attempts first when they run out, without an outOfTime", () =>
            withClock(async (clock) => {
                const error = new Error("Rate exceeded");
                await throttledCall(strategyOf({ maxAttempts: 2 }), clock, [1_000, 1_000], error).then(() => expect.fail("a third attempt"), () => undefined);
                expect(retriesOf(error)).to.deep.equal({ elapsedMs: 2_000, quota: READS });
            }));

        it("records no quota for a call that failed otherwise", async () => {
            const error = new Error("boom");
            const strategy = strategyOf();
            const token = await strategy.acquireInitialRetryToken("");
            await strategy.refreshRetryTokenForRetry(token, { errorType: "CLIENT_ERROR", error: error as never }).then(() => expect.fail("no retry"), () => undefined);
            expect(retriesOf(error)).to.have.keys(["elapsedMs"]);
        });
    });

    describe("the message of a call that AWS kept throttling", () => {
        it("names the quota, the attempts and the seconds", () =>
            withClock(async (clock) => {
                const error = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400, attempts: 2 } });
                await throttledCall(strategyOf({ maxAttempts: 2 }), clock, [1_400, 2_000], error).catch(() => undefined);
                expect(toDatabaseKmsKeyError(error, CONTEXT)).to.include({
                    code: "Unavailable",
                    message: `${PREFIX}AWS kept throttling the request: 2 attempt(s) over 3 s (ThrottlingException: Rate exceeded). The quota that throttled it: ${READS}. ${ADVICE}`,
                });
            }));

        it("says the operation ran out of time, how long it waited and its bound", () =>
            withClock(async (clock) => {
                const error = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400, attempts: 2 } });
                const operation = {};
                await asPartOf(operation, () => throttledCall(strategyOf(), clock, [200_000]));
                await asPartOf(operation, () => throttledCall(strategyOf(), clock, [40_000, 40_000], error)).catch(() => undefined);
                expect(toDatabaseKmsKeyError(error, CONTEXT).message).to.equal(
                    `${PREFIX}AWS kept throttling the request: 2 attempt(s) over 80 s (ThrottlingException: Rate exceeded). The quota that throttled it: ${READS}. ` +
                        "The operation gave up after waiting 280 s throttled over all its calls: another attempt would pass its bound of 275 s (11 s for each of the 25 attempts a throttled call gets). " +
                        ADVICE,
                );
            }));

        it("names STS's quota for STS's Throttling this package did not retry (the SDK's own STS client of a profile)", () => {
            const error = Object.assign(new Error("Rate exceeded"), { name: "Throttling", $metadata: { httpStatusCode: 400, attempts: 3 } });
            expect(toDatabaseKmsKeyError(error, CONTEXT).message).to.equal(
                `${PREFIX}AWS kept throttling the request: 3 attempt(s) (Throttling: Rate exceeded). The quota that throttled it: ${STS}. ${ADVICE}`,
            );
        });

        it("names each client's own quota: KMS, STS, and Timestream writes apart from reads", () => {
            expect([KMS_CALLS("DescribeKeyCommand"), STS_CALLS()]).to.deep.equal([
                { kind: "all", quota: KMS },
                { kind: "all", quota: STS },
            ]);
            expect(TIMESTREAM_CALLS("TagResourceCommand").quota).to.equal(WRITES);
        });
    });

    describe("clients against an endpoint that throttles", () => {
        let server: http.Server;
        let requests: string[];
        /** Whether to throttle a request, by its operation (X-Amz-Target's, or the Action of STS's form). */
        let throttle: (operation: string) => boolean;
        before(async () => {
            server = http.createServer((req, res) => {
                const chunks: Buffer[] = [];
                req.on("data", (c: Buffer) => chunks.push(c));
                req.on("end", () => {
                    const target = String(req.headers["x-amz-target"] ?? "");
                    const operation = target === "" ? String(new URLSearchParams(Buffer.concat(chunks).toString()).get("Action")) : target.split(".")[1];
                    requests.push(operation);
                    answer(res, operation, throttle(operation));
                });
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        });
        beforeEach(() => {
            requests = [];
            throttle = () => true;
        });
        after(() => new Promise((resolve) => server.close(resolve)));

        const endpoint = () => `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
        const target = (settings: RetrySettings = { maxAttempts: 2 }): AwsTarget => ({ region: REGION, endpoint: endpoint(), retry: settings, endpoints: { kms: endpoint(), sts: endpoint() } });
        const quotaOf = async (failing: Promise<unknown>) => (await rejectionOf(failing)).message.split("The quota that throttled it: ")[1]?.split(". Raise")[0];

        it("names Timestream reads for DescribeDatabase, Timestream writes for UpdateDatabase and TagResource", async () => {
            const session = new AwsSession();
            expect(await quotaOf(session.describeDatabase(target(), CONTEXT))).to.equal(READS);
            expect(await quotaOf(session.updateDatabase(target(), CONTEXT, "alias/metrics"))).to.equal(WRITES);
            expect(await quotaOf(session.tagDatabase(target(), CONTEXT, "arn:aws:timestream:us-east-1:111122223333:database/metrics", []))).to.equal(WRITES);
            expect(requests).to.deep.equal(["DescribeDatabase", "DescribeDatabase", "UpdateDatabase", "UpdateDatabase", "TagResource", "TagResource"]);
        });

        it("names KMS for DescribeKey", async () => {
            expect(await quotaOf(new AwsSession().describeKey(target(), CONTEXT, parseKeyRef("alias/metrics")!))).to.equal(KMS);
            expect(requests).to.deep.equal(["DescribeKey", "DescribeKey"]);
        });

        it("names STS for GetCallerIdentity, and for the AssumeRole of a role to assume", async () => {
            expect(await quotaOf(new AwsSession().callerAccount(target(), CONTEXT))).to.equal(STS);
            const withRole = { ...target(), identity: { roles: [{ roleArn: "arn:aws:iam::111111111111:role/x" }] } };
            expect(await quotaOf(new AwsSession().describeDatabase(withRole, CONTEXT))).to.equal(STS);
            expect(requests).to.deep.equal(["GetCallerIdentity", "GetCallerIdentity", "AssumeRole", "AssumeRole"]);
        });

        it("bounds the throttled time of the calls of one operation together, through the session", async () => {
            // Every call is throttled twice, then answered; each throttled answer takes 20 s of the clock. A bound of
            // 55 s (aws:maxRetries 5) lets the first call of an operation through after 40 s, and not its second.
            const now = Date.now;
            let skew = 0;
            Date.now = () => now() + skew;
            let answered = 0;
            throttle = () => ++answered % 3 !== 0 && (skew += 20_000) > 0;
            try {
                const session = new AwsSession();
                const arn = "arn:aws:timestream:us-east-1:111122223333:database/metrics";
                const at = target({ maxAttempts: 5 });
                expect(await session.listTags(at, CONTEXT, arn)).to.deep.equal([]);
                const error = await rejectionOf(session.listTags(at, CONTEXT, arn));
                expect(error.message).to.match(
                    /: AWS kept throttling the request: 1 attempt\(s\) over \d+ s \(ThrottlingException: Rate exceeded\)\. The quota that throttled it: Timestream reads .* The operation gave up after waiting 6\d s throttled over all its calls: another attempt would pass its bound of 55 s \(11 s for each of the 5 attempts a throttled call gets\)\. Raise aws:maxRetries/,
                );
                answered = 0;
                expect(await session.listTags(at, { ...CONTEXT }, arn), "another operation's calls wait apart").to.deep.equal([]);
                expect(requests).to.deep.equal(Array(7).fill("ListTagsForResource"));
            } finally {
                Date.now = now;
            }
        });
    });

    describe("a request that timed out", () => {
        const timeout = (message: string, attempts?: number) => Object.assign(new Error(message), { name: "TimeoutError", $metadata: attempts === undefined ? undefined : { attempts } });

        it("says the request timed out, after how long and how often, when the endpoint did not answer", () => {
            const error = timeout("@smithy/node-http-handler - [ERROR] a request has exceeded the configured 15000 ms requestTimeout.", 3);
            expect(toDatabaseKmsKeyError(error, CONTEXT)).to.include({
                code: "Unreachable",
                message:
                    `${PREFIX}the AWS endpoint did not answer in time: the request timed out after 15 s, 3 attempt(s) ` +
                    "(TimeoutError: @smithy/node-http-handler - [ERROR] a request has exceeded the configured 15000 ms requestTimeout.). Check the endpoint, AWS_ENDPOINT_URL* and the network",
            });
        });

        it("says the connection timed out and the endpoint could not be reached, when no connection was made", () => {
            const error = timeout("@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 5000 ms.");
            expect(toDatabaseKmsKeyError(error, CONTEXT).message).to.equal(
                `${PREFIX}the AWS endpoint could not be reached: the connection timed out after 5 s, 1 attempt(s) ` +
                    "(TimeoutError: @smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 5000 ms.). " +
                    "Check the endpoint, AWS_ENDPOINT_URL* and the network",
            );
        });

        it("says the system's connect timeout is a connection that timed out", () => {
            const error = Object.assign(timeout("connect ETIMEDOUT 10.0.0.1:443", 3), { code: "ETIMEDOUT" });
            expect(toDatabaseKmsKeyError(error, CONTEXT).message).to.equal(
                `${PREFIX}the AWS endpoint could not be reached: the connection timed out, 3 attempt(s) (TimeoutError: connect ETIMEDOUT 10.0.0.1:443). Check the endpoint, AWS_ENDPOINT_URL* and the network`,
            );
        });

        it("says a connection reset or broken, which the SDK names a TimeoutError, could not be reached, not that it timed out", () => {
            for (const [code, message] of [
                ["ECONNRESET", "socket hang up"],
                ["EPIPE", "write EPIPE"],
            ]) {
                expect(toDatabaseKmsKeyError(Object.assign(timeout(message, 3), { code }), CONTEXT)).to.include({
                    code: "Unreachable",
                    message: `${PREFIX}the AWS endpoint could not be reached (TimeoutError: ${message}). Check the endpoint, AWS_ENDPOINT_URL* and the network`,
                });
            }
        });

        it("says it timed out when the SDK's error has no message", () => {
            const error = Object.assign(new Error(), { name: "TimeoutError", message: undefined });
            expect(toDatabaseKmsKeyError(error, CONTEXT).message).to.equal(
                `${PREFIX}the AWS endpoint did not answer in time: the request timed out, 1 attempt(s) (TimeoutError: TimeoutError). Check the endpoint, AWS_ENDPOINT_URL* and the network`,
            );
        });

        it("says it timed out without a length when the SDK gives none", () => {
            expect(toDatabaseKmsKeyError(timeout("timed out"), CONTEXT).message).to.equal(
                `${PREFIX}the AWS endpoint did not answer in time: the request timed out, 1 attempt(s) (TimeoutError: timed out). Check the endpoint, AWS_ENDPOINT_URL* and the network`,
            );
        });

        it("says how long the attempts took, against an endpoint that never answers", async () => {
            const server = net.createServer(() => undefined);
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            try {
                const session = new AwsSession({ connectionTimeout: 1_000, requestTimeout: 200 });
                const error = await rejectionOf(session.describeDatabase({ region: REGION, endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` }, CONTEXT));
                expect(error.code).to.equal("Unreachable");
                expect(error.message).to.match(/failed: the AWS endpoint did not answer in time: the request timed out after 0\.2 s, 3 attempt\(s\) over \d+ s \(TimeoutError: /);
            } finally {
                server.close();
            }
        });
    });
});

/** Answers `operation` as the service would: a throttle (JSON, or STS's XML), or a minimal success. */
function answer(res: http.ServerResponse, operation: string, throttled: boolean): void {
    const sts = ["GetCallerIdentity", "AssumeRole"].includes(operation);
    if (sts) {
        res.writeHead(throttled ? 400 : 200, { "content-type": "text/xml" });
        return void res.end(
            throttled
                ? "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>"
                : "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>111122223333</Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
        );
    }
    res.writeHead(throttled ? 400 : 200, { "content-type": "application/x-amz-json-1.0", ...(throttled ? { "x-amzn-errortype": "ThrottlingException" } : {}) });
    res.end(JSON.stringify(throttled ? { __type: "ThrottlingException", message: "Rate exceeded" } : operation === "ListTagsForResource" ? { Tags: [] } : {}));
}
