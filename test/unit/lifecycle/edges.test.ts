/**
 * The edges of provider/lifecycle.ts the other lifecycle suites leave open (issue 13): the region pattern's anchors,
 * optional inputs given as their defaults, diff failing on every DescribeKey failure but "no such key", restore from
 * states without appliedKmsKeyArn, databases that lack optional facts or report an unreadable key, and identifiers
 * that do not parse reaching create and update.
 */
import { expect } from "chai";
import { DescribeKeyCommand, KMSInternalException, KMSServiceException } from "@aws-sdk/client-kms";
import { AccessDeniedException, DescribeDatabaseCommand, ResourceNotFoundException, UpdateDatabaseCommand } from "@aws-sdk/client-timestream-write";
import { DatabaseKmsKeyInputs, DatabaseKmsKeyOutputs, DatabaseKmsKeyProvider } from "../../../provider/lifecycle";
import {
    KEY_A,
    KEY_B,
    KEY_OLD,
    REGION,
    awsError,
    configuredProvider,
    database,
    databaseArn,
    holdDatabase,
    keyArn,
    keyMetadata,
    knowKey,
    rejectionOf,
    stateOf,
    useAwsMocks,
    useCleanAwsEnv,
    OWNER,
} from "../fixtures";

const INPUTS: DatabaseKmsKeyInputs = { databaseName: "metrics", kmsKeyId: "alias/metrics", region: REGION, owner: OWNER };

describe("DatabaseKmsKeyProvider: edges", () => {
    const aws = useAwsMocks();
    useCleanAwsEnv();

    /** Every AWS call, as { Command: input }: Timestream's in order, then KMS's in order. */
    const awsCalls = () => [...aws.timestream.calls(), ...aws.kms.calls()].map((c) => ({ [c.args[0].constructor.name]: c.args[0].input }));

    describe("check", () => {
        async function failuresOf(news: Partial<DatabaseKmsKeyInputs>) {
            return (await (await configuredProvider()).check({}, news)).failures!;
        }

        it("fails region, without an AWS call, when anything comes before or after a region", async () => {
            for (const region of ["_us-east-1", "1us-east-1", "us-east-1_", "us-east-123", "us-east-1\n"]) {
                const failures = await failuresOf({ ...INPUTS, region });
                expect(failures, JSON.stringify(region)).to.deep.equal([{ property: "region", reason: `region "${region}" must be an AWS region such as us-east-1` }]);
            }
            expect(awsCalls()).to.deep.equal([]);
        });

        it("accepts a region with a two-digit number, after one DescribeKey in it", async () => {
            knowKey(aws, keyMetadata(KEY_A, { Arn: keyArn(KEY_A, "ap-southeast-10") }), "alias/metrics");
            expect(await failuresOf({ ...INPUTS, region: "ap-southeast-10" })).to.deep.equal([]);
            expect(awsCalls()).to.deep.equal([{ DescribeKeyCommand: { KeyId: "alias/metrics" } }]);
        });

        it('accepts onDelete "retain" given explicitly', async () => {
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            expect(await failuresOf({ ...INPUTS, onDelete: "retain" })).to.deep.equal([]);
        });

        it("accepts an http:// endpoint (a local emulator) as well as https://", async () => {
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            expect(await failuresOf({ ...INPUTS, endpoint: "http://localhost:4566" })).to.deep.equal([]);
        });

        it("names the endpoint rule when the endpoint is not https", async () => {
            expect(await failuresOf({ ...INPUTS, endpoint: "ws://localhost:4566" })).to.deep.equal([
                {
                    property: "endpoint",
                    reason:
                        'endpoint "ws://localhost:4566" must use https: over ws: the request\'s signature and any session token could be read and replayed on the way. ' +
                        "Use https://, or plain http only for an emulator on this machine (localhost, 127.0.0.1, ::1)",
                },
            ]);
        });
    });

    describe("diff", () => {
        const STATE = stateOf("metrics", keyArn(KEY_A));

        for (const [what, error, code] of [
            ["denies it", new KMSServiceException({ name: "AccessDeniedException", $fault: "client", message: "not authorized", $metadata: { httpStatusCode: 400 } }), "AccessDenied"],
            ["keeps failing", awsError(KMSInternalException, "boom", { httpStatusCode: 500, attempts: 3 }), "Unavailable"],
        ] as const) {
            it(`fails with ${code}, rather than guessing, when KMS ${what} while it follows an alias`, async () => {
                aws.kms.on(DescribeKeyCommand, { KeyId: "alias/metrics" }).rejects(error);
                const failure = await rejectionOf((await configuredProvider()).diff("metrics", STATE, INPUTS));
                expect(failure).to.include({ code, cause: error });
                expect(failure.message).to.match(/^diff of database "metrics" in us-east-1 with KMS key "alias\/metrics" failed: /);
                expect(awsCalls()).to.deep.equal([{ DescribeKeyCommand: { KeyId: "alias/metrics" } }]);
            });
        }
    });

    describe("delete (restore) from a state without appliedKmsKeyArn", () => {
        // States written before appliedKmsKeyArn existed: the key in state counts as the one the resource applied.
        const OLDER: DatabaseKmsKeyOutputs = { ...stateOf("metrics", keyArn(KEY_A), { onDelete: "restore" }), appliedKmsKeyArn: undefined, owner: undefined };

        it("puts the previous key back when the database still uses kmsKeyArn", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_OLD), keyArn(KEY_OLD));
            await (await configuredProvider()).delete("metrics", OLDER);
            expect(awsCalls()).to.deep.equal([
                { DescribeDatabaseCommand: { DatabaseName: "metrics" } },
                { UpdateDatabaseCommand: { DatabaseName: "metrics", KmsKeyId: keyArn(KEY_OLD) } },
                { DescribeKeyCommand: { KeyId: keyArn(KEY_OLD) } },
            ]);
        });

        it("leaves the database alone when it uses another key than kmsKeyArn", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_B)));
            await (await configuredProvider()).delete("metrics", OLDER);
            expect(awsCalls()).to.deep.equal([{ DescribeDatabaseCommand: { DatabaseName: "metrics" } }]);
        });

        it("makes no AWS call when kmsKeyArn is the previous key", async () => {
            await (await configuredProvider()).delete("metrics", { ...OLDER, kmsKeyArn: keyArn(KEY_OLD) });
            expect(awsCalls()).to.deep.equal([]);
        });
    });

    describe("databases lacking optional facts", () => {
        it("records a database that reports no creation or update time without those outputs", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A), { CreationTime: undefined, LastUpdatedTime: undefined }));
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            const { outs } = await (await configuredProvider()).create(INPUTS);
            expect(outs).to.not.have.any.keys("creationTime", "lastUpdatedTime");
            expect(outs).to.include({ databaseArn: databaseArn("metrics"), kmsKeyArn: keyArn(KEY_A), tableCount: 2 });
        });

        it("records a database that reports no ARN or table count with an empty ARN and no tables", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A), { Arn: undefined, TableCount: undefined }));
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            const { outs } = await (await configuredProvider()).create(INPUTS);
            expect(outs).to.include({ databaseArn: "", tableCount: 0, kmsKeyArn: keyArn(KEY_A) });
        });

        for (const [what, kmsKeyId, shown] of [
            ["no key", undefined, "undefined"],
            ["a key it cannot read", "my key", "my key"],
        ] as const) {
            it(`fails create with Failed, sending no UpdateDatabase, when Timestream reports ${what}`, async () => {
                holdDatabase(aws, database("metrics", kmsKeyId as unknown as string));
                knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
                const failure = await rejectionOf((await configuredProvider()).create(INPUTS));
                expect(failure).to.include({
                    code: "Failed",
                    message: `create of database "metrics" in us-east-1 with KMS key "alias/metrics" failed: Timestream reported an unreadable KMS key "${shown}"`,
                });
                expect(aws.timestream.commandCalls(UpdateDatabaseCommand)).to.have.length(0);
            });
        }
    });

    describe("failure messages", () => {
        /** The errors of diff, create, read and update, in that order, of a resource with no region input. */
        async function failuresWithoutRegionInput(provider: DatabaseKmsKeyProvider) {
            const state = stateOf("metrics", keyArn(KEY_A), { region: undefined as unknown as string });
            const noRegion = { databaseName: "metrics", kmsKeyId: keyArn(KEY_A) };
            return Promise.all([
                rejectionOf(provider.diff("metrics", state, noRegion)),
                rejectionOf(provider.create(noRegion)),
                rejectionOf(provider.read("metrics", { ...state })),
                rejectionOf(provider.update("metrics", state, noRegion)),
            ]);
        }

        it("names the operation that found no region, and says no region", async () => {
            const failures = await failuresWithoutRegionInput(await configuredProvider());
            expect(failures.map((f) => [f.code, f.message.split(" failed: ")[0]])).to.deep.equal(
                ["diff", "create", "read", "update"].map((operation) => ["NoRegion", `${operation} of database "metrics" in no region with KMS key "${keyArn(KEY_A)}"`]),
            );
            expect(awsCalls()).to.deep.equal([]);
        });

        it("fails each operation with InvalidConfig, naming the setting, when aws:region is no region's name", async () => {
            const failures = await failuresWithoutRegionInput(await configuredProvider({ "aws:region": "us-east1" }));
            expect(failures.map((f) => [f.code, f.message])).to.deep.equal(
                ["diff", "create", "read", "update"].map((operation) => [
                    "InvalidConfig",
                    `${operation} of database "metrics" in no region with KMS key "${keyArn(KEY_A)}" failed: ` +
                        'aws:region "us-east1" must be an AWS region such as us-east-1. Fix it, or give the resource a region input',
                ]),
            );
            expect(awsCalls()).to.deep.equal([]);
        });

        it("fails create with InvalidConfig naming AWS_REGION when the SDK's chain gives no region's name", async () => {
            process.env.AWS_REGION = "US-EAST-1";
            const failure = await rejectionOf((await configuredProvider()).create({ databaseName: "metrics", kmsKeyId: keyArn(KEY_A) }));
            expect(failure).to.include({
                code: "InvalidConfig",
                message:
                    `create of database "metrics" in no region with KMS key "${keyArn(KEY_A)}" failed: ` +
                    'AWS_REGION "US-EAST-1" must be an AWS region such as us-east-1. Fix it, or give the resource a region input',
            });
            expect(awsCalls()).to.deep.equal([]);
        });

        it("fails refresh with InvalidConfig, before any AWS call, when the state's region input is no region's name", async () => {
            const state = stateOf("metrics", keyArn(KEY_A), { region: "us-east1" });
            const failure = await rejectionOf((await configuredProvider({ "aws:region": REGION })).read("metrics", state));
            expect(failure).to.include({
                code: "InvalidConfig",
                message: `read of database "metrics" in no region with KMS key "${keyArn(KEY_A)}" failed: region "us-east1" must be an AWS region such as us-east-1. Fix it in the program`,
            });
            expect(awsCalls()).to.deep.equal([]);
        });

        it("uses a valid region input although aws:region is no region's name", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            const { outs } = await (await configuredProvider({ "aws:region": "us-east1" })).create({ databaseName: "metrics", kmsKeyId: keyArn(KEY_A), region: REGION, recordOwnership: false });
            expect(outs?.region).to.equal(REGION);
        });

        it("quotes the first 80 characters of each input it refuses", async () => {
            const long = (prefix: string) => `${prefix}${"x".repeat(120)}`;
            const { failures } = await (await configuredProvider()).check(
                {},
                { databaseName: long("db "), kmsKeyId: keyArn(KEY_A), region: long("r "), endpoint: long("e "), onDelete: long("o ") as "retain", owner: OWNER },
            );
            expect(failures!.map((f) => f.reason.match(/^\w+ "([^"]*)"/)?.[1])).to.deep.equal([long("db ").slice(0, 80), long("r ").slice(0, 80), long("e ").slice(0, 80), long("o ").slice(0, 80)]);
        });

        it("says a required input that is not a string is required", async () => {
            const { failures } = await (await configuredProvider()).check({}, { databaseName: 42 as unknown as string, kmsKeyId: keyArn(KEY_A), region: REGION, owner: OWNER });
            expect(failures).to.deep.equal([{ property: "databaseName", reason: "databaseName is required and must be a string" }]);
        });
    });

    describe("a provider the host never configured", () => {
        it("checks a new key with the SDK's default credentials", async () => {
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            expect((await new DatabaseKmsKeyProvider().check({}, INPUTS)).failures).to.deep.equal([]);
            expect(awsCalls()).to.deep.equal([{ DescribeKeyCommand: { KeyId: "alias/metrics" } }]);
        });

        it("creates with the SDK's default credentials", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            const { outs } = await new DatabaseKmsKeyProvider().create(INPUTS);
            expect(outs).to.include({ kmsKeyArn: keyArn(KEY_A) });
        });
    });

    describe("create, when DescribeDatabase fails", () => {
        it("reports DescribeDatabase's own failure, not a missing database, while the key is fine", async () => {
            const denied = awsError(AccessDeniedException, "not authorized", { httpStatusCode: 400 });
            aws.timestream.on(DescribeDatabaseCommand, { DatabaseName: "metrics" }).rejects(denied);
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            const failure = await rejectionOf((await configuredProvider()).create(INPUTS));
            expect(failure).to.include({ code: "AccessDenied", cause: denied });
            expect(aws.timestream.commandCalls(UpdateDatabaseCommand)).to.have.length(0);
        });
    });

    describe("a write whose outcome is unknown", () => {
        it("fails with DatabaseNotFound, keeping the write's error as cause, when the database is gone afterwards", async () => {
            const dropped = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
            aws.timestream
                .on(DescribeDatabaseCommand, { DatabaseName: "metrics" })
                .resolvesOnce({ Database: database("metrics", keyArn(KEY_OLD)) })
                .rejects(awsError(ResourceNotFoundException, "The database does not exist.", { httpStatusCode: 404 }));
            aws.timestream.on(UpdateDatabaseCommand, { DatabaseName: "metrics" }).rejects(dropped);
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            const failure = await rejectionOf((await configuredProvider()).create(INPUTS));
            expect(failure.code).to.equal("DatabaseNotFound");
            expect((failure.cause as { cause?: unknown }).cause).to.equal(dropped);
            expect(aws.timestream.commandCalls(DescribeDatabaseCommand)).to.have.length(2);
            expect(aws.timestream.commandCalls(UpdateDatabaseCommand)).to.have.length(1);
        });
    });

    describe("identifiers that do not parse", () => {
        it("fails create with Rejected, asking Timestream only, for a key identifier of no form", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            const failure = await rejectionOf((await configuredProvider()).create({ ...INPUTS, kmsKeyId: "my key" }));
            expect(failure.code).to.equal("Rejected");
            expect(failure.message).to.include('failed: "my key" must be a KMS key ID');
            expect(awsCalls()).to.deep.equal([{ DescribeDatabaseCommand: { DatabaseName: "metrics" } }]);
        });

        it("fails update with Rejected, without an AWS call, for a key identifier of no form", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            const state = stateOf("metrics", keyArn(KEY_A));
            const failure = await rejectionOf((await configuredProvider()).update("metrics", state, { ...INPUTS, kmsKeyId: "my key" }));
            expect(failure.code).to.equal("Rejected");
            expect(failure.message).to.include('failed: "my key" must be a KMS key ID');
            expect(awsCalls()).to.deep.equal([]);
        });

        it("fails diff with Rejected, without an AWS call, for a key identifier of no form", async () => {
            const failure = await rejectionOf((await configuredProvider()).diff("metrics", stateOf("metrics", keyArn(KEY_A)), { ...INPUTS, kmsKeyId: "my key" }));
            expect(failure.code).to.equal("Rejected");
            expect(failure.message).to.include('diff of database "metrics" in us-east-1 with KMS key "my key" failed: "my key" must be a KMS key ID');
            expect(awsCalls()).to.deep.equal([]);
        });
    });
});
