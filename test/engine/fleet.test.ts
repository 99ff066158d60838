/**
 * A fleet under AWS throttling (issue 20), through the real provider host against moto behind the proxy's rate
 * limits: Timestream's documented quotas (writes 1 a second, reads 5 a second), both scaled up by one factor to keep
 * the suite short, and told to the provider as an account's raised quotas are. Throttling is a pace: every create
 * lands. Other failures still fail fast.
 */
import { expect } from "chai";
import { Fixtures, Key } from "../../lab/fixtures";
import { ownerFor, ProviderHost } from "../../lab/host";
import { Engine, mapLimit } from "../../lab/lab";
import { freePort } from "../../lab/moto";
import { RecordingProxy, TIMESTREAM_QUOTAS } from "../../lab/proxy";
import { linkedHostedMoto } from "../support/integration";

const FLEET = 20;
const IN_FLIGHT = 16;
// Writes 4 a second, reads 20 a second: the quotas' proportions, four times as fast.
const SCALE = 4;
const LIMITS = { writesPerSecond: TIMESTREAM_QUOTAS.writesPerSecond * SCALE, readsPerSecond: TIMESTREAM_QUOTAS.readsPerSecond * SCALE };
/** The stack config of an account whose quotas are the proxy's. */
const RAISED = { "pulumi-timestream-kms:writesPerSecond": String(LIMITS.writesPerSecond), "pulumi-timestream-kms:readsPerSecond": String(LIMITS.readsPerSecond) };

describe("provider host: a fleet under AWS throttling", function () {
    const env = linkedHostedMoto();
    let provider: string;
    let proxy: RecordingProxy;
    let fx: Fixtures;
    before(() => ({ provider, proxy, fx } = env));

    /** `FLEET` databases on their own original key, and the key the fleet puts on every one. */
    async function databases(): Promise<{ key: Key; names: string[] }> {
        const [original, key] = await Promise.all([fx.createKey(), fx.createKey()]);
        const names = await mapLimit(Array.from({ length: FLEET }), 8, async () => (await fx.createDatabase(original.arn)).DatabaseName);
        return { key, names };
    }

    /** `pulumi up` of one DatabaseKmsKey per database, `IN_FLIGHT` at a time; the outcome of each. */
    async function upFleet(host: ProviderHost, key: Key, names: string[]): Promise<PromiseSettledResult<unknown>[]> {
        const engine = new Engine(host);
        return mapLimit(names, IN_FLIGHT, (db, i) =>
            engine
                .up(`fleet-${i}`, undefined, { databaseName: db, kmsKeyId: key.arn, owner: ownerFor(`fleet-${i}`), __provider: provider })
                .then((value) => ({ status: "fulfilled" as const, value }), (reason: unknown) => ({ status: "rejected" as const, reason })),
        );
    }

    it(`creates ${FLEET} resources ${IN_FLIGHT} at a time under the quotas ×${SCALE} with no failure, every database on the key`, async function () {
        this.timeout(120_000);
        const { key, names } = await databases();
        const host = await env.startHost(RAISED);
        proxy.limitRates(LIMITS);

        const started = performance.now();
        const results = await upFleet(host, key, names);
        const seconds = (performance.now() - started) / 1000;

        const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => String((r.reason as Error).message));
        expect(failures).to.deep.equal([]);
        for (const db of names) expect(await fx.liveKey(db)).to.equal(key.arn);
        const throttled = proxy.calls.filter((c) => c.throttled).length;
        expect(throttled, "AWS throttled the fleet: the test tests something").to.be.above(0);
        const accepted = proxy.calls.filter((c) => !c.throttled && c.service === "timestream");
        const writes = accepted.filter((c) => /^(Update|Tag)/.test(c.operation)).length;
        expect(writes).to.equal(2 * FLEET);
        // The limits' floor is the accepted writes at their rate; pacing keeps the fleet near it (the bench measures how near).
        expect(seconds, `${throttled} throttled answers`).to.be.below(1.5 * (writes / LIMITS.writesPerSecond));
    });

    it("turns the same run into clear throttling failures with aws:maxRetries 1", async function () {
        this.timeout(120_000);
        const { key, names } = await databases();
        const host = await env.startHost({ ...RAISED, "aws:maxRetries": "1" });
        proxy.limitRates(LIMITS);

        const results = await upFleet(host, key, names);

        const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => String((r.reason as Error).message));
        expect(failures.length, "throttled calls get no second attempt").to.be.above(0);
        for (const message of failures) expect(message).to.include("ThrottlingException");
        expect(failures.some((m) => /AWS kept throttling the request: 1 attempt\(s\) over \d+ s .*aws:maxRetries.*--parallel/.test(m))).to.equal(true);
    });

    it("still fails within a minute, after three attempts, when UpdateDatabase keeps answering 500", async function () {
        const [original, key] = await Promise.all([fx.createKey(), fx.createKey()]);
        const db = (await fx.createDatabase(original.arn)).DatabaseName;
        const host = await env.startHost();
        proxy.injectAlways("UpdateDatabase", "500");

        const started = performance.now();
        const error = await new Engine(host)
            .up("fails", undefined, { databaseName: db, kmsKeyId: key.arn, owner: ownerFor("fails"), __provider: provider })
            .then(() => expect.fail("expected the create to fail"), (e: Error) => e);

        expect(performance.now() - started).to.be.below(60_000);
        expect(error.message).to.include("AWS kept failing after 3 attempt(s)");
        expect(proxy.count("UpdateDatabase")).to.equal(3);
    });

    it("still fails within a minute when the endpoint is unreachable", async function () {
        const closed = await freePort();
        const host = await env.startHost({}, { AWS_ENDPOINT_URL: `http://127.0.0.1:${closed}` });

        const started = performance.now();
        const error = await new Engine(host)
            .up("unreachable", undefined, { databaseName: "unreachable-db", kmsKeyId: "alias/unreachable", owner: ownerFor("unreachable"), __provider: provider })
            .then(() => expect.fail("expected the create to fail"), (e: Error) => e);

        expect(performance.now() - started).to.be.below(60_000);
        expect(error.message).to.include("could not be reached").and.include("ECONNREFUSED");
    });
});
