import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { DescribeKeyCommand, KMSClient, KMSServiceException } from "@aws-sdk/client-kms";
import { DatabaseKmsKeyInputs } from "../../../provider/lifecycle";
import { UNKNOWN } from "../../../lab/host";
import { KEY_A, OTHER_REGION, REGION, aliasArn, configuredProvider, keyArn, keyMetadata, knowKey, rejectionOf, useAwsMocks, useCleanAwsEnv, withConfigFile, OWNER } from "../fixtures";

const VALID: DatabaseKmsKeyInputs = { databaseName: "metrics", kmsKeyId: "alias/metrics", region: REGION, owner: OWNER };

describe("DatabaseKmsKeyProvider.check", () => {
    const aws = useAwsMocks();
    useCleanAwsEnv();

    /** Every AWS call the provider made, by command name. */
    const awsCalls = () => [...aws.timestream.calls(), ...aws.kms.calls()].map((c) => c.args[0].constructor.name);
    async function check(news: object, olds: object = {}, config: Record<string, string> = {}) {
        const { inputs, failures } = await (await configuredProvider(config)).check(olds, news as Partial<DatabaseKmsKeyInputs>);
        return { inputs, failures: failures! };
    }

    describe("input rules", () => {
        const cases: [string, Record<string, unknown>, string][] = [
            ["databaseName is shorter than 3 characters", { databaseName: "ab" }, "databaseName"],
            ["databaseName is longer than 256 characters", { databaseName: "d".repeat(257) }, "databaseName"],
            ["databaseName has a space", { databaseName: "my metrics" }, "databaseName"],
            ["databaseName has a slash", { databaseName: "team/metrics" }, "databaseName"],
            ["databaseName is missing", { databaseName: undefined }, "databaseName"],
            ["databaseName is not a string", { databaseName: 42 }, "databaseName"],
            ["kmsKeyId is missing", { kmsKeyId: undefined }, "kmsKeyId"],
            ["kmsKeyId is not a string", { kmsKeyId: { arn: keyArn(KEY_A) } }, "kmsKeyId"],
            ["kmsKeyId is empty", { kmsKeyId: "" }, "kmsKeyId"],
            ["kmsKeyId is longer than 2048 characters", { kmsKeyId: `alias/${"a".repeat(2043)}` }, "kmsKeyId"],
            ["kmsKeyId is a key ID that is not a UUID", { kmsKeyId: "default_key" }, "kmsKeyId"],
            ["kmsKeyId is an alias with a space", { kmsKeyId: "alias/my key" }, "kmsKeyId"],
            ["kmsKeyId is an ARN of another service", { kmsKeyId: "arn:aws:s3:::metrics" }, "kmsKeyId"],
            ["kmsKeyId is a KMS ARN with a short account", { kmsKeyId: `arn:aws:kms:${REGION}:1234:key/${KEY_A}` }, "kmsKeyId"],
            ["region is upper case", { region: "US-EAST-1" }, "region"],
            ["region has no number", { region: "us-east" }, "region"],
            ["region is not a string", { region: 1 }, "region"],
            ["endpoint is not a URL", { endpoint: "localhost:5000" }, "endpoint"],
            ["endpoint is not http(s)", { endpoint: "ftp://127.0.0.1/" }, "endpoint"],
            ["onDelete is another word", { onDelete: "destroy" }, "onDelete"],
            ["owner is missing", { owner: undefined }, "owner"],
            ["owner is longer than a tag value (256 characters)", { owner: `p/s/${"n".repeat(253)}` }, "owner"],
            ["owner has a character tags do not allow", { owner: "p/s/key#1" }, "owner"],
            ["owner is empty", { owner: "" }, "owner"],
            ["takeOver is not a boolean", { takeOver: "yes" }, "takeOver"],
            ["recordOwnership is not a boolean", { recordOwnership: 0 }, "recordOwnership"],
        ];

        for (const [what, change, property] of cases) {
            it(`fails ${property} when ${what}, without an AWS call`, async () => {
                const { failures } = await check({ ...VALID, ...change });
                expect(failures.map((f) => f.property)).to.deep.equal([property]);
                expect(failures[0].reason).to.include(property);
                expect(awsCalls()).to.deep.equal([]);
            });
        }

        it("says an optional input that is not a string must be one, without calling it required", async () => {
            const { failures } = await check({ ...VALID, region: 1 });
            expect(failures).to.deep.equal([{ property: "region", reason: "region must be a string" }]);
        });

        it("accepts a region whose first part has four letters (eusc-de-east-1)", async () => {
            knowKey(aws, keyMetadata(KEY_A, { Arn: keyArn(KEY_A, "eusc-de-east-1") }), "alias/metrics");
            expect((await check({ ...VALID, region: "eusc-de-east-1" })).failures).to.deep.equal([]);
        });

        it("reports every bad input at once", async () => {
            const { failures } = await check({ databaseName: "x", kmsKeyId: "k", region: "r", endpoint: "e", onDelete: "o", owner: "", takeOver: 1, recordOwnership: "no" });
            expect(failures.map((f) => f.property)).to.deep.equal(["databaseName", "kmsKeyId", "region", "endpoint", "onDelete", "owner", "takeOver", "recordOwnership"]);
            expect(awsCalls()).to.deep.equal([]);
        });

        it("accepts the largest database name and every optional input", async () => {
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            const news = { ...VALID, databaseName: `a.b_c-${"d".repeat(250)}`, endpoint: "https://127.0.0.1:5000/", onDelete: "restore", takeOver: true, recordOwnership: true };
            expect(await check(news)).to.deep.equal({ inputs: news, failures: [] });
        });
    });

    describe("unknown values", () => {
        it("uses Pulumi's own placeholder for an unknown value", () => {
            expect(UNKNOWN).to.equal(pulumi.runtime.unknownValue);
        });

        it("passes unknown values of every input without an AWS call", async () => {
            const news = { databaseName: UNKNOWN, kmsKeyId: UNKNOWN, region: UNKNOWN, endpoint: UNKNOWN, onDelete: UNKNOWN, owner: OWNER, takeOver: UNKNOWN, recordOwnership: UNKNOWN };
            expect(await check(news)).to.deep.equal({ inputs: news, failures: [] });
            expect(awsCalls()).to.deep.equal([]);
        });

        it("passes an unknown kmsKeyId without an AWS call", async () => {
            expect((await check({ ...VALID, kmsKeyId: UNKNOWN })).failures).to.deep.equal([]);
            expect(awsCalls()).to.deep.equal([]);
        });

        it("passes a known key in an unknown region without an AWS call", async () => {
            expect((await check({ ...VALID, region: UNKNOWN })).failures).to.deep.equal([]);
            expect(awsCalls()).to.deep.equal([]);
        });
    });

    describe("the key", () => {
        it("describes a new key once and passes it", async () => {
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            expect(await check(VALID)).to.deep.equal({ inputs: VALID, failures: [] });
            expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: "alias/metrics" }]);
            expect(aws.timestream.calls()).to.have.length(0);
        });

        it("makes no AWS call when kmsKeyId is unchanged", async () => {
            expect(await check(VALID, VALID)).to.deep.equal({ inputs: VALID, failures: [] });
            expect(awsCalls()).to.deep.equal([]);
        });

        it("fails kmsKeyId, without an AWS call, when the region moves away from an unchanged key ARN's region", async () => {
            const olds = { ...VALID, kmsKeyId: keyArn(KEY_A) };
            const { failures } = await check({ ...olds, region: OTHER_REGION }, olds);
            expect(failures.map((f) => f.property)).to.deep.equal(["kmsKeyId"]);
            expect(failures[0].reason).to.include(`it lives in ${REGION}`);
            expect(awsCalls()).to.deep.equal([]);
        });

        const refusals: [string, Parameters<typeof keyMetadata>[1], RegExp][] = [
            ["a disabled key", { KeyState: "Disabled" }, /its state is Disabled/],
            ["a key pending deletion", { KeyState: "PendingDeletion" }, /its state is PendingDeletion/],
            ["an asymmetric key", { KeySpec: "RSA_2048" }, /it is a RSA_2048 key/],
            ["a signing key", { KeyUsage: "SIGN_VERIFY", KeySpec: "ECC_NIST_P256" }, /for SIGN_VERIFY/],
            ["a key KMS reports in another region", { Arn: keyArn(KEY_A, OTHER_REGION) }, /it lives in eu-west-1/],
        ];

        for (const [what, facts, says] of refusals) {
            it(`fails kmsKeyId for ${what} after one DescribeKey`, async () => {
                knowKey(aws, keyMetadata(KEY_A, facts), "alias/metrics");
                const { failures } = await check(VALID);
                expect(failures).to.have.length(1);
                expect(failures[0].property).to.equal("kmsKeyId");
                expect(failures[0].reason).to.match(says).and.include('check of database "metrics" in us-east-1 with KMS key "alias/metrics"');
                expect(aws.kms.commandCalls(DescribeKeyCommand)).to.have.length(1);
                expect(aws.timestream.calls()).to.have.length(0);
            });
        }

        it("fails kmsKeyId for a key ARN in another region without an AWS call", async () => {
            const { failures } = await check({ ...VALID, kmsKeyId: aliasArn("metrics", OTHER_REGION) });
            expect(failures.map((f) => f.property)).to.deep.equal(["kmsKeyId"]);
            expect(failures[0].reason).to.include("it lives in eu-west-1, but the database is in us-east-1");
            expect(awsCalls()).to.deep.equal([]);
        });

        it("passes a key KMS does not know yet, which this deployment may create, and asks again at create", async () => {
            const provider = await configuredProvider();
            expect(await provider.check({}, VALID)).to.deep.equal({ inputs: VALID, failures: [] });
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            expect((await provider.check({}, VALID)).failures).to.deep.equal([]);
            expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: "alias/metrics" }, { KeyId: "alias/metrics" }]);
            expect(aws.timestream.calls()).to.have.length(0);
        });

        it("names an unknown database as such, not by Pulumi's placeholder, when it refuses a key", async () => {
            knowKey(aws, keyMetadata(KEY_A, { KeyState: "Disabled" }), "alias/metrics");
            const { failures } = await check({ ...VALID, databaseName: UNKNOWN });
            expect(failures[0].reason).to.include('database "(unknown until apply)"').and.not.include(UNKNOWN);
            expect(aws.kms.commandCalls(DescribeKeyCommand)).to.have.length(1);
        });

        it("throws, rather than blaming the key, when KMS denies access", async () => {
            aws.kms.on(DescribeKeyCommand).rejects(new KMSServiceException({ name: "AccessDeniedException", $fault: "client", message: "not authorized", $metadata: {} }));
            const error = await rejectionOf(check(VALID));
            expect(error).to.include({ code: "AccessDenied" });
        });
    });

    describe("the region", () => {
        const withoutRegion = { databaseName: VALID.databaseName, kmsKeyId: VALID.kmsKeyId, owner: OWNER };
        const regionOfCall = async () => (aws.kms.commandCalls(DescribeKeyCommand)[0].thisValue as KMSClient).config.region();

        it("fails region when no region is set anywhere, without an AWS call", async () => {
            const { failures } = await check(withoutRegion);
            expect(failures.map((f) => f.property)).to.deep.equal(["region"]);
            expect(failures[0].reason).to.include("pulumi config set aws:region");
            expect(awsCalls()).to.deep.equal([]);
        });

        it("asks KMS in the aws:region of stack config when the input has none", async () => {
            knowKey(aws, keyMetadata(KEY_A, { Arn: keyArn(KEY_A, OTHER_REGION) }), "alias/metrics");
            process.env.AWS_REGION = REGION;
            expect((await check(withoutRegion, {}, { "aws:region": OTHER_REGION })).failures).to.deep.equal([]);
            expect(await regionOfCall()).to.equal(OTHER_REGION);
        });

        it("asks KMS in AWS_REGION when neither the input nor config has a region", async () => {
            knowKey(aws, keyMetadata(KEY_A, { Arn: keyArn(KEY_A, OTHER_REGION) }), "alias/metrics");
            process.env.AWS_REGION = OTHER_REGION;
            expect((await check(withoutRegion)).failures).to.deep.equal([]);
            expect(await regionOfCall()).to.equal(OTHER_REGION);
        });

        for (const [what, config, env, source] of [
            ["aws:region", { "aws:region": "us-east1" }, {}, "aws:region"],
            ["AWS_REGION", {}, { AWS_REGION: "us-east1" }, "AWS_REGION"],
        ] as const) {
            it(`fails region, naming ${what}, when ${what} is no region's name, without an AWS call`, async () => {
                Object.assign(process.env, env);
                const { failures } = await check(withoutRegion, {}, config);
                expect(failures).to.deep.equal([
                    { property: "region", reason: `${source} "us-east1" must be an AWS region such as us-east-1. Fix it, or give the resource a region input` },
                ]);
                expect(awsCalls()).to.deep.equal([]);
            });
        }

        it("fails region, naming the profile, when the profile's region is no region's name", async () => {
            withConfigFile("[default]\nregion = eu_west_1\n");
            const { failures } = await check(withoutRegion);
            expect(failures).to.deep.equal([
                { property: "region", reason: `profile "default"'s region "eu_west_1" must be an AWS region such as us-east-1. Fix it, or give the resource a region input` },
            ]);
            expect(awsCalls()).to.deep.equal([]);
        });

        it("quotes a region from stack config as it quotes inputs: its first 80 characters", async () => {
            const long = `us-${"x".repeat(120)}`;
            const { failures } = await check(withoutRegion, {}, { "aws:region": long });
            expect(failures[0].reason).to.equal(`aws:region "${long.slice(0, 80)}" must be an AWS region such as us-east-1. Fix it, or give the resource a region input`);
        });

        it("passes without an AWS call while an unknown profile may give the region", async () => {
            expect(await check({ ...withoutRegion, profile: UNKNOWN })).to.deep.equal({ inputs: { ...withoutRegion, profile: UNKNOWN }, failures: [] });
            expect(awsCalls()).to.deep.equal([]);
        });

        it("asks KMS when a region input is given to a resource whose old inputs had none, and no other region is set", async () => {
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            expect((await check(VALID, withoutRegion)).failures).to.deep.equal([]);
            expect(await regionOfCall()).to.equal(REGION);
        });

        it("prefers a valid region input to an aws:region that is no region's name", async () => {
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            expect((await check(VALID, {}, { "aws:region": "us-east1" })).failures).to.deep.equal([]);
            expect(await regionOfCall()).to.equal(REGION);
        });

        it("prefers the region input to config", async () => {
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            expect((await check(VALID, {}, { "aws:region": OTHER_REGION })).failures).to.deep.equal([]);
            expect(await regionOfCall()).to.equal(REGION);
        });
    });
});
