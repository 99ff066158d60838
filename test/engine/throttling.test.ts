/**
 * Slow failures through the real provider host (issue 25): a throttled KMS or STS call names its own quota, an
 * operation throttled on every attempt gives up within its bound (4 min 35 s of waiting by default), and an endpoint
 * that never answers is reported as timed out, with how long. The bound and the timeouts are minutes and seconds of
 * the host's clock: the host runs with the test preload that makes its time pass 30 times faster.
 */
import * as path from "node:path";
import { expect } from "chai";
import { ownerFor, ProviderHost, urnOf } from "../../lab/host";
import { linkedHostedMoto } from "../support/integration";

const LAPSE = 30;
const TIME_LAPSE = { NODE_OPTIONS: `--require ${path.join(__dirname, "..", "support", "time-lapse.js")}`, TEST_TIME_LAPSE: String(LAPSE) };

describe("provider host: throttling and timeouts", function () {
    const env = linkedHostedMoto();

    /** A database on its own key, and a second key to put on it. */
    async function databaseAndKey() {
        const [original, key] = await Promise.all([env.fx.createKey(), env.fx.createKey()]);
        const db = (await env.fx.createDatabase(original.arn)).DatabaseName;
        env.proxy.reset();
        return { original, key, db, inputs: { databaseName: db, kmsKeyId: key.arn, owner: ownerFor(db), __provider: env.provider } };
    }

    /** The message of a create that must fail, and how long it took in real seconds. */
    async function failedCreate(host: ProviderHost, db: string, inputs: Record<string, unknown>): Promise<{ message: string; seconds: number }> {
        const started = performance.now();
        const message = await host.create(urnOf(db), inputs).then(
            () => expect.fail("expected create to fail"),
            (e: Error) => e.message,
        );
        return { message, seconds: (performance.now() - started) / 1000 };
    }

    it("names KMS's quota when KMS keeps throttling DescribeKey, writing nothing", async () => {
        const { original, db, inputs } = await databaseAndKey();
        const host = await env.startHost({ "aws:maxRetries": "2" });
        env.proxy.injectAlways("DescribeKey", "throttle");

        const { message } = await failedCreate(host, db, inputs);

        expect(message).to.match(
            /AWS kept throttling the request: 2 attempt\(s\) over \d+ s \(ThrottlingException: injected throttle by the test proxy\)\. The quota that throttled it: KMS requests \(DescribeKey\), per account and region/,
        );
        expect(message).to.not.include("Timestream writes");
        expect(env.proxy.count("DescribeKey")).to.equal(2);
        expect(env.proxy.count("UpdateDatabase")).to.equal(0);
        expect(await env.fx.liveKey(db)).to.equal(original.arn);
    });

    it("names STS's quota when STS keeps throttling GetCallerIdentity, writing nothing", async () => {
        const { original, db, inputs } = await databaseAndKey();
        const host = await env.startHost({ "aws:maxRetries": "2", "aws:allowedAccountIds": JSON.stringify(["123456789012"]) });
        env.proxy.injectAlways("GetCallerIdentity", "throttle");

        const { message } = await failedCreate(host, db, inputs);

        expect(message).to.match(
            /AWS kept throttling the request: 2 attempt\(s\) over \d+ s \(Throttling: injected throttle by the test proxy\)\. The quota that throttled it: STS requests \(AssumeRole, GetCallerIdentity\), per account and region/,
        );
        expect(env.proxy.operations()).to.deep.equal(["GetCallerIdentity", "GetCallerIdentity"]);
        expect(await env.fx.liveKey(db)).to.equal(original.arn);
    });

    it("gives up an operation throttled on every attempt within its bound, over all its calls, by default", async function () {
        this.timeout(120_000);
        const { original, db, inputs } = await databaseAndKey();
        const host = await env.startHost({}, TIME_LAPSE);
        // DescribeDatabase lands after 20 throttled attempts (at most 270 s of backoff, 25 attempts allowed); then every
        // claim check is throttled: each call alone is within its attempts, the operation in all is not.
        env.proxy.inject("DescribeDatabase", ...Array<"throttle">(20).fill("throttle"));
        env.proxy.injectAlways("ListTagsForResource", "throttle");

        const { message, seconds } = await failedCreate(host, db, inputs);

        const [, attempts, waited] = /AWS kept throttling the request: (\d+) attempt\(s\).* The operation gave up after waiting (\d+) s throttled over all its calls/.exec(message) ?? [];
        expect(message).to.include("The quota that throttled it: Timestream reads (DescribeDatabase, ListTagsForResource)");
        expect(message).to.include("another attempt would pass its bound of 275 s (11 s for each of the 25 attempts a throttled call gets)");
        expect(Number(attempts)).to.be.above(0).and.below(25);
        // It gives up when the next backoff (20 s at most) would pass the bound.
        expect(Number(waited)).to.be.at.least(255).and.at.most(275);
        expect(env.proxy.count("DescribeDatabase")).to.equal(21);
        expect(env.proxy.count("ListTagsForResource")).to.equal(Number(attempts));
        expect(env.proxy.count("UpdateDatabase")).to.equal(0);
        // Under five minutes of the host's clock, this machine's own latency (multiplied by the lapse) included.
        expect(seconds * LAPSE, `${seconds} s real`).to.be.below(300);
        expect(await env.fx.liveKey(db)).to.equal(original.arn);
    });

    it("says an endpoint that never answers timed out, after how long, on each of its attempts", async () => {
        const { original, db, inputs } = await databaseAndKey();
        const host = await env.startHost({}, TIME_LAPSE);
        env.proxy.injectAlways("DescribeDatabase", "hang");

        const { message } = await failedCreate(host, db, inputs);

        expect(message).to.match(/failed: the AWS endpoint did not answer in time: the request timed out after 15 s, 3 attempt\(s\) over \d+ s \(TimeoutError: /);
        expect(message).to.not.include("could not be reached");
        expect(env.proxy.count("DescribeDatabase")).to.equal(3);
        expect(await env.fx.liveKey(db)).to.equal(original.arn);
    });
});
