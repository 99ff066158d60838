/**
 * Faults between the built provider and moto (issue #3 item 6): the proxy
 * answers chosen requests with a throttle, a 500 or a dropped connection, and
 * the SDK's retry strategy (3 attempts, jittered backoff) must absorb the
 * transient ones and turn the rest into one readable DatabaseKmsKeyError.
 */
import { expect } from "chai";
import { freePort } from "../../lab/moto";
import { builtAws, configuredProvider, OWNER, proxiedMoto, REGION, rejectionOf, restoreEnv } from "../support/integration";

// Faults are answered by the proxy before anything reaches moto, so its answer mode cannot change these outcomes: one mode is enough.
describe("DatabaseKmsKeyProvider under faults (proxy in aws mode)", function () {
    const env = proxiedMoto("aws");

    /** A database on key P and a key A to adopt it with. */
    const databaseAndKey = async () => ({ ...(await env.fx.databaseOnOwnKey()), key: await env.fx.createKey() });

    it("retries a DescribeDatabase throttled twice and adopts the database", async () => {
        const { db, key } = await databaseAndKey();
        env.proxy.inject("DescribeDatabase", "throttle", "throttle");
        const provider = await configuredProvider();

        const { outs } = await provider.create({ databaseName: db, kmsKeyId: key.arn, owner: OWNER });

        expect(outs.kmsKeyArn).to.equal(key.arn);
        expect(env.proxy.sortedOperations()).to.deep.equal([
            "DescribeDatabase",
            "DescribeDatabase",
            "DescribeDatabase",
            "DescribeKey",
            "ListTagsForResource",
            "ListTagsForResource",
            "TagResource",
            "UpdateDatabase",
        ]);
        expect(await env.fx.liveKey(db)).to.equal(key.arn);
    });

    it("fails with one Unavailable error after the SDK's 3 attempts when UpdateDatabase keeps answering 500", async () => {
        const { previous, db, key } = await databaseAndKey();
        env.proxy.injectAlways("UpdateDatabase", "500");
        const provider = await configuredProvider();

        const error = await rejectionOf(provider.create({ databaseName: db, kmsKeyId: key.arn, owner: OWNER }));

        expect(error.code).to.equal("Unavailable");
        expect(error.message).to.equal(
            `create of database "${db}" in ${REGION} with KMS key "${key.arn}" failed: AWS kept failing after 3 attempt(s) ` +
                "(InternalServerException: injected 500 by the test proxy, HTTP 500). Try again later",
        );
        // The second DescribeDatabase settles the unknown outcome: the database kept its key, so the write did not apply.
        // The claim was written before the key, as always, and is removed again: Pulumi records no resource to own it.
        expect(env.proxy.operations().filter((op) => op !== "DescribeKey")).to.deep.equal([
            "DescribeDatabase",
            "ListTagsForResource",
            "TagResource",
            "ListTagsForResource",
            "UpdateDatabase",
            "UpdateDatabase",
            "UpdateDatabase",
            "DescribeDatabase",
            "UntagResource",
        ]);
        expect(await env.fx.liveKey(db)).to.equal(previous.arn);
        expect(await env.fx.tags((await env.fx.describeDatabase(db))!.Arn!)).to.deep.equal([]);
    });

    it("retries an UpdateDatabase whose connection was dropped and adopts the database", async () => {
        const { db, key } = await databaseAndKey();
        env.proxy.inject("UpdateDatabase", "drop");
        const provider = await configuredProvider();

        const { outs } = await provider.create({ databaseName: db, kmsKeyId: key.arn, owner: OWNER });

        // The SDK treats the reset socket (ECONNRESET) as transient and sends the request again.
        expect(outs.kmsKeyArn).to.equal(key.arn);
        expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource", "ListTagsForResource", "TagResource", "UpdateDatabase", "UpdateDatabase"]);
        expect(await env.fx.liveKey(db)).to.equal(key.arn);
    });

    it("fails with Unreachable within seconds when nothing listens at the endpoint", async () => {
        const { db, key } = await databaseAndKey();
        const saved = process.env.AWS_ENDPOINT_URL;
        process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${await freePort()}`;
        try {
            const provider = await configuredProvider();
            const started = Date.now();

            const error = await rejectionOf(provider.create({ databaseName: db, kmsKeyId: key.arn, owner: OWNER }));

            expect(Date.now() - started).to.be.below(5_000);
            expect(error.code).to.equal("Unreachable");
            expect(error.message).to.include(`create of database "${db}" in ${REGION}`).and.include("ECONNREFUSED").and.include("could not be reached");
        } finally {
            restoreEnv("AWS_ENDPOINT_URL", saved);
        }
        expect(env.proxy.operations()).to.deep.equal([]);
    });

    it("fails with one Unreachable error after the SDK's 3 attempts when every DescribeDatabase connection is dropped", async () => {
        const { previous, db, key } = await databaseAndKey();
        env.proxy.injectAlways("DescribeDatabase", "drop");
        const provider = await configuredProvider();

        const error = await rejectionOf(provider.create({ databaseName: db, kmsKeyId: key.arn, owner: OWNER }));

        expect(error.code).to.equal("Unreachable");
        expect(error.message).to.include(`create of database "${db}" in ${REGION}`).and.include("socket hang up").and.include("could not be reached");
        expect(env.proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeDatabase", "DescribeDatabase", "DescribeKey"]);
        expect(await env.fx.liveKey(db)).to.equal(previous.arn);
    });

    it("fails with Unreachable, not a hang, saying it timed out, when the endpoint accepts requests and never answers", async () => {
        const { db } = await databaseAndKey();
        env.proxy.injectAlways("DescribeDatabase", "hang");
        // The provider's own timeouts (5 s to connect, 30 s per answer) made short, so the test proves the mechanism fast.
        const session = new builtAws.AwsSession({ connectionTimeout: 1_000, requestTimeout: 300 });
        const started = Date.now();

        const error = await rejectionOf(session.describeDatabase({ region: REGION }, { operation: "read", databaseName: db, region: REGION }));

        expect(error.code).to.equal("Unreachable");
        expect(error.message).to.include(`read of database "${db}" in ${REGION}`).and.include("TimeoutError");
        // It was reached, and did not answer: the message says so, and after how long (issue 25).
        expect(error.message).to.match(/: the AWS endpoint did not answer in time: the request timed out after 0\.3 s, 3 attempt\(s\) over \d+ s \(TimeoutError: /);
        // Three attempts of 300 ms each, with the SDK's backoff between them.
        expect(Date.now() - started).to.be.below(5_000);
        expect(env.proxy.operations()).to.deep.equal(["DescribeDatabase", "DescribeDatabase", "DescribeDatabase"]);
    });
});
