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
            expect(error).to.include({ code: "Unavailable", cause: throttled, message: `${PREFIX}AWS kept failing after 1 attempt(s) (ThrottlingException: Rate exceeded). Try again later` });
        });

        it("maps a ThrottlingException with metadata but no status to Unavailable, naming its attempts", () => {
            const error = toDatabaseKmsKeyError(awsError(ThrottlingException, "slow down", { attempts: 4 }), CONTEXT);
            expect(error).to.include({ code: "Unavailable", message: `${PREFIX}AWS kept failing after 4 attempt(s) (ThrottlingException: slow down). Try again later` });
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

        it("bounds connections and requests by default: 5 s to connect, 30 s to answer", async () => {
            expect(await handlerSettings(new AwsSession().kms({ region: REGION }))).to.include({ connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true });
        });
    });
});
