/**
 * The ownership claim in the lifecycle (issue 17): the tag calls each operation makes, in which order, and what it
 * does about another owner's claim. The tags behave as Timestream's (tagStore), so what one call writes the next reads.
 */
import { expect } from "chai";
import {
    AccessDeniedException,
    DescribeDatabaseCommand,
    InternalServerException,
    ListTagsForResourceCommand,
    ResourceNotFoundException,
    TagResourceCommand,
    UntagResourceCommand,
    UpdateDatabaseCommand,
} from "@aws-sdk/client-timestream-write";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { DatabaseKmsKeyInputs, DatabaseKmsKeyOutputs } from "../../../provider/lifecycle";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import { claimTags, ORIGINAL_KEY_TAG, OWNER_TAG, Tag } from "../../../provider/ownership";
import {
    ACCOUNT,
    KEY_A,
    KEY_B,
    KEY_OLD,
    OTHER_OWNER,
    OWNER,
    REGION,
    awsError,
    configuredProvider,
    database,
    databaseArn,
    holdDatabase,
    keyArn,
    keyMetadata,
    knowKey,
    ownClaim,
    rejectionOf,
    stateOf,
    tagStore,
    useAwsMocks,
    useCleanAwsEnv,
    useWarnings,
} from "../fixtures";

const ARN = databaseArn("metrics");
const INPUTS: DatabaseKmsKeyInputs = { databaseName: "metrics", kmsKeyId: keyArn(KEY_A), region: REGION, owner: OWNER };
const STATE = stateOf("metrics", keyArn(KEY_A));
const OTHER_ACCOUNT = "222233334444";
const TAKE_OVER_ADVICE = ". Check previousKmsKeyArn, and remove takeOver once the takeover has succeeded";
const theirClaim = () => claimTags({ owner: OTHER_OWNER, originalKeyArn: keyArn(KEY_OLD) });

describe("DatabaseKmsKeyProvider: the ownership claim", () => {
    const aws = useAwsMocks();
    useCleanAwsEnv();
    const warnings = useWarnings();

    /** Timestream calls as [command, input], in the order sent. */
    const sent = () => aws.timestream.calls().map((c) => [c.args[0].constructor.name.replace(/Command$/, ""), c.args[0].input]);
    const names = () => sent().map(([name]) => name);
    const claimOn = (tags: Map<string, { Key?: string; Value?: string }[]>) => Object.fromEntries((tags.get(ARN) ?? []).map((t) => [t.Key, t.Value]));
    /** KMS DescribeKey calls, by KeyId, in the order sent. */
    const described = () => aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input.KeyId);
    const mine = (originalKeyArn: string) => claimTags({ owner: OWNER, originalKeyArn });

    /**
     * Tags that another stack writes right after this one's TagResource (as when both found the database unclaimed):
     * the claim reads back as `theirs`.
     */
    function racingStore(theirs: Tag[]): Map<string, Tag[]> {
        const tags = tagStore(aws);
        aws.timestream.on(TagResourceCommand).callsFake(() => {
            tags.set(ARN, theirs);
            return {};
        });
        return tags;
    }

    describe("create", () => {
        it("records the claim with TagResource before UpdateDatabase, the database's key as the original", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            const tags = tagStore(aws);
            const { outs } = await (await configuredProvider()).create(INPUTS);
            expect(sent()).to.deep.equal([
                ["DescribeDatabase", { DatabaseName: "metrics" }],
                ["ListTagsForResource", { ResourceARN: ARN }],
                ["TagResource", { ResourceARN: ARN, Tags: mine(keyArn(KEY_OLD)) }],
                ["ListTagsForResource", { ResourceARN: ARN }],
                ["UpdateDatabase", { DatabaseName: "metrics", KmsKeyId: keyArn(KEY_A) }],
            ]);
            expect(claimOn(tags)).to.deep.equal({ [OWNER_TAG]: OWNER, [ORIGINAL_KEY_TAG]: keyArn(KEY_OLD) });
            expect(outs).to.include({ owner: OWNER, previousKmsKeyArn: keyArn(KEY_OLD), kmsKeyArn: keyArn(KEY_A) });
            expect(warnings).to.deep.equal([]);
        });

        it("records the claim also when the database already uses the key", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            tagStore(aws);
            await (await configuredProvider()).create(INPUTS);
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource", "TagResource", "ListTagsForResource"]);
        });

        it("takes previousKmsKeyArn from its own claim when run again after a killed process, once DescribeKey finds it, with no tag or key write", async () => {
            // The killed create had written the claim and the key; the database is on the new key already.
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            knowKey(aws, keyMetadata(KEY_OLD, { KeyState: "Disabled" }), keyArn(KEY_OLD));
            ownClaim(aws, "metrics", OWNER, keyArn(KEY_OLD));
            const { outs } = await (await configuredProvider()).create(INPUTS);
            expect(outs).to.include({ previousKmsKeyArn: keyArn(KEY_OLD), kmsKeyArn: keyArn(KEY_A), owner: OWNER });
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource"]);
            expect(described()).to.deep.equal([keyArn(KEY_A), keyArn(KEY_OLD)]);
            expect(warnings).to.deep.equal([]);
        });

        it("takes its own claim's original key with no DescribeKey when the database is still on it (killed before the key write)", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            ownClaim(aws, "metrics", OWNER, keyArn(KEY_OLD));
            const { outs } = await (await configuredProvider()).create(INPUTS);
            expect(outs).to.include({ previousKmsKeyArn: keyArn(KEY_OLD), kmsKeyArn: keyArn(KEY_A) });
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource", "UpdateDatabase"]);
            expect(described()).to.deep.equal([keyArn(KEY_A)]);
        });

        it("records the database's key, not a forged claim's, when a claim naming this resource was written before its first create", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            const tags = ownClaim(aws, "metrics", OWNER, keyArn(KEY_B));
            const { outs } = await (await configuredProvider()).create({ ...INPUTS, onDelete: "restore" });
            expect(outs).to.include({ previousKmsKeyArn: keyArn(KEY_OLD), kmsKeyArn: keyArn(KEY_A) });
            expect(sent().slice(1)).to.deep.equal([
                ["ListTagsForResource", { ResourceARN: ARN }],
                ["TagResource", { ResourceARN: ARN, Tags: mine(keyArn(KEY_OLD)) }],
                ["ListTagsForResource", { ResourceARN: ARN }],
                ["UpdateDatabase", { DatabaseName: "metrics", KmsKeyId: keyArn(KEY_A) }],
            ]);
            expect(described(), "no DescribeKey of the forged key").to.deep.equal([keyArn(KEY_A)]);
            expect(claimOn(tags)[ORIGINAL_KEY_TAG]).to.equal(keyArn(KEY_OLD));
            expect(warnings).to.deep.equal([
                `warning: create of database "metrics" in us-east-1 with KMS key "${keyArn(KEY_A)}": the claim's ${ORIGINAL_KEY_TAG} tag names "${keyArn(KEY_B)}", ` +
                    `but the database is on neither that key nor the one this resource puts on it: ${keyArn(KEY_OLD)} is recorded as the original key and the tag rewritten`,
            ]);
        });

        it("records the key the database is on after a kill between the claim and the key write and a key changed out of band since", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_B)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            const tags = ownClaim(aws, "metrics", OWNER, keyArn(KEY_OLD));
            const { outs } = await (await configuredProvider()).create(INPUTS);
            expect(outs).to.include({ previousKmsKeyArn: keyArn(KEY_B), kmsKeyArn: keyArn(KEY_A) });
            expect(claimOn(tags)[ORIGINAL_KEY_TAG]).to.equal(keyArn(KEY_B));
            expect(warnings).to.have.length(1);
        });

        for (const [what, tag, why] of [
            ["garbage", "not a key", "it is not a key ARN"],
            ["an alias", "alias/attacker", "it is not a key ARN"],
            ["another region's key", keyArn(KEY_OLD, "eu-west-1"), "it is not a key of the database's account 111122223333 and region us-east-1"],
        ]) {
            it(`records the key the database is on, with no DescribeKey of the tag, when its own claim's original key is ${what}`, async () => {
                holdDatabase(aws, database("metrics", keyArn(KEY_A)));
                knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
                const tags = ownClaim(aws, "metrics", OWNER, tag);
                const { outs } = await (await configuredProvider()).create(INPUTS);
                expect(outs).to.include({ previousKmsKeyArn: keyArn(KEY_A) });
                expect(described()).to.deep.equal([keyArn(KEY_A)]);
                expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource", "TagResource", "ListTagsForResource"]);
                expect(claimOn(tags)[ORIGINAL_KEY_TAG]).to.equal(keyArn(KEY_A));
                expect(warnings).to.have.length(1);
                expect(warnings[0]).to.include(why);
            });
        }

        for (const [what, answer, why] of [
            ["is pending deletion", () => knowKey(aws, keyMetadata(KEY_OLD, { KeyState: "PendingDeletion" }), keyArn(KEY_OLD)), "that key is pending deletion"],
            ["is unknown to KMS", () => undefined, "KMS does not find that key"],
        ] as const) {
            it(`records the key the database is on when its own claim's original key ${what}`, async () => {
                holdDatabase(aws, database("metrics", keyArn(KEY_A)));
                knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
                answer();
                ownClaim(aws, "metrics", OWNER, keyArn(KEY_OLD));
                const { outs } = await (await configuredProvider()).create(INPUTS);
                expect(outs).to.include({ previousKmsKeyArn: keyArn(KEY_A) });
                expect(described()).to.deep.equal([keyArn(KEY_A), keyArn(KEY_OLD)]);
                expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource", "TagResource", "ListTagsForResource"]);
                expect(warnings).to.have.length(1);
                expect(warnings[0]).to.include(`but ${why}: ${keyArn(KEY_A)} is recorded as the original key`);
            });
        }

        it("fails before any write when KMS denies the DescribeKey of its claim's original key", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            aws.kms.on(DescribeKeyCommand, { KeyId: keyArn(KEY_OLD) }).rejects(awsError(AccessDeniedException, "not authorized to perform: kms:DescribeKey", { httpStatusCode: 400 }));
            ownClaim(aws, "metrics", OWNER, keyArn(KEY_OLD));
            const error = await rejectionOf((await configuredProvider()).create(INPUTS));
            expect(error).to.include({ code: "AccessDenied" });
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource"]);
        });

        it("fails with ClaimedElsewhere, writing no key and leaving that claim, when reading its claim back finds another owner's", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            // Another stack that also found the database unclaimed tags it right after this one.
            const tags = racingStore(theirClaim());
            const error = await rejectionOf((await configuredProvider()).create(INPUTS));
            expect(error).to.include({ code: "ClaimedElsewhere" });
            expect(error.message).to.include(`reading it back before the key write found the claim of resource "metrics-key" of stack "prod"`);
            expect(error.properties, "nothing is recorded").to.equal(undefined);
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource", "TagResource", "ListTagsForResource"]);
            expect(claimOn(tags)).to.deep.equal({ [OWNER_TAG]: OTHER_OWNER, [ORIGINAL_KEY_TAG]: keyArn(KEY_OLD) });
        });

        it("fails with ClaimedElsewhere, writing no key, when reading its claim back finds none", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            racingStore([]);
            const error = await rejectionOf((await configuredProvider()).create(INPUTS));
            expect(error).to.include({ code: "ClaimedElsewhere" });
            expect(error.message).to.include("found no claim: someone removed it");
            expect(names()).to.not.include("UpdateDatabase");
        });

        it("fails with DatabaseNotFound, writing no key, when the database is gone by the time it reads its claim back", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            aws.timestream
                .on(ListTagsForResourceCommand)
                .resolvesOnce({ Tags: [] })
                .rejects(awsError(ResourceNotFoundException, "The resource does not exist.", { httpStatusCode: 404 }));
            const error = await rejectionOf((await configuredProvider()).create(INPUTS));
            expect(error).to.include({ code: "DatabaseNotFound" });
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource", "TagResource", "ListTagsForResource"]);
        });

        it("fails with ClaimedElsewhere before any write when another owner's claim is on the database", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_B)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            const tags = tagStore(aws, { [ARN]: theirClaim() });
            const error = await rejectionOf((await configuredProvider()).create(INPUTS));
            expect(error).to.include({ code: "ClaimedElsewhere" });
            expect(error.message).to.match(/^create of database "metrics" in us-east-1 with KMS key "arn:aws:kms:[^"]+" failed: the database is claimed by /);
            expect(error.message).to.include('resource "metrics-key" of stack "prod" in project "timestream-kms-test"').and.include("takeOver: true");
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource"]);
            expect(claimOn(tags)[OWNER_TAG]).to.equal(OTHER_OWNER);
        });

        it("refuses a key that cannot be used before reading or writing the claim", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            knowKey(aws, keyMetadata(KEY_A, { KeyState: "Disabled" }), keyArn(KEY_A));
            tagStore(aws);
            const error = await rejectionOf((await configuredProvider()).create(INPUTS));
            expect(error).to.include({ code: "KeyUnusable" });
            expect(names()).to.deep.equal(["DescribeDatabase"]);
        });

        it("takes the database over with takeOver, keeping the original key the other owner recorded", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_B)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            const tags = tagStore(aws, { [ARN]: theirClaim() });
            knowKey(aws, keyMetadata(KEY_OLD), keyArn(KEY_OLD));
            const { outs } = await (await configuredProvider()).create({ ...INPUTS, takeOver: true });
            expect(outs).to.include({ previousKmsKeyArn: keyArn(KEY_OLD), kmsKeyArn: keyArn(KEY_A), owner: OWNER, takeOver: true });
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource", "TagResource", "ListTagsForResource", "UpdateDatabase"]);
            expect(described()).to.deep.equal([keyArn(KEY_A), keyArn(KEY_OLD)]);
            expect(claimOn(tags)).to.deep.equal({ [OWNER_TAG]: OWNER, [ORIGINAL_KEY_TAG]: keyArn(KEY_OLD) });
            expect(warnings).to.deep.equal([
                `warning: create of database "metrics" in us-east-1 with KMS key "${keyArn(KEY_A)}": takes the database over from resource "metrics-key" of stack "prod" ` +
                    `in project "timestream-kms-test" (owner "${OTHER_OWNER}"), recording ${keyArn(KEY_OLD)} as the original key${TAKE_OVER_ADVICE}`,
            ]);
        });

        it("records the key the database is on when taking over a claim whose original key is another region's, and says so", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_B)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            tagStore(aws, { [ARN]: claimTags({ owner: OTHER_OWNER, originalKeyArn: keyArn(KEY_OLD, "eu-west-1") }) });
            const { outs } = await (await configuredProvider()).create({ ...INPUTS, takeOver: true });
            expect(outs).to.include({ previousKmsKeyArn: keyArn(KEY_B) });
            expect(described()).to.deep.equal([keyArn(KEY_A)]);
            expect(warnings.map((w) => w.replace(/^.*?": /, ""))).to.deep.equal([
                `the claim's ${ORIGINAL_KEY_TAG} tag names "${keyArn(KEY_OLD, "eu-west-1")}", but it is not a key of the database's account ${ACCOUNT} and region us-east-1: ` +
                    `${keyArn(KEY_B)} is recorded as the original key and the tag rewritten`,
                `takes the database over from resource "metrics-key" of stack "prod" in project "timestream-kms-test" (owner "${OTHER_OWNER}"), recording ${keyArn(KEY_B)} as the original key${TAKE_OVER_ADVICE}`,
            ]);
        });

        it("keeps the original key a takeOver killed after its claim recorded, on the database's other key", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_B)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            knowKey(aws, keyMetadata(KEY_OLD), keyArn(KEY_OLD));
            ownClaim(aws, "metrics", OWNER, keyArn(KEY_OLD));
            const { outs } = await (await configuredProvider()).create({ ...INPUTS, takeOver: true });
            expect(outs).to.include({ previousKmsKeyArn: keyArn(KEY_OLD), kmsKeyArn: keyArn(KEY_A) });
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource", "UpdateDatabase"]);
            // Taken on takeOver's word (the claim may as well be forged): said, so the person sees what was accepted.
            expect(warnings.map((w) => w.replace(/^.*?": /, ""))).to.deep.equal([
                `with takeOver, records ${keyArn(KEY_OLD)} from this resource's own claim as the original key, although the database is on ${keyArn(KEY_B)}${TAKE_OVER_ADVICE}`,
            ]);
        });

        it("records the key the database is on when its own claim's original key is an asymmetric key, which Timestream could not have used", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            knowKey(aws, keyMetadata(KEY_OLD, { KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" }), keyArn(KEY_OLD));
            ownClaim(aws, "metrics", OWNER, keyArn(KEY_OLD));
            const { outs } = await (await configuredProvider()).create(INPUTS);
            expect(outs).to.include({ previousKmsKeyArn: keyArn(KEY_A) });
            expect(described()).to.deep.equal([keyArn(KEY_A), keyArn(KEY_OLD)]);
            expect(warnings).to.have.length(1);
            expect(warnings[0]).to.include(`but it is a RSA_2048 key for SIGN_VERIFY, but Timestream needs a symmetric encryption key`);
        });

        it("lets one of two resources of one process adopt a database they create at once, and refuses the other", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            knowKey(aws, keyMetadata(KEY_B), keyArn(KEY_B));
            tagStore(aws);
            const provider = await configuredProvider();
            const results = await Promise.allSettled([
                provider.create(INPUTS),
                provider.create({ ...INPUTS, kmsKeyId: keyArn(KEY_B), owner: "timestream-kms-test/test/other-key" }),
            ]);
            expect(results.map((r) => r.status).sort()).to.deep.equal(["fulfilled", "rejected"]);
            const refused = results.find((r): r is PromiseRejectedResult => r.status === "rejected")!;
            expect(refused.reason).to.include({ code: "ClaimedElsewhere" });
            expect(aws.timestream.commandCalls(TagResourceCommand)).to.have.length(1);
            expect(names().filter((n) => n === "UpdateDatabase")).to.have.length(1);
        });

        it("makes no tag call with recordOwnership false, and records no owner", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            const provider = await configuredProvider();
            const inputs = { ...INPUTS, owner: undefined, recordOwnership: false };
            expect((await provider.check({}, inputs)).failures).to.deep.equal([]);
            const { outs } = await provider.create(inputs);
            expect(names()).to.deep.equal(["DescribeDatabase", "UpdateDatabase"]);
            expect(outs).to.not.have.property("owner");
            expect(outs).to.include({ recordOwnership: false, previousKmsKeyArn: keyArn(KEY_OLD) });
        });

        for (const [command, action] of [
            [ListTagsForResourceCommand, "timestream:ListTagsForResource"],
            [TagResourceCommand, "timestream:TagResource"],
        ] as const) {
            it(`fails naming ${action} and recordOwnership: false when it is denied, before any UpdateDatabase`, async () => {
                holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
                knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
                tagStore(aws);
                aws.timestream.on(command as typeof TagResourceCommand).rejects(awsError(AccessDeniedException, `not authorized to perform: ${action}`, { httpStatusCode: 400 }));
                const error = await rejectionOf((await configuredProvider()).create(INPUTS));
                expect(error).to.include({ code: "AccessDenied" });
                expect(error.message).to.include(`AWS denied ${action}`).and.include("recordOwnership: false");
                expect(error.message).to.include("timestream:ListTagsForResource, timestream:TagResource, timestream:UntagResource");
                expect(names()).to.not.include("UpdateDatabase");
            });
        }

        it("removes the claim it wrote when the key write is proven not applied, so no unrecorded resource holds the database", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            const tags = tagStore(aws);
            aws.timestream.on(UpdateDatabaseCommand).rejects(awsError(AccessDeniedException, "kms:CreateGrant", { httpStatusCode: 400 }));
            const error = await rejectionOf((await configuredProvider()).create(INPUTS));
            expect(error).to.include({ code: "AccessDenied" });
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource", "TagResource", "ListTagsForResource", "UpdateDatabase", "UntagResource"]);
            expect(tags.get(ARN)).to.deep.equal([]);
        });

        it("puts back the claim it took over when the key write is proven not applied, so the old owner keeps the database", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_B)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            knowKey(aws, keyMetadata(KEY_OLD), keyArn(KEY_OLD));
            const tags = tagStore(aws, { [ARN]: theirClaim() });
            aws.timestream.on(UpdateDatabaseCommand).rejects(awsError(AccessDeniedException, "kms:CreateGrant", { httpStatusCode: 400 }));
            const error = await rejectionOf((await configuredProvider()).create({ ...INPUTS, takeOver: true }));
            expect(error).to.include({ code: "AccessDenied" });
            expect(sent().slice(2)).to.deep.equal([
                ["TagResource", { ResourceARN: ARN, Tags: mine(keyArn(KEY_OLD)) }],
                ["ListTagsForResource", { ResourceARN: ARN }],
                ["UpdateDatabase", { DatabaseName: "metrics", KmsKeyId: keyArn(KEY_A) }],
                ["TagResource", { ResourceARN: ARN, Tags: theirClaim() }],
            ]);
            expect(claimOn(tags)).to.deep.equal({ [OWNER_TAG]: OTHER_OWNER, [ORIGINAL_KEY_TAG]: keyArn(KEY_OLD) });
        });

        it("keeps a claim it found when the key write fails", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            ownClaim(aws, "metrics", OWNER, keyArn(KEY_OLD));
            aws.timestream.on(UpdateDatabaseCommand).rejects(awsError(AccessDeniedException, "kms:CreateGrant", { httpStatusCode: 400 }));
            await rejectionOf((await configuredProvider()).create(INPUTS));
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource", "UpdateDatabase"]);
        });

        it("keeps the claim it wrote when the key write's outcome is unknown, recording the owner with the resource", async () => {
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            const tags = tagStore(aws);
            aws.timestream
                .on(DescribeDatabaseCommand)
                .resolvesOnce({ Database: database("metrics", keyArn(KEY_OLD)) })
                .rejects(awsError(InternalServerException, "down", { httpStatusCode: 500, attempts: 3 }))
                .on(UpdateDatabaseCommand)
                .rejects(awsError(InternalServerException, "down", { httpStatusCode: 500, attempts: 3 }));
            const error = await rejectionOf((await configuredProvider()).create(INPUTS));
            expect(error).to.include({ code: "OutcomeUnknown" });
            expect(error.properties).to.include({ owner: OWNER, previousKmsKeyArn: keyArn(KEY_OLD) });
            expect(names()).to.not.include("UntagResource");
            expect(claimOn(tags)[OWNER_TAG]).to.equal(OWNER);
        });

        it("fails without UpdateDatabase when TagResource keeps failing", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_OLD)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            tagStore(aws);
            aws.timestream.on(TagResourceCommand).rejects(awsError(InternalServerException, "try later", { httpStatusCode: 500, attempts: 3 }));
            const error = await rejectionOf((await configuredProvider()).create(INPUTS));
            expect(error).to.include({ code: "Unavailable" });
            expect(error.properties, "nothing is recorded").to.equal(undefined);
            expect(names()).to.not.include("UpdateDatabase");
        });
    });

    describe("update", () => {
        const update = async (news: DatabaseKmsKeyInputs, olds: DatabaseKmsKeyOutputs = STATE) => (await (await configuredProvider()).update("metrics", olds, news)).outs!;

        it("checks its own claim before writing the key, with no tag write", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_B), keyArn(KEY_B));
            ownClaim(aws, "metrics", OWNER, keyArn(KEY_OLD));
            const outs = await update({ ...INPUTS, kmsKeyId: keyArn(KEY_B) });
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource", "UpdateDatabase"]);
            expect(outs).to.include({ kmsKeyArn: keyArn(KEY_B), previousKmsKeyArn: keyArn(KEY_OLD), owner: OWNER });
        });

        it("rewrites its claim from the state, not taking a rewritten original-key tag, before writing the key", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_B), keyArn(KEY_B));
            const tags = ownClaim(aws, "metrics", OWNER, keyArn(KEY_B));
            const outs = await update({ ...INPUTS, kmsKeyId: keyArn(KEY_B) });
            expect(outs).to.include({ kmsKeyArn: keyArn(KEY_B), previousKmsKeyArn: keyArn(KEY_OLD) });
            expect(sent().slice(1)).to.deep.equal([
                ["ListTagsForResource", { ResourceARN: ARN }],
                ["TagResource", { ResourceARN: ARN, Tags: mine(keyArn(KEY_OLD)) }],
                ["ListTagsForResource", { ResourceARN: ARN }],
                ["UpdateDatabase", { DatabaseName: "metrics", KmsKeyId: keyArn(KEY_B) }],
            ]);
            expect(described(), "no DescribeKey of the tag's key").to.deep.equal([keyArn(KEY_B)]);
            expect(claimOn(tags)[ORIGINAL_KEY_TAG]).to.equal(keyArn(KEY_OLD));
            expect(warnings).to.have.length(1);
            expect(warnings[0]).to.include(`tag names "${keyArn(KEY_B)}", but this resource's state recorded ${keyArn(KEY_OLD)}`);
        });

        it("keeps its corrected claim when the key write after it is proven not applied", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_B), keyArn(KEY_B));
            const tags = ownClaim(aws, "metrics", OWNER, "not a key");
            aws.timestream.on(UpdateDatabaseCommand).rejects(awsError(AccessDeniedException, "kms:CreateGrant", { httpStatusCode: 400 }));
            await rejectionOf(update({ ...INPUTS, kmsKeyId: keyArn(KEY_B) }));
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource", "TagResource", "ListTagsForResource", "UpdateDatabase"]);
            expect(claimOn(tags)).to.deep.equal({ [OWNER_TAG]: OWNER, [ORIGINAL_KEY_TAG]: keyArn(KEY_OLD) });
        });

        it("refuses to write the key over another owner's claim (taken over), with no UpdateDatabase", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_B), keyArn(KEY_B));
            tagStore(aws, { [ARN]: theirClaim() });
            const error = await rejectionOf(update({ ...INPUTS, kmsKeyId: keyArn(KEY_B) }));
            expect(error).to.include({ code: "ClaimedElsewhere" });
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource"]);
        });

        it("claims the database for a state from before the claim, with no DescribeDatabase or UpdateDatabase when the key is right", async () => {
            const legacy = { ...STATE, owner: undefined };
            const tags = tagStore(aws);
            const provider = await configuredProvider();
            expect((await provider.diff("metrics", legacy, INPUTS)).changes).to.equal(true);
            const { outs } = await provider.update("metrics", legacy, INPUTS);
            expect(sent()).to.deep.equal([
                ["ListTagsForResource", { ResourceARN: ARN }],
                ["TagResource", { ResourceARN: ARN, Tags: mine(keyArn(KEY_OLD)) }],
                ["ListTagsForResource", { ResourceARN: ARN }],
            ]);
            expect(outs).to.deep.equal({ ...STATE, owner: OWNER });
            expect(claimOn(tags)[ORIGINAL_KEY_TAG]).to.equal(keyArn(KEY_OLD));
        });

        it("refuses to claim for a state from before the claim when another owner holds the database", async () => {
            tagStore(aws, { [ARN]: theirClaim() });
            const error = await rejectionOf(update(INPUTS, { ...STATE, owner: undefined }));
            expect(error).to.include({ code: "ClaimedElsewhere" });
            expect(names()).to.deep.equal(["ListTagsForResource"]);
        });

        it("writes the new owner over the one its state recorded after a rename, keeping the original key", async () => {
            const before = "timestream-kms-test/test/old-name";
            const tags = ownClaim(aws, "metrics", before, keyArn(KEY_OLD));
            const provider = await configuredProvider();
            const olds = { ...STATE, owner: before };
            expect((await provider.diff("metrics", olds, INPUTS)).changes).to.equal(true);
            const { outs } = await provider.update("metrics", olds, INPUTS);
            expect(names()).to.deep.equal(["ListTagsForResource", "TagResource", "ListTagsForResource"]);
            expect(claimOn(tags)).to.deep.equal({ [OWNER_TAG]: OWNER, [ORIGINAL_KEY_TAG]: keyArn(KEY_OLD) });
            expect(outs!.owner).to.equal(OWNER);
        });

        it("puts the owner its state recorded back when the key write of an update after a rename is proven not applied", async () => {
            const before = "timestream-kms-test/test/old-name";
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_B), keyArn(KEY_B));
            const tags = ownClaim(aws, "metrics", before, keyArn(KEY_OLD));
            aws.timestream.on(UpdateDatabaseCommand).rejects(awsError(AccessDeniedException, "kms:CreateGrant", { httpStatusCode: 400 }));
            const error = await rejectionOf((await configuredProvider()).update("metrics", { ...STATE, owner: before }, { ...INPUTS, kmsKeyId: keyArn(KEY_B) }));
            expect(error).to.include({ code: "AccessDenied" });
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource", "TagResource", "ListTagsForResource", "UpdateDatabase", "TagResource"]);
            expect(claimOn(tags)).to.deep.equal({ [OWNER_TAG]: before, [ORIGINAL_KEY_TAG]: keyArn(KEY_OLD) });
        });

        it("releases its claim when recordOwnership turns false, and records no owner", async () => {
            const tags = ownClaim(aws, "metrics", OWNER, keyArn(KEY_OLD));
            const news = { ...INPUTS, recordOwnership: false };
            const provider = await configuredProvider();
            expect((await provider.diff("metrics", STATE, news)).changes).to.equal(true);
            const { outs } = await provider.update("metrics", STATE, news);
            expect(sent()).to.deep.equal([
                ["ListTagsForResource", { ResourceARN: ARN }],
                ["UntagResource", { ResourceARN: ARN, TagKeys: [OWNER_TAG, ORIGINAL_KEY_TAG] }],
            ]);
            expect(tags.get(ARN)).to.deep.equal([]);
            expect(outs).to.not.have.property("owner");
        });

        it("refuses a key write over another owner's claim when recordOwnership turns false, with no UpdateDatabase", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_B), keyArn(KEY_B));
            const tags = tagStore(aws, { [ARN]: theirClaim() });
            const error = await rejectionOf(update({ ...INPUTS, kmsKeyId: keyArn(KEY_B), recordOwnership: false }));
            expect(error).to.include({ code: "ClaimedElsewhere" });
            expect(error.message).to.include(`the database is claimed by resource "metrics-key" of stack "prod"`);
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource"]);
            expect(claimOn(tags)[OWNER_TAG]).to.equal(OTHER_OWNER);
        });

        it("writes the key over another owner's claim when recordOwnership turns false with takeOver, leaving that claim", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_B), keyArn(KEY_B));
            const tags = tagStore(aws, { [ARN]: theirClaim() });
            const outs = await update({ ...INPUTS, kmsKeyId: keyArn(KEY_B), recordOwnership: false, takeOver: true });
            expect(outs).to.include({ kmsKeyArn: keyArn(KEY_B), previousKmsKeyArn: keyArn(KEY_OLD) });
            expect(names()).to.deep.equal(["DescribeDatabase", "ListTagsForResource", "UpdateDatabase"]);
            expect(claimOn(tags)[OWNER_TAG]).to.equal(OTHER_OWNER);
        });

        it("leaves another owner's claim alone when recordOwnership turns false", async () => {
            tagStore(aws, { [ARN]: theirClaim() });
            await update({ ...INPUTS, recordOwnership: false });
            expect(names()).to.deep.equal(["ListTagsForResource"]);
        });

        it("makes no tag call when only onDelete changes", async () => {
            tagStore(aws);
            await update({ ...INPUTS, onDelete: "restore" });
            expect(sent()).to.deep.equal([]);
        });
    });

    describe("diff and read", () => {
        it("reports no change when the claim to record is the state's, with no tag call", async () => {
            tagStore(aws, { [ARN]: theirClaim() });
            expect((await (await configuredProvider()).diff("metrics", STATE, INPUTS)).changes).to.equal(false);
            expect(sent()).to.deep.equal([]);
        });

        it("reports no change for a resource that records no claim", async () => {
            const olds = { ...STATE, owner: undefined, recordOwnership: false };
            expect((await (await configuredProvider()).diff("metrics", olds, { ...INPUTS, recordOwnership: false })).changes).to.equal(false);
        });

        it("refreshes with one DescribeDatabase and no tag call, keeping the recorded owner", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_A), keyArn(KEY_A));
            tagStore(aws, { [ARN]: theirClaim() });
            const { props } = await (await configuredProvider()).read("metrics", STATE);
            expect(names()).to.deep.equal(["DescribeDatabase"]);
            expect(props!.owner).to.equal(OWNER);
        });
    });

    describe("delete", () => {
        const remove = async (props: DatabaseKmsKeyOutputs) => (await configuredProvider()).delete("metrics", props);

        it("releases its claim with ListTagsForResource and UntagResource when onDelete is retain", async () => {
            const tags = ownClaim(aws, "metrics", OWNER, keyArn(KEY_OLD));
            await remove(STATE);
            expect(sent()).to.deep.equal([
                ["ListTagsForResource", { ResourceARN: ARN }],
                ["UntagResource", { ResourceARN: ARN, TagKeys: [OWNER_TAG, ORIGINAL_KEY_TAG] }],
            ]);
            expect(tags.get(ARN)).to.deep.equal([]);
        });

        it("restores the previous key, then releases its claim", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_OLD), keyArn(KEY_OLD));
            ownClaim(aws, "metrics", OWNER, keyArn(KEY_OLD));
            await remove({ ...STATE, onDelete: "restore" });
            expect(names()).to.deep.equal(["ListTagsForResource", "DescribeDatabase", "UpdateDatabase", "UntagResource"]);
        });

        it("leaves a database another owner took over and put on its own key alone, key and claim, and succeeds", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_B)));
            const tags = tagStore(aws, { [ARN]: theirClaim() });
            await remove({ ...STATE, onDelete: "restore" });
            expect(names()).to.deep.equal(["ListTagsForResource", "DescribeDatabase"]);
            expect(aws.kms.calls()).to.have.length(0);
            expect(aws.sts.commandCalls(GetCallerIdentityCommand)).to.have.length(1);
            expect(claimOn(tags)[OWNER_TAG]).to.equal(OTHER_OWNER);
        });

        it("restores the state's previous key, leaving the claim, when another owner's claim is on a database still on this resource's key", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_OLD), keyArn(KEY_OLD));
            // A forged claim naming another owner, and an original key of its choosing.
            const tags = tagStore(aws, { [ARN]: claimTags({ owner: OTHER_OWNER, originalKeyArn: keyArn(KEY_B) }) });
            await remove({ ...STATE, onDelete: "restore" });
            expect(sent()).to.deep.equal([
                ["ListTagsForResource", { ResourceARN: ARN }],
                ["DescribeDatabase", { DatabaseName: "metrics" }],
                ["UpdateDatabase", { DatabaseName: "metrics", KmsKeyId: keyArn(KEY_OLD) }],
            ]);
            expect(claimOn(tags)[OWNER_TAG]).to.equal(OTHER_OWNER);
        });

        it("leaves another owner's claim alone with no key call when onDelete is retain", async () => {
            tagStore(aws, { [ARN]: theirClaim() });
            await remove(STATE);
            expect(names()).to.deep.equal(["ListTagsForResource"]);
            expect(aws.kms.calls()).to.have.length(0);
        });

        it("restores without UntagResource when the claim is gone", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_OLD), keyArn(KEY_OLD));
            tagStore(aws);
            await remove({ ...STATE, onDelete: "restore" });
            expect(names()).to.deep.equal(["ListTagsForResource", "DescribeDatabase", "UpdateDatabase"]);
            expect(aws.sts.commandCalls(GetCallerIdentityCommand)).to.have.length(1);
        });

        it("succeeds with no other Timestream call when the database is gone, once STS shows the database's account", async () => {
            aws.timestream.on(ListTagsForResourceCommand).rejects(awsError(ResourceNotFoundException, "The resource does not exist.", { httpStatusCode: 404 }));
            await remove({ ...STATE, onDelete: "restore" });
            expect(names()).to.deep.equal(["ListTagsForResource"]);
            expect(aws.sts.commandCalls(GetCallerIdentityCommand)).to.have.length(1);
        });

        describe("with credentials of another account than the recorded database's", () => {
            beforeEach(() => aws.sts.on(GetCallerIdentityCommand).resolves({ Account: OTHER_ACCOUNT, Arn: `arn:aws:iam::${OTHER_ACCOUNT}:user/test` }));

            for (const onDelete of ["retain", "restore"] as const) {
                it(`fails with WrongAccount, keeping the resource, when the database is missing to them (${onDelete})`, async () => {
                    aws.timestream.on(ListTagsForResourceCommand).rejects(awsError(ResourceNotFoundException, "The resource does not exist.", { httpStatusCode: 404 }));
                    const error = await rejectionOf(remove({ ...STATE, onDelete }));
                    expect(error).to.include({ code: "WrongAccount" });
                    expect(error.message).to.include(`account ${OTHER_ACCOUNT}`).and.include(ARN).and.include("The resource stays in state");
                    expect(names()).to.deep.equal(["ListTagsForResource"]);
                });
            }

            it("fails with WrongAccount, writing nothing, when what they reach holds no claim of this resource", async () => {
                tagStore(aws);
                const error = await rejectionOf(remove(STATE));
                expect(error).to.include({ code: "WrongAccount" });
                expect(error.message).to.include("does not hold this resource's claim");
                expect(names()).to.deep.equal(["ListTagsForResource"]);
            });

            it("fails with WrongAccount for a state that recorded no claim, when the database to restore is missing to them", async () => {
                const error = await rejectionOf(remove({ ...STATE, onDelete: "restore", owner: undefined, recordOwnership: false }));
                expect(error).to.include({ code: "WrongAccount" });
                expect(names()).to.deep.equal(["DescribeDatabase"]);
            });
        });

        it("keeps its claim when the restore fails, so the resource stays whole in state", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_OLD, { KeyState: "Disabled" }), keyArn(KEY_OLD));
            ownClaim(aws, "metrics", OWNER, keyArn(KEY_OLD));
            const error = await rejectionOf(remove({ ...STATE, onDelete: "restore" }));
            expect(error).to.include({ code: "KeyUnusable" });
            expect(names()).to.not.include("UntagResource");
        });

        it("says how to drop the resource from state when UntagResource is denied", async () => {
            ownClaim(aws, "metrics", OWNER, keyArn(KEY_OLD));
            aws.timestream.on(UntagResourceCommand).rejects(awsError(AccessDeniedException, "no", { httpStatusCode: 400 }));
            const error = await rejectionOf(remove(STATE));
            expect(error).to.include({ code: "AccessDenied" });
            expect(error.message).to.include("AWS denied timestream:UntagResource").and.match(/run `pulumi state delete` with its URN$/);
        });

        it("makes no tag call for a state that recorded no claim", async () => {
            holdDatabase(aws, database("metrics", keyArn(KEY_A)));
            knowKey(aws, keyMetadata(KEY_OLD), keyArn(KEY_OLD));
            tagStore(aws);
            await remove({ ...STATE, onDelete: "restore", owner: undefined, recordOwnership: false });
            expect(names()).to.deep.equal(["DescribeDatabase", "UpdateDatabase"]);
        });
    });
});
