/**
 * The edges of provider/aws.ts that aws.test.ts leaves open (issue 13): where an unrecognised answer's status turns
 * "failed" into "unavailable", throttling without response metadata, and requests bounded by their timeouts.
 */
import * as net from "node:net";
import { expect } from "chai";
import { ThrottlingException } from "@aws-sdk/client-timestream-write";
import { AwsSession, DatabaseKmsKeyError, mayHaveApplied, OperationContext, toDatabaseKmsKeyError } from "../../provider/aws";
import { REGION, awsError, rejectionOf, useCleanAwsEnv } from "./fixtures";

const CONTEXT: OperationContext = { operation: "update", databaseName: "metrics", region: REGION, kmsKeyId: "alias/metrics" };
const PREFIX = `update of database "metrics" in ${REGION} with KMS key "alias/metrics" failed: `;

/** The settings a client's HTTP handler sends requests with (the SDK's NodeHttpHandler resolves them once, on creation). */
async function handlerSettings(client: { config: { requestHandler: unknown } }): Promise<Record<string, unknown>> {
    return (client.config.requestHandler as { configProvider: Promise<Record<string, unknown>> }).configProvider;
}

/** An AWS answer the provider has no rule for, with the given HTTP status. */
const unrecognised = (httpStatusCode: number) => Object.assign(new Error("odd"), { name: "ConflictException", $metadata: { httpStatusCode, attempts: 3 } });

const THROTTLED_ADVICE =
    "AWS accepts only so many calls a second per account and region. Raise aws:maxRetries (pulumi config set aws:maxRetries 50; default 25), which gives " +
    "throttled calls more attempts and each operation 11 s more of waiting per attempt, or run fewer at once (pulumi up --parallel 4), then run again";

describe("aws: edges", () => {
    describe("toDatabaseKmsKeyError", () => {
        for (const status of [400, 409, 499]) {
            it(`maps an unrecognised answer with HTTP ${status} to Failed, in AWS's words, and not to Unavailable`, () => {
                const error = toDatabaseKmsKeyError(unrecognised(status), CONTEXT);
                expect(error).to.include({ code: "Failed", message: `${PREFIX}ConflictException: odd` });
                expect(mayHaveApplied(error), "a 4xx refusal proves the write was not applied").to.equal(false);
            });
        }

        it("maps an unrecognised answer with HTTP 500 to Unavailable, naming the attempts and the status", () => {
            const error = toDatabaseKmsKeyError(unrecognised(500), CONTEXT);
            expect(error).to.include({ code: "Unavailable", message: `${PREFIX}AWS kept failing after 3 attempt(s) (ConflictException: odd, HTTP 500). Try again later` });
            expect(mayHaveApplied(error)).to.equal(true);
        });

        it("maps a ThrottlingException without response metadata to Unavailable after one attempt, naming no status", () => {
            const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
            const error = toDatabaseKmsKeyError(throttled, CONTEXT);
            expect(error).to.include({ code: "Unavailable", cause: throttled, message: `${PREFIX}AWS kept throttling the request: 1 attempt(s) (ThrottlingException: Rate exceeded). ${THROTTLED_ADVICE}` });
        });

        it("maps a ThrottlingException with metadata but no status to Unavailable, naming its attempts", () => {
            const error = toDatabaseKmsKeyError(awsError(ThrottlingException, "slow down", { attempts: 4 }), CONTEXT);
            expect(error).to.include({ code: "Unavailable", message: `${PREFIX}AWS kept throttling the request: 4 attempt(s) (ThrottlingException: slow down). ${THROTTLED_ADVICE}` });
        });
    });

    describe("toDatabaseKmsKeyError: what it unwraps", () => {
        const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5000"), { code: "ECONNREFUSED" });
        const wrapped = (cause: unknown, depth: number): unknown => (depth === 0 ? cause : new Error(`wrapper ${depth}`, { cause: wrapped(cause, depth - 1) }));

        it("maps a thrown null or undefined to Failed, naming it", () => {
            expect(toDatabaseKmsKeyError(null, CONTEXT)).to.include({ code: "Failed", message: `${PREFIX}Error: null` });
            expect(toDatabaseKmsKeyError(undefined, CONTEXT)).to.include({ code: "Failed", message: `${PREFIX}Error: undefined` });
        });

        it("reads an error whose cause is null or a string as itself", () => {
            const nullCause = Object.assign(new Error("odd"), { name: "ConflictException", cause: null });
            expect(toDatabaseKmsKeyError(nullCause, CONTEXT)).to.include({ code: "Failed", message: `${PREFIX}ConflictException: odd` });
            expect(toDatabaseKmsKeyError(new Error("odd", { cause: "text" }), CONTEXT)).to.include({ code: "Failed", message: `${PREFIX}Error: odd` });
        });

        it("follows up to five causes, and no further", () => {
            expect(toDatabaseKmsKeyError(wrapped(refused(), 5), CONTEXT).code).to.equal("Unreachable");
            expect(toDatabaseKmsKeyError(wrapped(refused(), 6), CONTEXT)).to.include({ code: "Failed", message: `${PREFIX}Error: wrapper 1` });
        });

        it("stops following a cause chain that loops", () => {
            const first = Object.assign(new Error("first"), { name: "FirstError" });
            const second = Object.assign(new Error("second"), { name: "SecondError", cause: first });
            Object.assign(first, { cause: second });
            expect(toDatabaseKmsKeyError(first, CONTEXT)).to.include({ code: "Failed", message: `${PREFIX}SecondError: second` });
        });

        it("takes an AWS answer as it is, without following its cause", () => {
            const throttled = Object.assign(awsError(ThrottlingException, "slow down", { httpStatusCode: 400, attempts: 3 }), { cause: refused() });
            expect(toDatabaseKmsKeyError(throttled, CONTEXT).code).to.equal("Unavailable");
        });

        it("does not unwrap a discovery failure that carries no reason", () => {
            const wrapper = Object.assign(new Error("The operation to discover endpoint failed. Please retry."), { reason: null });
            expect(toDatabaseKmsKeyError(wrapper, CONTEXT)).to.include({ code: "Failed", message: `${PREFIX}Error: The operation to discover endpoint failed. Please retry.` });
        });
    });

    describe("mayHaveApplied: the status of a Failed write", () => {
        const failed = (cause?: unknown) => new DatabaseKmsKeyError("Failed", CONTEXT, "odd", { cause });
        const withStatus = (httpStatusCode: number) => failed({ $metadata: { httpStatusCode } });

        it("is false for a 4xx answer, from 400 to 499", () => {
            expect([400, 499].map((status) => mayHaveApplied(withStatus(status)))).to.deep.equal([false, false]);
        });

        it("is true for any other status, or none", () => {
            expect([399, 500].map((status) => mayHaveApplied(withStatus(status)))).to.deep.equal([true, true]);
            expect(mayHaveApplied(failed())).to.equal(true);
            expect(mayHaveApplied(failed({}))).to.equal(true);
        });
    });

    describe("AwsSession timeouts", () => {
        useCleanAwsEnv();
        let server: net.Server;
        let port: number;
        const sockets = new Set<net.Socket>();

        // An endpoint that accepts connections and never answers.
        beforeEach(async () => {
            server = net.createServer((socket) => {
                sockets.add(socket);
                socket.on("close", () => sockets.delete(socket));
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            port = (server.address() as net.AddressInfo).port;
        });

        afterEach(async () => {
            for (const socket of sockets) socket.destroy();
            await new Promise((resolve) => server.close(resolve));
        });

        it("fails a request the endpoint never answers once its request timeout passes, instead of waiting", async () => {
            const session = new AwsSession({ connectionTimeout: 1_000, requestTimeout: 150 });
            const target = { region: REGION, endpoint: `http://127.0.0.1:${port}` };
            const started = Date.now();
            let timer: NodeJS.Timeout | undefined;
            const hung = new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new Error("DescribeDatabase still waits 5 s after a 150 ms request timeout")), 5_000);
            });
            try {
                const error = await rejectionOf(Promise.race([session.describeDatabase(target, CONTEXT), hung]));
                expect(error).to.be.instanceOf(DatabaseKmsKeyError);
                expect(error.code).to.equal("Unreachable");
                expect(error.message).to.include("150 ms");
            } finally {
                clearTimeout(timer);
            }
            expect(Date.now() - started, "the SDK's retries of a timeout are bounded too").to.be.below(5_000);
        });

        it("gives its clients a connection timeout, a request timeout and throwOnRequestTimeout", async () => {
            const session = new AwsSession({ connectionTimeout: 1_234, requestTimeout: 5_678 });
            for (const client of [session.timestream({ region: REGION, endpoint: `http://127.0.0.1:${port}` }), session.kms({ region: REGION })]) {
                expect(await handlerSettings(client)).to.include({ connectionTimeout: 1_234, requestTimeout: 5_678, throwOnRequestTimeout: true });
            }
        });

        it("bounds connections and requests by default: 5 s to connect, 15 s to answer, so three attempts at a silent endpoint end within a minute", async () => {
            expect(await handlerSettings(new AwsSession().kms({ region: REGION }))).to.include({ connectionTimeout: 5_000, requestTimeout: 15_000, throwOnRequestTimeout: true });
        });
    });
});
