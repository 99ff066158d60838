import { expect } from "chai";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
    AccessDeniedException,
    DescribeDatabaseCommand,
    InternalServerException,
    ListTagsForResourceCommand,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ThrottlingException,
    UpdateDatabaseCommand,
    ValidationException,
} from "@aws-sdk/client-timestream-write";
import { DescribeKeyCommand, KMSClient, KMSServiceException, NotFoundException } from "@aws-sdk/client-kms";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { AwsSession, AwsTarget, DatabaseKmsKeyError, OperationContext, REQUIRED_IAM_ACTIONS, toDatabaseKmsKeyError } from "../../provider/aws";
import { parseKeyRef } from "../../provider/keys";
import { KEY_A, OTHER_REGION, REGION, aliasArn, awsError, database, holdDatabase, keyArn, keyMetadata, knowKey, rejectionOf, useAwsMocks, useCleanAwsEnv, withConfigFile } from "./fixtures";

const TARGET: AwsTarget = { region: REGION };
const CONTEXT: OperationContext = { operation: "create", databaseName: "metrics", region: REGION, kmsKeyId: "alias/metrics" };
const meta = (overrides = {}) => ({ httpStatusCode: 400, attempts: 1, ...overrides });

/** The configured endpoint URL of a client, or undefined when it resolves endpoints itself. */
async function endpointOf(client: { config: { endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path: string }> } }) {
    const e = await client.config.endpoint?.();
    return e && `${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ""}${e.path}`;
}

/** Lets every lookup started so far reach KMS before the mock answers. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("aws", () => {
    const aws = useAwsMocks();
    useCleanAwsEnv();

    describe("AwsSession clients", () => {
        it("returns the same Timestream client for the same region, endpoint and identity", () => {
            const session = new AwsSession();
            const target = { region: REGION, endpoint: "http://127.0.0.1:5000/", identity: { profile: "ops", roles: [] } };
            expect(session.timestream(target)).to.equal(session.timestream({ ...target }));
        });

        it("makes one Timestream client per region, endpoint and identity", () => {
            const session = new AwsSession();
            const clients = [
                TARGET,
                { region: OTHER_REGION },
                { region: REGION, endpoint: "http://127.0.0.1:5000/" },
                { region: REGION, identity: { profile: "ops", roles: [] } },
                { region: REGION, identity: { roles: [{ roleArn: "arn:aws:iam::111111111111:role/x" }] } },
                { region: REGION, identity: { keys: { accessKeyId: "AKIAOTHER", secretAccessKey: "s" }, roles: [] } },
            ].map((t) => session.timestream(t));
            expect(new Set(clients).size).to.equal(6);
        });

        it("returns the same KMS client per region and identity, whatever the Timestream endpoint", () => {
            const session = new AwsSession();
            expect(session.kms(TARGET)).to.equal(session.kms({ region: REGION, endpoint: "http://127.0.0.1:5000/" }));
            expect(session.kms(TARGET)).to.not.equal(session.kms({ region: OTHER_REGION }));
            expect(session.kms(TARGET)).to.not.equal(session.kms({ region: REGION, identity: { profile: "ops", roles: [] } }));
            expect(session.kms(TARGET)).to.not.equal(session.kms({ region: REGION, identity: { roles: [{ roleArn: "arn:aws:iam::111111111111:role/x" }] } }));
        });

        it("gives each session its own clients", () => {
            expect(new AwsSession().timestream(TARGET)).to.not.equal(new AwsSession().timestream(TARGET));
        });

        it("builds clients for the target's region", async () => {
            const session = new AwsSession();
            expect(await session.timestream({ region: OTHER_REGION }).config.region()).to.equal(OTHER_REGION);
            expect(await session.kms({ region: OTHER_REGION }).config.region()).to.equal(OTHER_REGION);
        });

        it("leaves the Timestream endpoint to the SDK (and its discovery) when none is set", async () => {
            const client = new AwsSession().timestream(TARGET);
            expect(client.config.isCustomEndpoint).to.equal(false);
            expect(await endpointOf(client)).to.equal(undefined);
        });

        it("puts the endpoint input in the Timestream client's config", async () => {
            const client = new AwsSession().timestream({ region: REGION, endpoint: "http://127.0.0.1:5000/" });
            expect(client.config.isCustomEndpoint).to.equal(true);
            expect(await endpointOf(client)).to.equal("http://127.0.0.1:5000/");
        });

        it("puts AWS_ENDPOINT_URL in the Timestream client's config", async () => {
            process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:5001/";
            const client = new AwsSession().timestream(TARGET);
            expect(client.config.isCustomEndpoint).to.equal(true);
            expect(await endpointOf(client)).to.equal("http://127.0.0.1:5001/");
        });

        it("prefers AWS_ENDPOINT_URL_TIMESTREAM_WRITE to AWS_ENDPOINT_URL", async () => {
            process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:5001/";
            process.env.AWS_ENDPOINT_URL_TIMESTREAM_WRITE = "http://127.0.0.1:5002/";
            expect(await endpointOf(new AwsSession().timestream(TARGET))).to.equal("http://127.0.0.1:5002/");
        });

        it("prefers the endpoint input to the environment", async () => {
            process.env.AWS_ENDPOINT_URL_TIMESTREAM_WRITE = "http://127.0.0.1:5002/";
            expect(await endpointOf(new AwsSession().timestream({ region: REGION, endpoint: "http://127.0.0.1:5000/" }))).to.equal("http://127.0.0.1:5000/");
        });

        it("leaves configured endpoints out when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true", async () => {
            process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:5001/";
            process.env.AWS_ENDPOINT_URL_TIMESTREAM_WRITE = "http://127.0.0.1:5002/";
            process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = "true";
            const client = new AwsSession().timestream(TARGET);
            expect(client.config.isCustomEndpoint).to.equal(false);
            expect(await endpointOf(client)).to.equal(undefined);
        });

        it("still honours the endpoint input when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true", async () => {
            process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = "true";
            expect(await endpointOf(new AwsSession().timestream({ region: REGION, endpoint: "http://127.0.0.1:5000/" }))).to.equal("http://127.0.0.1:5000/");
        });
    });

    describe("AwsSession.defaultRegion", () => {
        it("returns AWS_REGION, naming it as the source", async () => {
            process.env.AWS_REGION = OTHER_REGION;
            withConfigFile(`[default]\nregion = ${REGION}\n`);
            expect(await new AwsSession().defaultRegion(undefined)).to.deep.equal({ region: OTHER_REGION, source: "AWS_REGION" });
        });

        it("returns the given profile's region, naming the profile, when AWS_REGION is unset", async () => {
            process.env.AWS_PROFILE = "default";
            withConfigFile(`[default]\nregion = ${REGION}\n[profile ops]\nregion = ${OTHER_REGION}\n`);
            expect(await new AwsSession().defaultRegion("ops")).to.deep.equal({ region: OTHER_REGION, source: `profile "ops"'s region` });
        });

        it("names AWS_PROFILE's profile, or default, when no profile is given", async () => {
            withConfigFile(`[default]\nregion = ${REGION}\n[profile ops]\nregion = ${OTHER_REGION}\n`);
            expect(await new AwsSession().defaultRegion(undefined)).to.deep.equal({ region: REGION, source: `profile "default"'s region` });
            process.env.AWS_PROFILE = "ops";
            expect(await new AwsSession().defaultRegion(undefined)).to.deep.equal({ region: OTHER_REGION, source: `profile "ops"'s region` });
        });

        it("reads the profile from the config file given, not AWS_CONFIG_FILE's", async () => {
            withConfigFile(`[profile ops]\nregion = ${REGION}\n`);
            const given = process.env.AWS_CONFIG_FILE!;
            withConfigFile(`[profile ops]\nregion = ${OTHER_REGION}\n`);
            expect(await new AwsSession().defaultRegion("ops", given)).to.deep.equal({ region: REGION, source: `profile "ops"'s region` });
        });

        it("returns EC2 instance metadata's region, naming it, when neither AWS_REGION nor a profile gives one", async () => {
            const asked: string[] = [];
            const imds = http.createServer((req, res) => {
                asked.push(`${req.method} ${req.url}`);
                res.end(req.method === "PUT" ? "imds-token" : OTHER_REGION);
            });
            await new Promise<void>((resolve) => imds.listen(0, "127.0.0.1", resolve));
            process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = `http://127.0.0.1:${(imds.address() as AddressInfo).port}`;
            // The SDK skips instance metadata for a minute after it failed to answer, as it did for earlier tests here.
            const now = Date.now;
            Date.now = () => now() + 120_000;
            try {
                expect(await new AwsSession().defaultRegion(undefined)).to.deep.equal({ region: OTHER_REGION, source: "EC2 instance metadata" });
                expect(asked).to.deep.equal(["PUT /latest/api/token", "GET /latest/meta-data/placement/region"]);
            } finally {
                Date.now = now;
                imds.close();
            }
        });

        it("skips an empty AWS_REGION for the profile's region, and returns undefined when there is none", async () => {
            process.env.AWS_REGION = "";
            expect(await new AwsSession().defaultRegion(undefined)).to.equal(undefined);
            withConfigFile(`[default]\nregion = ${REGION}\n`);
            expect(await new AwsSession().defaultRegion(undefined)).to.deep.equal({ region: REGION, source: `profile "default"'s region` });
        });

        it("returns undefined when no region is set anywhere", async () => {
            expect(await new AwsSession().defaultRegion(undefined)).to.equal(undefined);
        });

        it("asks the chain once per profile and config file", async () => {
            const session = new AwsSession();
            process.env.AWS_REGION = REGION;
            const first = await session.defaultRegion("ops");
            process.env.AWS_REGION = OTHER_REGION;
            expect(await session.defaultRegion("ops")).to.equal(first);
            expect(await session.defaultRegion("other")).to.deep.equal({ region: OTHER_REGION, source: "AWS_REGION" });
        });
    });

    describe("AwsSession answers without the field asked for", () => {
        it("fails callerAccount, naming STS, when GetCallerIdentity answers without Account", async () => {
            aws.sts.on(GetCallerIdentityCommand).resolves({});
            const error = await rejectionOf(new AwsSession().callerAccount(TARGET, CONTEXT));
            expect(error).to.include({ code: "Failed" });
            expect(error.message).to.include("Error: STS GetCallerIdentity answered without Account");
            expect(aws.sts.commandCalls(GetCallerIdentityCommand)).to.have.length(1);
        });

        it("reads no tags when ListTagsForResource answers without Tags", async () => {
            aws.timestream.on(ListTagsForResourceCommand).resolves({});
            const arn = "arn:aws:timestream:us-east-1:111122223333:database/metrics";
            expect(await new AwsSession().listTags(TARGET, CONTEXT, arn)).to.deep.equal([]);
            expect(aws.timestream.commandCalls(ListTagsForResourceCommand).map((c) => c.args[0].input)).to.deep.equal([{ ResourceARN: arn }]);
        });
    });

    describe("AwsSession.describeDatabase and updateDatabase", () => {
        it("sends DescribeDatabase for the context's database and returns it", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            const db = await new AwsSession().describeDatabase(TARGET, CONTEXT);
            expect(db?.KmsKeyId).to.equal(keyArn(KEY_A));
            expect(aws.timestream.commandCalls(DescribeDatabaseCommand).map((c) => c.args[0].input)).to.deep.equal([{ DatabaseName: "metrics" }]);
        });

        it("returns undefined for a database that does not exist", async () => {
            expect(await new AwsSession().describeDatabase(TARGET, CONTEXT)).to.equal(undefined);
            expect(aws.timestream.commandCalls(DescribeDatabaseCommand)).to.have.length(1);
        });

        it("maps any other DescribeDatabase failure to a DatabaseKmsKeyError", async () => {
            aws.timestream.on(DescribeDatabaseCommand).rejects(awsError(AccessDeniedException, "no", meta()));
            const error = await rejectionOf(new AwsSession().describeDatabase(TARGET, CONTEXT));
            expect(error).to.include({ code: "AccessDenied" });
        });

        it("sends UpdateDatabase with the database and key and returns the database it reports", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            const db = await new AwsSession().updateDatabase(TARGET, CONTEXT, keyArn("other"));
            expect(db.KmsKeyId).to.equal(keyArn("other"));
            expect(aws.timestream.commandCalls(UpdateDatabaseCommand).map((c) => c.args[0].input)).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn("other") }]);
        });

        it("maps an UpdateDatabase failure to a DatabaseKmsKeyError", async () => {
            const error = await rejectionOf(new AwsSession().updateDatabase(TARGET, CONTEXT, keyArn(KEY_A)));
            expect(error).to.include({ code: "DatabaseNotFound" });
        });
    });

    describe("AwsSession.describeKey", () => {
        const lookUp = (session: AwsSession, value: string, target = TARGET, context = CONTEXT) => session.describeKey(target, context, parseKeyRef(value)!);

        it("asks KMS once for many lookups of one key by key ID and key ARN in one operation", async () => {
            knowKey(aws, keyMetadata(KEY_A), KEY_A, keyArn(KEY_A));
            const session = new AwsSession();
            const answers = [];
            for (const value of [KEY_A, keyArn(KEY_A), KEY_A, keyArn(KEY_A), KEY_A]) answers.push(await lookUp(session, value));
            expect(answers.map((a) => a.Arn)).to.deep.equal(answers.map(() => keyArn(KEY_A)));
            expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: KEY_A }]);
        });

        it("asks for an alias once in one operation, then answers its key's ID and ARN from that answer", async () => {
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics", KEY_A, keyArn(KEY_A));
            const session = new AwsSession();
            await lookUp(session, "alias/metrics");
            await lookUp(session, "alias/metrics");
            await lookUp(session, KEY_A);
            await lookUp(session, keyArn(KEY_A));
            expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: "alias/metrics" }]);
        });

        it("asks again for an alias after its key was looked up, since the alias may point elsewhere", async () => {
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics", KEY_A);
            const session = new AwsSession();
            await lookUp(session, KEY_A);
            await lookUp(session, "alias/metrics");
            expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: KEY_A }, { KeyId: "alias/metrics" }]);
        });

        it("keeps same-named aliases of different accounts apart", async () => {
            knowKey(aws, keyMetadata(KEY_A), aliasArn("metrics"), "arn:aws:kms:us-east-1:444455556666:alias/metrics");
            const session = new AwsSession();
            await lookUp(session, aliasArn("metrics"));
            await lookUp(session, "arn:aws:kms:us-east-1:444455556666:alias/metrics");
            expect(aws.kms.commandCalls(DescribeKeyCommand)).to.have.length(2);
        });

        it("asks once per region, since a multi-Region key has the same ID in each", async () => {
            const mrk = "mrk-1234abcd12ab34cd56ef1234567890ab";
            knowKey(aws, keyMetadata(mrk), mrk);
            const session = new AwsSession();
            await lookUp(session, mrk, TARGET);
            await lookUp(session, mrk, { region: OTHER_REGION });
            const regions = await Promise.all(aws.kms.commandCalls(DescribeKeyCommand).map((c) => (c.thisValue as KMSClient).config.region()));
            expect(regions).to.deep.equal([REGION, OTHER_REGION]);
        });

        it("does not keep a lookup that failed for a passing reason", async () => {
            const session = new AwsSession();
            aws.kms.on(DescribeKeyCommand).rejectsOnce(new KMSServiceException({ name: "KMSInternalException", $fault: "server", message: "boom", $metadata: { httpStatusCode: 500 } }));
            const first = await rejectionOf(lookUp(session, "alias/metrics"));
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            const second = await lookUp(session, "alias/metrics");
            expect(first).to.include({ code: "Unavailable" });
            expect(second.Arn).to.equal(keyArn(KEY_A));
            expect(aws.kms.commandCalls(DescribeKeyCommand)).to.have.length(2);
        });

        it("asks again after 'no such key', since the key or alias may be created while Pulumi runs", async () => {
            const session = new AwsSession();
            const first = await rejectionOf(session.describeKey({ region: REGION }, { operation: "check", databaseName: "one", region: REGION }, parseKeyRef("alias/new")!));
            knowKey(aws, keyMetadata(KEY_A), "alias/new");
            const second = await session.describeKey({ region: REGION }, { operation: "create", databaseName: "one", region: REGION }, parseKeyRef("alias/new")!);
            expect(first).to.include({ code: "KeyNotFound" });
            expect(second.Arn).to.equal(keyArn(KEY_A));
            expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: "alias/new" }, { KeyId: "alias/new" }]);
        });

        it("shares an alias name's answer with the same alias's ARN", async () => {
            const session = new AwsSession();
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            const byName = await lookUp(session, "alias/metrics");
            const byArn = await lookUp(session, aliasArn("metrics"));
            expect(byArn).to.equal(byName);
            expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: "alias/metrics" }]);
        });

        it("asks KMS again in the next operation: no answer outlives the operation that asked", async () => {
            const session = new AwsSession();
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            const first = await lookUp(session, "alias/metrics", TARGET, { ...CONTEXT, operation: "diff" });
            knowKey(aws, keyMetadata("other"), "alias/metrics");
            const second = await lookUp(session, "alias/metrics", TARGET, { ...CONTEXT, operation: "diff" });
            expect([first.KeyId, second.KeyId]).to.deep.equal([KEY_A, "other"]);
            expect(aws.kms.commandCalls(DescribeKeyCommand)).to.have.length(2);
        });

        it("shares one call between operations whose lookups are in flight at the same moment, then asks again", async () => {
            const pending: ((value: unknown) => void)[] = [];
            aws.kms.on(DescribeKeyCommand).callsFake(() => new Promise((resolve) => pending.push(resolve)));
            const session = new AwsSession();
            const both = Promise.all([CONTEXT, { ...CONTEXT, databaseName: "orders" }].map((context) => lookUp(session, "alias/metrics", TARGET, context)));
            await tick();
            for (const answer of pending.splice(0)) answer({ KeyMetadata: keyMetadata(KEY_A) });
            await both;
            const later = lookUp(session, "alias/metrics", TARGET, { ...CONTEXT });
            await tick();
            for (const answer of pending.splice(0)) answer({ KeyMetadata: keyMetadata(KEY_A) });
            await later;
            expect(aws.kms.commandCalls(DescribeKeyCommand)).to.have.length(2);
        });

        it("keeps answers for refresh for the whole session, apart from other operations' answers", async () => {
            const session = new AwsSession();
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            await session.describeKeyForRefresh(TARGET, { ...CONTEXT, operation: "read" }, parseKeyRef(keyArn(KEY_A))!);
            await session.describeKeyForRefresh(TARGET, { ...CONTEXT, operation: "read", databaseName: "orders" }, parseKeyRef(keyArn(KEY_A))!);
            await lookUp(session, keyArn(KEY_A));
            expect(aws.kms.commandCalls(DescribeKeyCommand)).to.have.length(2);
        });

        it("does not keep a failed lookup for refresh", async () => {
            const session = new AwsSession();
            const read = { ...CONTEXT, operation: "read" };
            const first = await rejectionOf(session.describeKeyForRefresh(TARGET, read, parseKeyRef(keyArn(KEY_A))!));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            const second = await session.describeKeyForRefresh(TARGET, read, parseKeyRef(keyArn(KEY_A))!);
            expect(first).to.include({ code: "KeyNotFound" });
            expect(second.KeyId).to.equal(KEY_A);
            expect(aws.kms.commandCalls(DescribeKeyCommand)).to.have.length(2);
        });

        it("fails with Failed, not a TypeError, when KMS answers without KeyMetadata", async () => {
            aws.kms.on(DescribeKeyCommand).resolves({});
            const error = await rejectionOf(lookUp(new AwsSession(), KEY_A));
            expect(error).to.include({ code: "Failed" });
            expect(error.message).to.include("without KeyMetadata");
        });

        it("shares one call among parallel lookups of one key", async () => {
            const pending: ((value: unknown) => void)[] = [];
            aws.kms.on(DescribeKeyCommand).callsFake(() => new Promise((resolve) => pending.push(resolve)));
            const session = new AwsSession();
            const lookups = Promise.all([KEY_A, keyArn(KEY_A), KEY_A, KEY_A].map((v) => lookUp(session, v)));
            await tick();
            for (const answer of pending) answer({ KeyMetadata: keyMetadata(KEY_A) });
            expect((await lookups).map((k) => k.KeyId)).to.deep.equal([KEY_A, KEY_A, KEY_A, KEY_A]);
            expect(aws.kms.commandCalls(DescribeKeyCommand)).to.have.length(1);
        });

        it("names each caller's own database when a shared lookup fails", async () => {
            const session = new AwsSession();
            const errors = await Promise.all(
                ["metrics", "orders"].map((db) => lookUp(session, "alias/gone", TARGET, { ...CONTEXT, databaseName: db }).catch((e: Error) => e.message)),
            );
            expect(errors[0]).to.include('database "metrics"');
            expect(errors[1]).to.include('database "orders"');
            expect(aws.kms.commandCalls(DescribeKeyCommand)).to.have.length(1);
        });
    });

    describe("toDatabaseKmsKeyError", () => {
        const networkError = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5000"), { code: "ECONNREFUSED" });
        const credentialsError = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
        const timeoutError = Object.assign(new Error("Connection timed out after 5000 ms"), { name: "TimeoutError" });
        // The SDK's own words (credential-provider-sso, token-providers, middleware-endpoint-discovery).
        const ssoExpired = Object.assign(
            new Error("The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login with the corresponding profile."),
            { name: "CredentialsProviderError" },
        );
        const tokenExpired = Object.assign(new Error("Token is expired. To refresh this SSO session run 'aws sso login' with the corresponding profile."), {
            name: "TokenProviderError",
        });
        const discoveryFailure = (reason: unknown) =>
            Object.assign(new Error("The operation to discover endpoint failed. Please retry, or provide a custom endpoint and disable endpoint discovery to proceed."), {
                reason,
            });
        const samples: [string, unknown, string, RegExp][] = [
            ["AccessDeniedException", awsError(AccessDeniedException, "not authorized", meta()), "AccessDenied", /AWS denied the request/],
            ["UnrecognizedClientException", Object.assign(new Error("bad token"), { name: "UnrecognizedClientException" }), "BadCredentials", /AWS rejected the credentials.*Refresh them/],
            ["ExpiredTokenException", Object.assign(new Error("expired"), { name: "ExpiredTokenException" }), "BadCredentials", /credentials have expired.*Renew them/],
            ["ServiceQuotaExceededException", awsError(ServiceQuotaExceededException, "quota", meta()), "GrantLimit", /a quota of the account was exceeded/],
            ["ResourceNotFoundException", awsError(ResourceNotFoundException, "no db", meta()), "DatabaseNotFound", /the database does not exist/],
            ["NotFoundException", awsError(NotFoundException, "Invalid keyId", meta()), "KeyNotFound", /KMS has no such key or alias in us-east-1/],
            ["ValidationException", awsError(ValidationException, "bad key", meta()), "Rejected", /AWS rejected the request/],
            ["ThrottlingException", awsError(ThrottlingException, "slow down", meta({ attempts: 3 })), "Unavailable", /kept throttling the request: 3 attempt\(s\).*aws:maxRetries.*--parallel/],
            ["STS's Throttling", Object.assign(new Error("Rate exceeded"), { name: "Throttling", $metadata: { httpStatusCode: 400, attempts: 25 } }), "Unavailable", /kept throttling the request: 25 attempt\(s\).*aws:maxRetries/],
            ["a 429", Object.assign(new Error("Too Many Requests"), { name: "Unknown", $metadata: { httpStatusCode: 429, attempts: 2 } }), "Unavailable", /kept throttling the request: 2 attempt\(s\)/],
            ["a 500", awsError(InternalServerException, "boom", meta({ httpStatusCode: 500, attempts: 3 })), "Unavailable", /after 3 attempt\(s\).*HTTP 500/],
            ["ECONNREFUSED", networkError, "Unreachable", /could not be reached.*ECONNREFUSED/],
            ["EHOSTUNREACH", Object.assign(new Error("connect EHOSTUNREACH 10.0.0.1:443"), { code: "EHOSTUNREACH" }), "Unreachable", /could not be reached.*EHOSTUNREACH/],
            ["ENETUNREACH", Object.assign(new Error("connect ENETUNREACH 10.0.0.1:443"), { code: "ENETUNREACH" }), "Unreachable", /could not be reached.*ENETUNREACH/],
            ["TimeoutError", timeoutError, "Unreachable", /: the AWS endpoint did not answer in time: the request timed out after 5 s, 1 attempt\(s\) \(TimeoutError: Connection timed out after 5000 ms\)\. Check the endpoint/],
            ["CredentialsProviderError", credentialsError, "NoCredentials", /no AWS credentials were found/],
            ["an expired SSO session", ssoExpired, "BadCredentials", /credentials have expired.*aws sso login/],
            ["an expired SSO token", tokenExpired, "BadCredentials", /credentials have expired.*aws sso login/],
            ["a denied DescribeEndpoints", discoveryFailure(awsError(AccessDeniedException, "not authorized", meta())), "AccessDenied", /DescribeEndpoints.*Give the caller timestream:DescribeEndpoints/],
            ["an unreachable DescribeEndpoints", discoveryFailure(networkError), "Unreachable", /could not be reached \(endpoint discovery \(DescribeEndpoints\): .*ECONNREFUSED/],
            ["a throttled DescribeEndpoints", discoveryFailure(awsError(ThrottlingException, "slow down", meta({ attempts: 3 }))), "Unavailable", /3 attempt\(s\) \(endpoint discovery/],
            ["DescribeEndpoints with expired credentials", discoveryFailure(Object.assign(new Error("expired"), { name: "ExpiredTokenException" })), "BadCredentials", /have expired/],
            ["DescribeEndpoints with no credentials", discoveryFailure(credentialsError), "NoCredentials", /no AWS credentials were found/],
            ["any other DescribeEndpoints failure", discoveryFailure(Object.assign(new Error("odd"), { name: "ConflictException" })), "Failed", /endpoint discovery \(DescribeEndpoints\): ConflictException: odd\. Retry/],
            ["an error wrapped as a cause", new Error("fetch failed", { cause: networkError }), "Unreachable", /could not be reached \(Error: connect ECONNREFUSED/],
            ["an unknown error", Object.assign(new Error("odd"), { name: "ConflictException" }), "Failed", /failed: ConflictException: odd$/],
            ["a thrown string", "plain string", "Failed", /failed: Error: plain string$/],
        ];

        for (const [what, cause, code, says] of samples) {
            it(`maps ${what} to ${code}, keeping it as the cause`, () => {
                const error = toDatabaseKmsKeyError(cause, CONTEXT);
                expect(error).to.be.instanceOf(DatabaseKmsKeyError).and.instanceOf(Error);
                expect(error).to.include({ code, name: "DatabaseKmsKeyError", cause });
                expect(error.message).to.match(says);
            });
        }

        it("names the operation, database, region and key in every message", () => {
            for (const [what, cause] of samples) {
                expect(toDatabaseKmsKeyError(cause, CONTEXT).message, what).to.match(/^create of database "metrics" in us-east-1 with KMS key "alias\/metrics" failed: /);
            }
        });

        it("lists every IAM action the provider needs on AccessDenied", () => {
            const message = toDatabaseKmsKeyError(awsError(AccessDeniedException, "no", meta()), CONTEXT).message;
            for (const action of REQUIRED_IAM_ACTIONS) expect(message).to.include(action);
            expect(REQUIRED_IAM_ACTIONS).to.include.members([
                "timestream:DescribeEndpoints",
                "timestream:DescribeDatabase",
                "timestream:UpdateDatabase",
                "timestream:ListTagsForResource",
                "timestream:TagResource",
                "timestream:UntagResource",
                "kms:DescribeKey",
                "kms:CreateGrant",
            ]);
        });

        it("says an expired SSO session has expired, not that no credentials were found", () => {
            const message = toDatabaseKmsKeyError(ssoExpired, CONTEXT).message;
            expect(message).to.include("have expired").and.include("aws sso login");
            expect(message).to.not.include("no AWS credentials were found");
        });

        it("names only timestream:DescribeEndpoints when endpoint discovery is denied, and drops the SDK's advice", () => {
            const message = toDatabaseKmsKeyError(discoveryFailure(awsError(AccessDeniedException, "not authorized", meta())), CONTEXT).message;
            expect(message).to.include("timestream:DescribeEndpoints").and.not.include("kms:CreateGrant");
            expect(message).to.not.include("discover endpoint failed");
        });

        it("keeps the SDK's wrapper as the cause of an unwrapped discovery failure", () => {
            const wrapper = discoveryFailure(awsError(AccessDeniedException, "not authorized", meta()));
            expect(toDatabaseKmsKeyError(wrapper, CONTEXT).cause).to.equal(wrapper);
        });

        it("says ServiceQuotaExceededException is a quota of the account, with the key's grants one possible cause", () => {
            const message = toDatabaseKmsKeyError(awsError(ServiceQuotaExceededException, "quota", meta()), { ...CONTEXT, operation: "update" }).message;
            expect(message).to.match(/a quota of the account was exceeded: check the account's Timestream and KMS quotas/);
            expect(message).to.match(/One possible cause is the key's KMS grants/);
            expect(message).to.not.match(/This is the KMS grant limit/);
        });

        it("tells to unset AWS_ENABLE_ENDPOINT_DISCOVERY or give an endpoint when discovery is switched off", () => {
            process.env.AWS_ENABLE_ENDPOINT_DISCOVERY = "false";
            const sdkError = new Error("Endpoint Discovery is disabled but DescribeDatabaseCommand on TimestreamWriteClient requires it. Please check your configurations.");
            const error = toDatabaseKmsKeyError(sdkError, CONTEXT);
            expect(error).to.include({ code: "NoEndpoint", cause: sdkError });
            expect(error.message).to.match(/endpoint discovery is switched off \(AWS_ENABLE_ENDPOINT_DISCOVERY=false\)/);
            expect(error.message).to.match(/Unset AWS_ENABLE_ENDPOINT_DISCOVERY, or give the resource an endpoint/);
        });

        it("names the config file setting when no variable switched discovery off", () => {
            const error = toDatabaseKmsKeyError(new Error("Endpoint Discovery is disabled but DescribeDatabaseCommand on TimestreamWriteClient requires it."), CONTEXT);
            expect(error.message).to.match(/switched off \(endpoint_discovery_enabled in the AWS config file\).*Unset endpoint_discovery_enabled/);
        });

        it("leaves the key out of the message when the context has none", () => {
            const error = toDatabaseKmsKeyError(new Error("odd"), { ...CONTEXT, kmsKeyId: undefined });
            expect(error.message).to.equal('create of database "metrics" in us-east-1 failed: Error: odd');
        });

        it("returns a DatabaseKmsKeyError unchanged", () => {
            const original = toDatabaseKmsKeyError(new Error("odd"), CONTEXT);
            expect(toDatabaseKmsKeyError(original, { ...CONTEXT, databaseName: "other" })).to.equal(original);
        });
    });
});
