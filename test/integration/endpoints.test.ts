/**
 * Endpoints against moto, through the recording proxy, with no
 * AWS_ENDPOINT_URL: the Timestream endpoint comes from the `endpoint` input or
 * from AWS_ENDPOINT_URL_TIMESTREAM_WRITE, the KMS endpoint from
 * AWS_ENDPOINT_URL_KMS. Either Timestream setting must turn endpoint discovery
 * off, which the SDK does only for an endpoint in the client config. `aws:endpoints` stack config sets all three
 * services; an endpoint that would carry signed requests in clear is refused wherever it comes from.
 */
import { expect } from "chai";
import type { DatabaseKmsKeyInputs } from "../../provider/lifecycle";
import { Fixtures } from "../../lab/fixtures";
import { motoOrSkip } from "../../lab/moto";
import { RecordingProxy } from "../../lab/proxy";
import { claimTags, configuredProvider, inputsOf, OWNER, REGION, rejectionOf, restoreEnv } from "../support/integration";

// The settings through which the SDK picks endpoints; each test sets its own.
const ENDPOINT_SETTINGS = ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL_TIMESTREAM_WRITE", "AWS_ENDPOINT_URL_STS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"];

/** Where a test points Timestream: extra inputs, or an environment variable, at the proxy's endpoint. */
const TIMESTREAM_ENDPOINTS: [string, (proxy: string) => Partial<DatabaseKmsKeyInputs>, string | undefined][] = [
    ["the endpoint input", (proxy) => ({ endpoint: proxy }), undefined],
    ["AWS_ENDPOINT_URL_TIMESTREAM_WRITE", () => ({}), "AWS_ENDPOINT_URL_TIMESTREAM_WRITE"],
];

describe("DatabaseKmsKeyProvider endpoints without AWS_ENDPOINT_URL (proxy in aws mode)", function () {
    let proxy: RecordingProxy;
    let fx: Fixtures;
    let saved: Record<string, string | undefined> = {};

    before(async function () {
        const moto = await motoOrSkip(this);
        proxy = await RecordingProxy.start(moto.endpoint, "aws");
        fx = new Fixtures(moto.endpoint, REGION);
    });
    beforeEach(() => {
        proxy.reset();
        saved = Object.fromEntries(ENDPOINT_SETTINGS.map((name) => [name, process.env[name]]));
        for (const name of ENDPOINT_SETTINGS) delete process.env[name];
        process.env.AWS_ENDPOINT_URL_KMS = proxy.endpoint;
    });
    afterEach(() => {
        for (const name of ENDPOINT_SETTINGS) restoreEnv(name, saved[name]);
    });
    after(async () => {
        await proxy?.stop();
    });

    for (const [source, extraInputs, variable] of TIMESTREAM_ENDPOINTS) {
        it(`adopts a database through ${source} and AWS_ENDPOINT_URL_KMS, with endpoint discovery off`, async () => {
            const previous = await fx.createKey();
            const { DatabaseName: db } = await fx.createDatabase(previous.arn);
            const key = await fx.createKey();
            if (variable !== undefined) process.env[variable] = proxy.endpoint;
            const provider = await configuredProvider();

            const { id, outs } = await provider.create({ databaseName: db, kmsKeyId: key.id, owner: OWNER, ...extraInputs(proxy.endpoint) });

            expect(id).to.equal(db);
            expect(outs).to.include({ kmsKeyArn: key.arn, previousKmsKeyArn: previous.arn, region: REGION, owner: OWNER, ...extraInputs(proxy.endpoint) });
            // The first two calls of create go out at once, so their order is not fixed; the claim's calls and
            // UpdateDatabase come after both, through the same Timestream endpoint.
            expect(proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource", "ListTagsForResource", "TagResource", "UpdateDatabase"]);
            expect(proxy.operations().slice(2)).to.deep.equal(["ListTagsForResource", "TagResource", "ListTagsForResource", "UpdateDatabase"]);
            expect(proxy.count("DescribeEndpoints")).to.equal(0);
            expect(proxy.calls.map((c) => [c.service, c.region])).to.have.deep.members([
                ["timestream", REGION],
                ["kms", REGION],
                ["timestream", REGION],
                ["timestream", REGION],
                ["timestream", REGION],
                ["timestream", REGION],
            ]);
            expect(inputsOf(proxy, "TagResource")).to.deep.equal([{ ResourceARN: outs.databaseArn, Tags: claimTags(previous.arn) }]);
            expect(proxy.calls.filter((c) => c.operation === "UpdateDatabase").map((c) => c.input)).to.deep.equal([{ DatabaseName: db, KmsKeyId: key.arn }]);
            expect(await fx.liveKey(db)).to.equal(key.arn);
        });
    }

    it("sends Timestream, KMS and STS calls to the endpoints of aws:endpoints stack config, with endpoint discovery off", async () => {
        delete process.env.AWS_ENDPOINT_URL_KMS;
        const previous = await fx.createKey();
        const { DatabaseName: db } = await fx.createDatabase(previous.arn);
        const key = await fx.createKey();
        const endpoints = JSON.stringify([{ timestreamwrite: proxy.endpoint, kms: proxy.endpoint, sts: proxy.endpoint }]);
        const provider = await configuredProvider({ "aws:region": REGION, "aws:endpoints": endpoints, "aws:allowedAccountIds": JSON.stringify(["123456789012"]) });

        const { outs } = await provider.create({ databaseName: db, kmsKeyId: key.id, owner: OWNER });

        expect(outs.kmsKeyArn).to.equal(key.arn);
        expect(proxy.sortedOperations()).to.deep.equal(["DescribeDatabase", "DescribeKey", "GetCallerIdentity", "ListTagsForResource", "ListTagsForResource", "TagResource", "UpdateDatabase"]);
        expect(proxy.count("DescribeEndpoints")).to.equal(0);
    });

    it("refuses, before any call, a plain-http endpoint of another machine from the input, aws:endpoints or AWS_ENDPOINT_URL*", async () => {
        const plain = "http://timestream.corp.example:8080";
        const inputs = { databaseName: "metrics", kmsKeyId: "alias/metrics", owner: OWNER };
        const viaInput = await (await configuredProvider()).check({}, { ...inputs, endpoint: plain });
        expect(viaInput.failures.map((f) => f.property)).to.deep.equal(["endpoint"]);
        const viaConfig = await rejectionOf((await configuredProvider({ "aws:region": REGION, "aws:endpoints": JSON.stringify([{ kms: plain }]) })).create(inputs));
        expect(viaConfig).to.include({ code: "InvalidConfig" });
        expect(viaConfig.message).to.include("aws:endpoints kms").and.include("must use https");
        process.env.AWS_ENDPOINT_URL_KMS = plain;
        const viaEnvironment = await rejectionOf((await configuredProvider()).create(inputs));
        expect(viaEnvironment).to.include({ code: "InvalidConfig" });
        expect(viaEnvironment.message).to.include("AWS_ENDPOINT_URL_KMS").and.include("must use https");
        expect(proxy.calls).to.deep.equal([]);
    });
});
