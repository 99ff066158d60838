/**
 * The three outcomes of every write (issue 9): proven not applied, applied, unknown; for create, update and restore.
 * An UpdateDatabase that fails without proving it was not applied is settled with one DescribeDatabase; when that
 * fails too, create and update throw an error the host turns into "created but failed to initialise", carrying the
 * state to record.
 */
import { expect } from "chai";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import {
    DescribeDatabaseCommand,
    InternalServerException,
    ThrottlingException,
    UpdateDatabaseCommand,
    ValidationException,
} from "@aws-sdk/client-timestream-write";
import { DatabaseKmsKeyError, mayHaveApplied, toDatabaseKmsKeyError } from "../../../provider/aws";
import { DatabaseKmsKeyInputs, DatabaseKmsKeyOutputs } from "../../../provider/lifecycle";
import {
    CREATED,
    KEY_A,
    KEY_B,
    KEY_OLD,
    REGION,
    UPDATED,
    awsError,
    configuredProvider,
    database,
    databaseArn,
    keyArn,
    keyMetadata,
    knowKey,
    rejectionOf,
    stateOf,
    useAwsMocks,
    useCleanAwsEnv,
    OWNER,
} from "../fixtures";

const PROVIDER = "exports.handler = …";
const INPUTS = { databaseName: "metrics", kmsKeyId: keyArn(KEY_A), region: REGION, onDelete: "restore", owner: OWNER, __provider: PROVIDER } as DatabaseKmsKeyInputs;
const serverError = () => awsError(InternalServerException, "injected", { httpStatusCode: 500, attempts: 3 });
const dropped = () => Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });

describe("DatabaseKmsKeyProvider: writes whose outcome is unknown", () => {
    const aws = useAwsMocks();
    useCleanAwsEnv();

    const describes = () => aws.timestream.commandCalls(DescribeDatabaseCommand).map((c) => c.args[0].input);
    const updates = () => aws.timestream.commandCalls(UpdateDatabaseCommand).map((c) => c.args[0].input);

    /** DescribeDatabase answers each of `answers` once, in order (a function answers by throwing what it returns). */
    function describeAnswers(...answers: (string | (() => Error))[]) {
        let stub = aws.timestream.on(DescribeDatabaseCommand, { DatabaseName: "metrics" });
        for (const answer of answers) {
            stub = typeof answer === "string" ? stub.resolvesOnce({ Database: database("metrics", answer) }) : stub.rejectsOnce(answer());
        }
    }
    const updateFails = (error: () => Error) => aws.timestream.on(UpdateDatabaseCommand, { DatabaseName: "metrics" }).rejects(error());

    describe("create", () => {
        const create = async () => (await configuredProvider()).create(INPUTS);
        beforeEach(() => knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A)));

        it("fails as AWS said, recording nothing and asking nothing more, when AWS refused the write", async () => {
            describeAnswers(keyArn(KEY_OLD));
            updateFails(() => awsError(ValidationException, "bad key", { httpStatusCode: 400 }));
            const error = await rejectionOf(create());
            expect(error.code).to.equal("Rejected");
            expect(error.id).to.equal(undefined);
            expect(describes()).to.have.length(1);
        });

        it("succeeds when a 5xx write turns out applied, with one extra DescribeDatabase", async () => {
            describeAnswers(keyArn(KEY_OLD), keyArn(KEY_A));
            updateFails(serverError);
            const { id, outs } = await create();
            expect(id).to.equal("metrics");
            expect(outs).to.include({ kmsKeyArn: keyArn(KEY_A), previousKmsKeyArn: keyArn(KEY_OLD), appliedKmsKeyArn: keyArn(KEY_A) });
            expect(outs).to.not.have.property("unresolvedKmsKeyArn");
            expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_A) }]);
            expect(describes()).to.deep.equal([{ DatabaseName: "metrics" }, { DatabaseName: "metrics" }]);
        });

        it("fails as AWS said when a dropped write turns out not applied", async () => {
            describeAnswers(keyArn(KEY_OLD), keyArn(KEY_OLD));
            updateFails(dropped);
            const error = await rejectionOf(create());
            expect(error.code).to.equal("Unreachable");
            expect(error.id).to.equal(undefined);
            expect(describes()).to.have.length(2);
        });

        it("settles throttling after retries the same way: one DescribeDatabase", async () => {
            describeAnswers(keyArn(KEY_OLD), keyArn(KEY_A));
            updateFails(() => awsError(ThrottlingException, "slow down", { httpStatusCode: 400, attempts: 3 }));
            const { outs } = await create();
            expect(outs).to.include({ kmsKeyArn: keyArn(KEY_A), previousKmsKeyArn: keyArn(KEY_OLD) });
            expect(describes()).to.have.length(2);
        });

        it("reports another writer's key found after an unknown write as a conflict", async () => {
            describeAnswers(keyArn(KEY_OLD), keyArn(KEY_B));
            updateFails(serverError);
            const error = await rejectionOf(create());
            expect(error.code).to.equal("KeyConflict");
            expect(error.id).to.equal(undefined);
        });

        it("records the database's original key and the attempted one when the outcome cannot be known", async () => {
            describeAnswers(keyArn(KEY_OLD), dropped);
            updateFails(serverError);
            const error = await rejectionOf(create());
            expect(error.code).to.equal("OutcomeUnknown");
            expect(error.message).to.match(/^create of database "metrics" in us-east-1 with KMS key "arn:aws:kms:[^"]+" failed: UpdateDatabase to /);
            expect(error.message).to.contain("InternalServerException: injected").and.contain("socket hang up").and.contain("run `pulumi up` again");
            expect(error.id).to.equal("metrics");
            expect(error.reasons).to.deep.equal([error.message]);
            expect(error.properties).to.deep.equal({
                databaseName: "metrics",
                kmsKeyId: keyArn(KEY_A),
                region: REGION,
                onDelete: "restore",
                databaseArn: databaseArn("metrics"),
                kmsKeyArn: keyArn(KEY_OLD),
                previousKmsKeyArn: keyArn(KEY_OLD),
                appliedKmsKeyArn: keyArn(KEY_OLD),
                unresolvedKmsKeyArn: keyArn(KEY_A),
                tableCount: 2,
                creationTime: CREATED.toISOString(),
                lastUpdatedTime: UPDATED.toISOString(),
                owner: OWNER,
                __provider: PROVIDER,
            });
            expect(updates()).to.have.length(1);
            expect(describes()).to.have.length(2);
        });
    });

    describe("update", () => {
        // Rotation A → B of a resource that took the database over from KEY_OLD.
        const STATE = stateOf("metrics", keyArn(KEY_A), { onDelete: "restore" });
        const NEWS = { ...INPUTS, kmsKeyId: keyArn(KEY_B) } as DatabaseKmsKeyInputs;
        const update = async (olds: DatabaseKmsKeyOutputs = STATE) => (await configuredProvider()).update("metrics", olds, NEWS);
        beforeEach(() => knowKey(aws, keyMetadata(KEY_B), keyArn(KEY_B)));

        it("fails as AWS said, keeping the old state, when AWS refused the write", async () => {
            describeAnswers(keyArn(KEY_A));
            updateFails(() => awsError(ValidationException, "bad key", { httpStatusCode: 400 }));
            const error = await rejectionOf(update());
            expect(error.code).to.equal("Rejected");
            expect(error.properties).to.equal(undefined);
            expect(describes()).to.have.length(1);
        });

        it("succeeds when a 5xx write turns out applied, keeping the original previous key", async () => {
            describeAnswers(keyArn(KEY_A), keyArn(KEY_B));
            updateFails(serverError);
            const { outs } = await update();
            expect(outs).to.include({ kmsKeyArn: keyArn(KEY_B), previousKmsKeyArn: keyArn(KEY_OLD), appliedKmsKeyArn: keyArn(KEY_B) });
            expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_B) }]);
            expect(describes()).to.have.length(2);
        });

        it("fails as AWS said when a 5xx write turns out not applied", async () => {
            describeAnswers(keyArn(KEY_A), keyArn(KEY_A));
            updateFails(serverError);
            const error = await rejectionOf(update());
            expect(error.code).to.equal("Unavailable");
            expect(error.properties).to.equal(undefined);
        });

        it("records the previous, the applied and the attempted key when the outcome cannot be known", async () => {
            describeAnswers(keyArn(KEY_A), serverError);
            updateFails(dropped);
            const error = await rejectionOf(update());
            expect(error.code).to.equal("OutcomeUnknown");
            expect(error.id).to.equal("metrics");
            expect(error.properties).to.include({
                kmsKeyId: keyArn(KEY_B),
                kmsKeyArn: keyArn(KEY_A),
                previousKmsKeyArn: keyArn(KEY_OLD),
                appliedKmsKeyArn: keyArn(KEY_A),
                unresolvedKmsKeyArn: keyArn(KEY_B),
                __provider: PROVIDER,
            });
            expect(error.properties).to.not.have.property("keyState");
        });

        it("settles an unresolved write the database shows applied, with no UpdateDatabase", async () => {
            describeAnswers(keyArn(KEY_B));
            const { outs } = await update({ ...STATE, kmsKeyId: keyArn(KEY_B), unresolvedKmsKeyArn: keyArn(KEY_B) });
            expect(outs).to.include({ kmsKeyArn: keyArn(KEY_B), previousKmsKeyArn: keyArn(KEY_OLD), appliedKmsKeyArn: keyArn(KEY_B) });
            expect(outs).to.not.have.property("unresolvedKmsKeyArn");
            expect(updates()).to.deep.equal([]);
            expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: keyArn(KEY_B) }]);
        });

        it("writes again when an unresolved write did not apply, even though state already names the key", async () => {
            // After an unknown create, kmsKeyArn is the original key; asking for it again must not trust that state.
            describeAnswers(keyArn(KEY_A), keyArn(KEY_B));
            aws.timestream.on(UpdateDatabaseCommand).callsFake((input: { KmsKeyId: string }) => ({ Database: database("metrics", input.KmsKeyId) }));
            const olds = { ...STATE, kmsKeyArn: keyArn(KEY_B), unresolvedKmsKeyArn: keyArn(KEY_A) };
            const { outs } = await update(olds);
            expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_B) }]);
            expect(outs).to.include({ kmsKeyArn: keyArn(KEY_B), appliedKmsKeyArn: keyArn(KEY_B) });
        });

        it("counts an unresolved write the database shows as applied when the next write's outcome is unknown too", async () => {
            const olds = { ...STATE, unresolvedKmsKeyArn: keyArn("cccccccc-cccc-cccc-cccc-cccccccccccc") };
            describeAnswers(olds.unresolvedKmsKeyArn, dropped);
            updateFails(serverError);
            const error = await rejectionOf(update(olds));
            expect(error.properties).to.include({ appliedKmsKeyArn: olds.unresolvedKmsKeyArn, unresolvedKmsKeyArn: keyArn(KEY_B), previousKmsKeyArn: keyArn(KEY_OLD) });
        });
    });

    describe("diff and read of a state with an unresolved write", () => {
        const UNRESOLVED = stateOf("metrics", keyArn(KEY_OLD), { kmsKeyId: keyArn(KEY_A), appliedKmsKeyArn: keyArn(KEY_OLD), unresolvedKmsKeyArn: keyArn(KEY_A) });

        it("diff reports a change, so the next pulumi up settles the write", async () => {
            const result = await (await configuredProvider()).diff("metrics", UNRESOLVED, { databaseName: "metrics", kmsKeyId: keyArn(KEY_A), region: REGION });
            expect(result).to.deep.equal({ changes: true, replaces: [], deleteBeforeReplace: true });
            expect([...aws.timestream.calls(), ...aws.kms.calls()]).to.have.length(0);
        });

        it("read keeps the unresolved key and reports the live one", async () => {
            describeAnswers(keyArn(KEY_A));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            const { props } = await (await configuredProvider()).read("metrics", UNRESOLVED);
            expect(props).to.include({ kmsKeyArn: keyArn(KEY_A), previousKmsKeyArn: keyArn(KEY_OLD), appliedKmsKeyArn: keyArn(KEY_OLD), unresolvedKmsKeyArn: keyArn(KEY_A) });
        });

        it("read of a state without appliedKmsKeyArn records kmsKeyArn as applied, not the live key", async () => {
            describeAnswers(keyArn(KEY_B));
            knowKey(aws, keyMetadata(KEY_B), keyArn(KEY_B));
            const earlier: Partial<DatabaseKmsKeyOutputs> = stateOf("metrics", keyArn(KEY_A));
            delete earlier.appliedKmsKeyArn;
            const { props } = await (await configuredProvider()).read("metrics", earlier as DatabaseKmsKeyOutputs);
            expect(props).to.include({ kmsKeyArn: keyArn(KEY_B), appliedKmsKeyArn: keyArn(KEY_A) });
        });
    });

    describe("restore (delete)", () => {
        const RESTORE = stateOf("metrics", keyArn(KEY_A), { onDelete: "restore" });
        const remove = async (props: Partial<DatabaseKmsKeyOutputs> = RESTORE) => (await configuredProvider()).delete("metrics", props as DatabaseKmsKeyOutputs);
        beforeEach(() => knowKey(aws, keyMetadata(KEY_OLD), keyArn(KEY_OLD)));

        it("fails as AWS said when AWS refused the restore", async () => {
            describeAnswers(keyArn(KEY_A));
            updateFails(() => awsError(ValidationException, "bad key", { httpStatusCode: 400 }));
            expect((await rejectionOf(remove())).code).to.equal("Rejected");
            expect(describes()).to.have.length(1);
        });

        it("succeeds when a 5xx restore turns out applied", async () => {
            describeAnswers(keyArn(KEY_A), keyArn(KEY_OLD));
            updateFails(serverError);
            await remove();
            expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_OLD) }]);
            expect(describes()).to.have.length(2);
        });

        it("fails, keeping the resource, when a restore's outcome cannot be known", async () => {
            describeAnswers(keyArn(KEY_A), dropped);
            updateFails(dropped);
            const error = await rejectionOf(remove());
            expect(error.code).to.equal("OutcomeUnknown");
            expect(error.id).to.equal(undefined);
            expect(error.message).to.contain("run the delete again").and.contain('set onDelete to "retain"');
        });

        it("restores when the database is on the key of an unresolved write", async () => {
            describeAnswers(keyArn(KEY_B));
            aws.timestream.on(UpdateDatabaseCommand).resolves({ Database: database("metrics", keyArn(KEY_OLD)) });
            await remove({ ...RESTORE, unresolvedKmsKeyArn: keyArn(KEY_B) });
            expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_OLD) }]);
        });

        it("restores after an unknown create, whose applied key is the original one", async () => {
            describeAnswers(keyArn(KEY_A));
            aws.timestream.on(UpdateDatabaseCommand).resolves({ Database: database("metrics", keyArn(KEY_OLD)) });
            await remove({ ...RESTORE, kmsKeyArn: keyArn(KEY_OLD), appliedKmsKeyArn: keyArn(KEY_OLD), unresolvedKmsKeyArn: keyArn(KEY_A) });
            expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_OLD) }]);
        });

        it("falls back to kmsKeyArn for a state written before appliedKmsKeyArn existed", async () => {
            describeAnswers(keyArn(KEY_A));
            aws.timestream.on(UpdateDatabaseCommand).resolves({ Database: database("metrics", keyArn(KEY_OLD)) });
            const earlier: Partial<DatabaseKmsKeyOutputs> = { ...RESTORE };
            delete earlier.appliedKmsKeyArn;
            await remove(earlier);
            expect(updates()).to.deep.equal([{ DatabaseName: "metrics", KmsKeyId: keyArn(KEY_OLD) }]);
        });
    });
});

describe("mayHaveApplied", () => {
    const context = { operation: "update", databaseName: "metrics", region: REGION };
    const mapped = (error: unknown) => toDatabaseKmsKeyError(error, context);

    for (const [what, error] of [
        ["a 5xx after retries", serverError()],
        ["throttling after retries", awsError(ThrottlingException, "slow down", { httpStatusCode: 400, attempts: 3 })],
        ["a dropped connection", dropped()],
        ["a request timeout", Object.assign(new Error("timed out"), { name: "TimeoutError" })],
        ["an unrecognised error without a status", new Error("something")],
        ["an unrecognised error with a 5xx status", Object.assign(new Error("odd"), { name: "Odd", $metadata: { httpStatusCode: 503 } })],
    ] as const) {
        it(`is true for ${what}`, () => expect(mayHaveApplied(mapped(error))).to.equal(true));
    }

    for (const [what, error] of [
        ["a validation error", awsError(ValidationException, "bad", { httpStatusCode: 400 })],
        ["an unrecognised 4xx answer", Object.assign(new Error("conflict"), { name: "ConflictException", $metadata: { httpStatusCode: 409 } })],
        [
            "an unrecognised 4xx answer the SDK wrapped",
            new Error("wrapped", { cause: Object.assign(new Error("conflict"), { name: "ConflictException", $metadata: { httpStatusCode: 409 } }) }),
        ],
        ["access denied", Object.assign(new Error("no"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 403 } })],
        ["missing credentials", Object.assign(new Error("none"), { name: "CredentialsProviderError" })],
    ] as const) {
        it(`is false for ${what}`, () => expect(mayHaveApplied(mapped(error))).to.equal(false));
    }

    it("is false for errors the provider raises before writing", () => {
        for (const code of ["KeyUnusable", "DatabaseNotFound", "NoRegion"] as const) {
            expect(mayHaveApplied(new DatabaseKmsKeyError(code, context, "x")), code).to.equal(false);
        }
    });
});
