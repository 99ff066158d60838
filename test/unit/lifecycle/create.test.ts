import { expect } from "chai";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import { DescribeDatabaseCommand, ServiceQuotaExceededException, TimestreamWriteClient, UpdateDatabaseCommand } from "@aws-sdk/client-timestream-write";
import { DatabaseKmsKeyInputs } from "../../../provider/lifecycle";
import {
    CREATED,
    KEY_A,
    KEY_B,
    KEY_OLD,
    OTHER_REGION,
    REGION,
    UPDATED,
    aliasArn,
    awsError,
    configuredProvider,
    database,
    databaseArn,
    holdDatabase,
    keyArn,
    keyMetadata,
    knowKey,
    rejectionOf,
    useAwsMocks,
    useCleanAwsEnv,
    OWNER,
} from "../fixtures";

const INPUTS: DatabaseKmsKeyInputs = { databaseName: "metrics", kmsKeyId: "alias/metrics", region: REGION, owner: OWNER };

describe("DatabaseKmsKeyProvider.create", () => {
    const aws = useAwsMocks();
    useCleanAwsEnv();

    async function create(inputs: DatabaseKmsKeyInputs = INPUTS) {
        const { id, outs } = await (await configuredProvider()).create(inputs);
        return { id, outs: outs! };
    }
    const failure = (inputs: DatabaseKmsKeyInputs = INPUTS) => rejectionOf(create(inputs));
    const describeKeyIds = () => aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input.KeyId);
    const updates = () => aws.timestream.commandCalls(UpdateDatabaseCommand).map((c) => c.args[0].input);

    it("records the database without UpdateDatabase when it already uses the key", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
        const { id, outs } = await create();
        expect(id).to.equal("metrics");
        expect(outs).to.include({ kmsKeyArn: keyArn(KEY_A), previousKmsKeyArn: keyArn(KEY_A) });
        expect(aws.timestream.commandCalls(DescribeDatabaseCommand).map((c) => c.args[0].input)).to.deep.equal([{ DatabaseName: "metrics" }]);
        expect(describeKeyIds()).to.deep.equal(["alias/metrics"]);
        expect(updates()).to.deep.equal([]);
    });

    it("sends exactly one UpdateDatabase, with the key ARN, when the key differs", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
        knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
        await create();
        expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_A) }]);
        expect(aws.timestream.commandCalls(DescribeDatabaseCommand)).to.have.length(1);
        expect(describeKeyIds()).to.deep.equal(["alias/metrics"]);
    });

    it("sends the key ARN KMS reports for a key ID", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
        knowKey(aws, keyMetadata(KEY_A), KEY_A);
        await create({ ...INPUTS, kmsKeyId: KEY_A });
        expect(describeKeyIds()).to.deep.equal([KEY_A]);
        expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_A) }]);
    });

    it("returns the inputs, the database, the keys and the key's kind as outputs", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_OLD), { TableCount: 7 }));
        knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
        const { outs } = await create({ ...INPUTS, onDelete: "restore" });
        expect(outs).to.deep.equal({
            databaseName: "metrics",
            kmsKeyId: "alias/metrics",
            region: REGION,
            onDelete: "restore",
            databaseArn: databaseArn("metrics"),
            kmsKeyArn: keyArn(KEY_A),
            previousKmsKeyArn: keyArn(KEY_OLD),
            appliedKmsKeyArn: keyArn(KEY_A),
            tableCount: 7,
            creationTime: CREATED.toISOString(),
            lastUpdatedTime: UPDATED.toISOString(),
            keyManager: "CUSTOMER",
            keyState: "Enabled",
            owner: OWNER,
        });
    });

    it("defaults onDelete to retain and keeps the endpoint input", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
        const { outs } = await create({ ...INPUTS, endpoint: "http://127.0.0.1:5000/" });
        expect(outs).to.include({ onDelete: "retain", endpoint: "http://127.0.0.1:5000/" });
    });

    it("records the effective region from config when the input has none", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A, OTHER_REGION), { Arn: databaseArn("metrics", OTHER_REGION) }));
        knowKey(aws, keyMetadata(KEY_A, { Arn: keyArn(KEY_A, OTHER_REGION) }), KEY_A);
        const provider = await configuredProvider({ "aws:region": OTHER_REGION });
        const { outs } = await provider.create({ databaseName: "metrics", kmsKeyId: KEY_A });
        expect(outs!.region).to.equal(OTHER_REGION);
        const client = aws.timestream.commandCalls(DescribeDatabaseCommand)[0].thisValue as TimestreamWriteClient;
        expect(await client.config.region()).to.equal(OTHER_REGION);
    });

    it("sends Timestream calls to the endpoint input", async () => {
        holdDatabase(aws, database("metrics", keyArn(KEY_A)));
        knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
        await create({ ...INPUTS, endpoint: "http://127.0.0.1:5000/" });
        const client = aws.timestream.commandCalls(DescribeDatabaseCommand)[0].thisValue as TimestreamWriteClient;
        expect((await client.config.endpoint!()).hostname).to.equal("127.0.0.1");
    });

    describe("a live key echoed in another form (emulators)", () => {
        it("follows an echoed alias to its key and sends no UpdateDatabase", async () => {
            holdDatabase(aws, database("metrics", "alias/metrics"));
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            const { outs } = await create();
            expect(outs).to.include({ kmsKeyArn: keyArn(KEY_A), previousKmsKeyArn: keyArn(KEY_A) });
            expect(describeKeyIds()).to.deep.equal(["alias/metrics"]);
            expect(updates()).to.deep.equal([]);
        });

        it("reads an echoed key ID as the key ARN in the database's account and region", async () => {
            holdDatabase(aws, database("metrics", KEY_A));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            const { outs } = await create({ ...INPUTS, kmsKeyId: keyArn(KEY_A) });
            expect(outs).to.include({ kmsKeyArn: keyArn(KEY_A), previousKmsKeyArn: keyArn(KEY_A) });
            expect(updates()).to.deep.equal([]);
        });

        it("reads a previous key echoed as an alias as that key's ARN", async () => {
            holdDatabase(aws, database("metrics", "alias/old"));
            knowKey(aws, keyMetadata(KEY_OLD), "alias/old");
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            const { outs } = await create();
            expect(outs.previousKmsKeyArn).to.equal(keyArn(KEY_OLD));
            expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_A) }]);
        });
    });

    describe("failures", () => {
        it("fails with KeyConflict when Timestream reports another writer's key after UpdateDatabase", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            aws.timestream.on(UpdateDatabaseCommand).resolves({ Database: database("metrics", keyArn(KEY_B)) });
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            const error = await failure();
            expect(error).to.include({ code: "KeyConflict" });
            expect(error.message).to.include(`Timestream reports key ${keyArn(KEY_B)} instead`).and.include('create of database "metrics" in us-east-1');
            expect(updates()).to.have.length(1);
        });

        it("fails with DatabaseNotFound, sending no UpdateDatabase, when the database does not exist", async () => {
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            const error = await failure();
            expect(error).to.include({ code: "DatabaseNotFound" });
            expect(error.message).to.include('create of database "metrics" in us-east-1 with KMS key "alias/metrics"');
            expect(aws.timestream.commandCalls(DescribeDatabaseCommand)).to.have.length(1);
            expect(updates()).to.deep.equal([]);
        });

        it("fails with KeyNotFound, sending no UpdateDatabase, when KMS does not know the key", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            expect(await failure()).to.include({ code: "KeyNotFound" });
            expect(updates()).to.deep.equal([]);
        });

        const refusals: [string, Parameters<typeof keyMetadata>[1], string][] = [
            ["a disabled key", { KeyState: "Disabled" }, "its state is Disabled"],
            ["a key pending deletion", { KeyState: "PendingDeletion" }, "its state is PendingDeletion"],
            ["a key pending import", { KeyState: "PendingImport" }, "its state is PendingImport"],
            ["an asymmetric key", { KeySpec: "RSA_2048" }, "it is a RSA_2048 key"],
            ["a signing key", { KeyUsage: "SIGN_VERIFY", KeySpec: "ECC_NIST_P256" }, "for SIGN_VERIFY"],
            ["a key KMS reports in another region", { Arn: keyArn(KEY_A, OTHER_REGION) }, "it lives in eu-west-1"],
        ];

        for (const [what, facts, says] of refusals) {
            it(`refuses ${what} with KeyUnusable and sends no UpdateDatabase`, async () => {
                holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
                knowKey(aws, keyMetadata(KEY_A, facts), "alias/metrics");
                const error = await failure();
                expect(error).to.include({ code: "KeyUnusable" });
                expect(error.message).to.include('create of database "metrics" in us-east-1 with KMS key "alias/metrics"').and.include(says);
                expect(describeKeyIds()).to.deep.equal(["alias/metrics"]);
                expect(updates()).to.deep.equal([]);
            });
        }

        it("refuses a key ARN in another region without DescribeKey or UpdateDatabase", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            const error = await failure({ ...INPUTS, kmsKeyId: keyArn(KEY_A, OTHER_REGION) });
            expect(error).to.include({ code: "KeyUnusable" });
            expect(error.message).to.include("it lives in eu-west-1, but the database is in us-east-1");
            expect(aws.kms.calls()).to.have.length(0);
            expect(updates()).to.deep.equal([]);
        });

        it("refuses an alias ARN in another region without DescribeKey or UpdateDatabase", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            expect(await failure({ ...INPUTS, kmsKeyId: aliasArn("metrics", OTHER_REGION) })).to.include({ code: "KeyUnusable" });
            expect(aws.kms.calls()).to.have.length(0);
            expect(updates()).to.deep.equal([]);
        });

        it("records a database already on a disabled key, reporting its state, without UpdateDatabase", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_A, { KeyState: "Disabled" }), KEY_A);
            const { outs } = await create({ ...INPUTS, kmsKeyId: KEY_A });
            expect(outs.keyState).to.equal("Disabled");
            expect(updates()).to.deep.equal([]);
        });

        it("reports an exceeded quota of the account, the key's grants one possible cause, when UpdateDatabase exceeds a quota", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            aws.timestream.on(UpdateDatabaseCommand).rejects(awsError(ServiceQuotaExceededException, "Limit exceeded"));
            knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
            const error = await failure();
            expect(error).to.include({ code: "GrantLimit" });
            expect(error.message).to.include("a quota of the account was exceeded").and.include("the key's KMS grants");
            expect(aws.timestream.commandCalls(DescribeDatabaseCommand)).to.have.length(1);
            expect(describeKeyIds()).to.deep.equal(["alias/metrics"]);
            expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_A) }]);
        });

        it("fails with NoRegion, without an AWS call, when no region is set anywhere", async () => {
            const error = await failure({ databaseName: "metrics", kmsKeyId: KEY_A });
            expect(error).to.include({ code: "NoRegion" });
            expect([...aws.timestream.calls(), ...aws.kms.calls()]).to.have.length(0);
        });
    });
});
