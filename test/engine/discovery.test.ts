/**
 * Timestream endpoint discovery as on AWS: the real provider host runs with no endpoint setting at all, so the SDK
 * asks `ingest.timestream.REGION.amazonaws.com` for DescribeEndpoints and sends every Timestream call to the address
 * it answers. A TLS stand-in on loopback plays AWS's public endpoints (see test/support/aws-standin.ts): it answers
 * DescribeEndpoints itself and forwards every other call through the recording proxy to moto. The engine sees only
 * an error's message, so failures are asserted by the words of their code's advice.
 */
import * as fs from "node:fs";
import { expect } from "chai";
import { AwsStandIn, DiscoveryAnswer } from "../support/aws-standin";
import { Fixtures } from "../../lab/fixtures";
import { linkedProject, ownerFor, ProviderHost, registeredProvider, urnOf } from "../../lab/host";
import { freePort, motoOrSkip } from "../../lab/moto";
import { OTHER_REGION, REGION } from "../support/integration";
import { RecordingProxy } from "../../lab/proxy";

/** The Timestream operations the provider sends to a discovered address (all but DescribeEndpoints). */
const TIMESTREAM_OPERATIONS = ["DescribeDatabase", "UpdateDatabase", "ListTagsForResource", "TagResource", "UntagResource"];

describe("endpoint discovery through the provider host, with no endpoint settings", function () {
    let proxy: RecordingProxy;
    let standIn: AwsStandIn;
    let east: Fixtures;
    let west: Fixtures;
    let project: string;
    let provider: string;
    const hosts: ProviderHost[] = [];

    before(async function () {
        const moto = await motoOrSkip(this);
        proxy = await RecordingProxy.start(moto.endpoint, "aws");
        standIn = await AwsStandIn.start(proxy.endpoint, [REGION, OTHER_REGION]);
        east = new Fixtures(moto.endpoint, REGION);
        west = east.inRegion(OTHER_REGION);
        project = linkedProject();
        provider = await registeredProvider();
    });
    beforeEach(() => {
        proxy?.reset();
        standIn?.reset();
    });
    afterEach(async () => {
        // Each test is one provider process, as each Pulumi command is.
        for (const host of hosts.splice(0)) await host.stop();
        expect(standIn.blocked(), "connections to non-loopback addresses").to.deep.equal([]);
    });
    after(async () => {
        await standIn?.stop();
        await proxy?.stop();
        if (project) fs.rmSync(project, { recursive: true, force: true });
    });

    /** A provider host whose AWS traffic goes to the stand-in, configured with aws:region = REGION. */
    async function startHost(env: Record<string, string | undefined> = standIn.hostEnv(), config: Record<string, string> = {}): Promise<ProviderHost> {
        const host = await ProviderHost.start({ cwd: project, env });
        hosts.push(host);
        await host.configure({ "aws:region": REGION, ...config });
        return host;
    }

    /** check then create, as the engine runs a new resource named after its database; returns the state. */
    async function up(host: ProviderHost, inputs: Record<string, unknown>) {
        const name = String(inputs.databaseName);
        const news = { ...inputs, owner: ownerFor(name), __provider: provider };
        const urn = urnOf(name);
        await host.check(urn, {}, news);
        return (await host.create(urn, news)).properties;
    }

    /** The error message a create of a new database on a new key fails with, and that database. */
    async function failedCreate(host: ProviderHost) {
        const [original, key] = await Promise.all([east.createKey(), east.createKey()]);
        const db = await east.createDatabase(original.arn);
        const message = await up(host, { databaseName: db.DatabaseName, kmsKeyId: key.id }).then(
            () => expect.fail("create succeeded"),
            (e: Error) => e.message,
        );
        return { message, db: db.DatabaseName, original };
    }

    /** Every Timestream call but discovery itself, as [host, operation]. */
    const timestreamHosts = () => standIn.calls.filter((c) => TIMESTREAM_OPERATIONS.includes(c.operation)).map((c) => [c.host, c.operation]);
    const discoveries = () => standIn.callsOf("DescribeEndpoints").map((c) => c.host);

    it("runs with no endpoint setting in the host's environment", () => {
        const env = { ...process.env, ...standIn.hostEnv() };
        const settings = Object.entries(env).filter(([name, value]) => value !== undefined && /ENDPOINT_URL|ENDPOINT_DISCOVERY/.test(name));
        expect(settings).to.deep.equal([]);
    });

    it("discovers once per region per process and sends every Timestream call to the discovered address", async () => {
        const host = await startHost();
        const [eastOld, eastKey, eastNext, westOld, westKey] = await Promise.all([east.createKey(), east.createKey(), east.createKey(), west.createKey(), west.createKey()]);
        const eastDb = (await east.createDatabase(eastOld.arn)).DatabaseName;
        const westDb = (await west.createDatabase(westOld.arn)).DatabaseName;

        const eastState = await up(host, { databaseName: eastDb, kmsKeyId: eastKey.id });
        await up(host, { databaseName: westDb, kmsKeyId: westKey.id, region: OTHER_REGION });
        const read = await host.read(urnOf(eastDb), eastDb, eastState);
        const news = { databaseName: eastDb, kmsKeyId: eastNext.id, owner: ownerFor(eastDb), __provider: provider };
        await host.check(urnOf(eastDb), read.properties, news);
        await host.diff(urnOf(eastDb), eastDb, read.properties, news);
        await host.update(urnOf(eastDb), eastDb, read.properties, news);

        expect(discoveries().sort()).to.deep.equal([`ingest.timestream.${REGION}.amazonaws.com`, `ingest.timestream.${OTHER_REGION}.amazonaws.com`]);
        const eastCell = standIn.discoveredAddress(REGION);
        const westCell = standIn.discoveredAddress(OTHER_REGION);
        // The claim's calls are Timestream calls too, sent to the same discovered address.
        expect(timestreamHosts()).to.deep.equal([
            [eastCell, "DescribeDatabase"],
            [eastCell, "ListTagsForResource"],
            [eastCell, "TagResource"],
            [eastCell, "ListTagsForResource"],
            [eastCell, "UpdateDatabase"],
            [westCell, "DescribeDatabase"],
            [westCell, "ListTagsForResource"],
            [westCell, "TagResource"],
            [westCell, "ListTagsForResource"],
            [westCell, "UpdateDatabase"],
            [eastCell, "DescribeDatabase"],
            [eastCell, "DescribeDatabase"],
            [eastCell, "ListTagsForResource"],
            [eastCell, "UpdateDatabase"],
        ]);
        expect(new Set(standIn.callsOf("DescribeKey").map((c) => c.host))).to.deep.equal(new Set([`kms.${REGION}.amazonaws.com`, `kms.${OTHER_REGION}.amazonaws.com`]));
        // Everything but discovery reached moto through the proxy.
        expect(proxy.count("DescribeEndpoints")).to.equal(0);
        expect(proxy.count()).to.equal(standIn.calls.length - discoveries().length);
        expect(await east.liveKey(eastDb)).to.equal(eastNext.arn);
        expect(await west.liveKey(westDb)).to.equal(westKey.arn);
    });

    it("retries a throttled DescribeEndpoints and goes on, discovering no more", async () => {
        const host = await startHost();
        standIn.answerDiscovery("throttle");
        const [original, key] = await Promise.all([east.createKey(), east.createKey()]);
        const db = (await east.createDatabase(original.arn)).DatabaseName;

        const state = await up(host, { databaseName: db, kmsKeyId: key.id });
        await host.read(urnOf(db), db, state);

        expect(state).to.include({ kmsKeyArn: key.arn });
        expect(discoveries()).to.deep.equal([`ingest.timestream.${REGION}.amazonaws.com`, `ingest.timestream.${REGION}.amazonaws.com`]);
        expect(timestreamHosts().map(([address]) => address)).to.deep.equal(timestreamHosts().map(() => standIn.discoveredAddress(REGION)));
        expect(await east.liveKey(db)).to.equal(key.arn);
    });

    const refusals: [DiscoveryAnswer, RegExp, RegExp][] = [
        ["denied", /AWS denied the request \(endpoint discovery \(DescribeEndpoints\): AccessDeniedException: /, /Give the caller timestream:DescribeEndpoints on Resource "\*"/],
        ["throttle", /AWS kept throttling the request: 3 attempt\(s\) over \d+ s \(endpoint discovery \(DescribeEndpoints\): ThrottlingException: /, /aws:maxRetries/],
    ];
    for (const [answer, problem, advice] of refusals) {
        it(`fails naming DescribeEndpoints and saying what to do when discovery is ${answer === "denied" ? "denied" : "throttled past its attempts (aws:maxRetries 3)"}, writing nothing`, async () => {
            const host = await startHost(standIn.hostEnv(), { "aws:maxRetries": "3" });
            standIn.answerDiscovery(answer, answer, answer);

            const { message, db, original } = await failedCreate(host);

            expect(message).to.match(problem).and.match(advice);
            expect(message).to.include(`create of database "${db}" in ${REGION}`);
            expect(message).to.not.include("provide a custom endpoint");
            expect(proxy.timestreamCalls()).to.deep.equal([]);
            expect(await east.liveKey(db)).to.equal(original.arn);
        });
    }

    it("asks again in a later operation after discovery failed, and succeeds", async () => {
        const host = await startHost();
        standIn.answerDiscovery("denied");
        await failedCreate(host);
        const [original, key] = await Promise.all([east.createKey(), east.createKey()]);
        const db = (await east.createDatabase(original.arn)).DatabaseName;

        expect(await up(host, { databaseName: db, kmsKeyId: key.id })).to.include({ kmsKeyArn: key.arn });
        expect(discoveries()).to.have.length(2);
    });

    it("fails with the unreachable endpoint's advice when DescribeEndpoints cannot be reached", async () => {
        const closedPort = await freePort();
        const host = await startHost(standIn.hostEnv({ unreachable: [`ingest.timestream.${REGION}.amazonaws.com`], closedPort }));

        const { message, db, original } = await failedCreate(host);

        expect(message).to.match(/the AWS endpoint could not be reached \(endpoint discovery \(DescribeEndpoints\): .*ECONNREFUSED/);
        expect(message).to.include("Check the network, DNS and any HTTPS proxy");
        expect(discoveries()).to.deep.equal([]);
        expect(proxy.timestreamCalls()).to.deep.equal([]);
        expect(await east.liveKey(db)).to.equal(original.arn);
    });

    it("tells to unset AWS_ENABLE_ENDPOINT_DISCOVERY or give an endpoint when discovery is switched off", async () => {
        const host = await startHost({ ...standIn.hostEnv(), AWS_ENABLE_ENDPOINT_DISCOVERY: "false" });

        const { message } = await failedCreate(host);

        expect(message).to.match(/endpoint discovery is switched off \(AWS_ENABLE_ENDPOINT_DISCOVERY=false\)/);
        expect(message).to.include("Unset AWS_ENABLE_ENDPOINT_DISCOVERY, or give the resource an endpoint");
        expect(discoveries()).to.deep.equal([]);
    });
});
