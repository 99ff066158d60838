/**
 * Shared pieces of the unit tests: the AWS SDK mocks, a clean AWS environment
 * per test, a configured provider, and the AWS answers (databases, keys) the
 * tests hand to the mocks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import { mockClient, AwsClientStub } from "aws-sdk-client-mock";
import {
    Database,
    DescribeDatabaseCommand,
    ListTagsForResourceCommand,
    ResourceNotFoundException,
    TagResourceCommand,
    TimestreamWriteClient,
    UntagResourceCommand,
    UpdateDatabaseCommand,
} from "@aws-sdk/client-timestream-write";
import { DescribeKeyCommand, KeyMetadata, KMSClient, NotFoundException } from "@aws-sdk/client-kms";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { DatabaseKmsKeyError } from "../../provider/aws";
import { DatabaseKmsKeyOutputs, DatabaseKmsKeyProvider } from "../../provider/lifecycle";
import { ORIGINAL_KEY_TAG, OWNER_TAG, Tag } from "../../provider/ownership";

import { configured, REGION, rejectionOfType } from "../support/common";

export { REGION };
export const OTHER_REGION = "eu-west-1";
export const ACCOUNT = "111122223333";
export const KEY_A = "1234abcd-12ab-34cd-56ef-1234567890ab";
export const KEY_B = "0987dcba-09fe-87dc-65ba-ab0987654321";
/** The key a database had before a resource took it over. */
export const KEY_OLD = "aaaabbbb-cccc-dddd-eeee-ffff00001111";

export const keyArn = (id: string, region = REGION) => `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`;
export const aliasArn = (name: string, region = REGION) => `arn:aws:kms:${region}:${ACCOUNT}:alias/${name}`;
export const databaseArn = (name: string, region = REGION) => `arn:aws:timestream:${region}:${ACCOUNT}:database/${name}`;

/** The owner `DatabaseKmsKey` would record for resource "metrics-key" of stack "test" in project "timestream-kms-test". */
export const OWNER = "timestream-kms-test/test/metrics-key";
/** Another stack's resource on the same database. */
export const OTHER_OWNER = "timestream-kms-test/prod/metrics-key";

export const CREATED = new Date("2026-01-02T03:04:05.000Z");
export const UPDATED = new Date("2026-02-03T04:05:06.000Z");

/** The quotas messages name when AWS keeps throttling a call, by what was throttled. */
export const QUOTAS = {
    writes: "Timestream writes (UpdateDatabase, TagResource, UntagResource), 1 a second per account and region unless raised (then set pulumi-timestream-kms:writesPerSecond)",
    reads: "Timestream reads (DescribeDatabase, ListTagsForResource), 5 a second per account and region unless raised (then set pulumi-timestream-kms:readsPerSecond)",
    kms: "KMS requests (DescribeKey), per account and region, shared with every other caller of KMS in the account",
    sts: "STS requests (AssumeRole, GetCallerIdentity), per account and region",
};

/** The AWS SDK mocks of one suite: installed before it, emptied before each test, removed after it. */
export interface AwsMocks {
    timestream: AwsClientStub<TimestreamWriteClient>;
    kms: AwsClientStub<KMSClient>;
    sts: AwsClientStub<STSClient>;
}

/**
 * Mocks `send` of every Timestream and KMS client for the enclosing suite, as
 * an AWS account ({@link ACCOUNT}, as STS GetCallerIdentity says) holding no
 * database and no key; tests add what they need.
 * Removed afterwards so that suites talking to moto in the same mocha run get
 * real clients.
 */
export function useAwsMocks(): AwsMocks {
    const mocks = {} as AwsMocks;
    before(() => {
        mocks.timestream = mockClient(TimestreamWriteClient);
        mocks.kms = mockClient(KMSClient);
        mocks.sts = mockClient(STSClient);
    });
    beforeEach(() => {
        mocks.timestream.reset();
        mocks.kms.reset();
        mocks.sts.reset();
        mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/test`, UserId: "AIDATEST" });
        // Generic answers first: the more specific ones tests add later take precedence.
        const noDatabase = () => awsError(ResourceNotFoundException, "The database does not exist.", { httpStatusCode: 404 });
        mocks.timestream.on(DescribeDatabaseCommand).rejects(noDatabase()).on(UpdateDatabaseCommand).rejects(noDatabase());
        // Every database carries no tag until a test says otherwise; tag writes succeed and are read back.
        tagStore(mocks);
        mocks.kms.on(DescribeKeyCommand).rejects(awsError(NotFoundException, "Invalid keyId", { httpStatusCode: 400 }));
    });
    after(() => {
        mocks.timestream.restore();
        mocks.kms.restore();
        mocks.sts.restore();
    });
    return mocks;
}

// Variables through which the SDK would find a region, profile or endpoint outside the test's control.
const AWS_SETTINGS = /^AWS_(REGION|DEFAULT_REGION|PROFILE|ENDPOINT_URL.*|IGNORE_CONFIGURED_ENDPOINT_URLS|CONFIG_FILE|SHARED_CREDENTIALS_FILE)$/;

/**
 * Gives each test of the enclosing suite an environment with no AWS region,
 * profile or endpoint (and no shared config file), and puts process.env back
 * as it was after each test.
 */
export function useCleanAwsEnv(): void {
    let saved: Record<string, string | undefined> = {};
    beforeEach(() => {
        saved = { ...process.env };
        for (const name of Object.keys(process.env)) if (AWS_SETTINGS.test(name)) delete process.env[name];
        const nowhere = path.join(os.tmpdir(), "timestream-kms-unit-no-such-dir");
        process.env.AWS_CONFIG_FILE = path.join(nowhere, "config");
        process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(nowhere, "credentials");
    });
    afterEach(() => {
        for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
        Object.assign(process.env, saved);
    });
}

/** Points AWS_CONFIG_FILE at a new file holding `text`, for the rest of the test ({@link useCleanAwsEnv} puts it back). */
export function withConfigFile(text: string): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "timestream-kms-config-"));
    fs.writeFileSync(path.join(dir, "config"), text);
    process.env.AWS_CONFIG_FILE = path.join(dir, "config");
}

/** A provider configured as the host does it, with `config` as the stack config. */
export function configuredProvider(config: Record<string, string> = {}): Promise<DatabaseKmsKeyProvider> {
    return configured(new DatabaseKmsKeyProvider(), config);
}

/** KMS DescribeKey metadata of an enabled symmetric customer managed key, with `overrides`. */
export function keyMetadata(id: string, overrides: Partial<KeyMetadata> = {}): KeyMetadata {
    return {
        KeyId: id,
        Arn: keyArn(id),
        KeyState: "Enabled",
        Enabled: true,
        KeyUsage: "ENCRYPT_DECRYPT",
        KeySpec: "SYMMETRIC_DEFAULT",
        KeyManager: "CUSTOMER",
        ...overrides,
    } as KeyMetadata;
}

/** A database as DescribeDatabase reports it on AWS (KmsKeyId a key ARN), with `overrides`. */
export function database(name: string, kmsKeyId: string, overrides: Partial<Database> = {}): Database {
    return { DatabaseName: name, Arn: databaseArn(name), KmsKeyId: kmsKeyId, TableCount: 2, CreationTime: CREATED, LastUpdatedTime: UPDATED, ...overrides };
}

/** Resource state as create would have recorded it for `name` on key `kmsKeyArn`. */
export function stateOf(name: string, kmsKeyArn: string, overrides: Partial<DatabaseKmsKeyOutputs> = {}): DatabaseKmsKeyOutputs {
    return {
        databaseName: name,
        kmsKeyId: kmsKeyArn,
        region: REGION,
        onDelete: "retain",
        databaseArn: databaseArn(name),
        kmsKeyArn,
        previousKmsKeyArn: keyArn(KEY_OLD),
        appliedKmsKeyArn: kmsKeyArn,
        tableCount: 2,
        creationTime: CREATED.toISOString(),
        lastUpdatedTime: UPDATED.toISOString(),
        keyManager: "CUSTOMER",
        keyState: "Enabled",
        owner: OWNER,
        ...overrides,
    };
}

/**
 * Makes the databases' tags behave as Timestream's do: ListTagsForResource answers what TagResource and UntagResource
 * left, starting from `initial` (tags by database ARN). Returns the live tags by database ARN.
 */
export function tagStore(mocks: AwsMocks, initial: Record<string, Tag[]> = {}): Map<string, Tag[]> {
    const tags = new Map(Object.entries(initial));
    mocks.timestream
        .on(ListTagsForResourceCommand)
        .callsFake((input: { ResourceARN: string }) => ({ Tags: tags.get(input.ResourceARN) ?? [] }))
        .on(TagResourceCommand)
        .callsFake((input: { ResourceARN: string; Tags: Tag[] }) => {
            const kept = (tags.get(input.ResourceARN) ?? []).filter((t) => !input.Tags.some((n) => n.Key === t.Key));
            tags.set(input.ResourceARN, [...kept, ...input.Tags]);
            return {};
        })
        .on(UntagResourceCommand)
        .callsFake((input: { ResourceARN: string; TagKeys: string[] }) => {
            tags.set(input.ResourceARN, (tags.get(input.ResourceARN) ?? []).filter((t) => !input.TagKeys.includes(t.Key!)));
            return {};
        });
    return tags;
}

/** A claim of `owner` with `originalKeyArn` on database `name`, in a {@link tagStore}. */
export function ownClaim(mocks: AwsMocks, name: string, owner: string, originalKeyArn?: string): Map<string, Tag[]> {
    const tags = [{ Key: OWNER_TAG, Value: owner }, ...(originalKeyArn === undefined ? [] : [{ Key: ORIGINAL_KEY_TAG, Value: originalKeyArn }])];
    return tagStore(mocks, { [databaseArn(name)]: tags });
}

/** Makes KMS answer DescribeKey for each of `names` with `metadata`. */
export function knowKey(mocks: AwsMocks, metadata: KeyMetadata, ...names: string[]): void {
    for (const name of names) mocks.kms.on(DescribeKeyCommand, { KeyId: name }).resolves({ KeyMetadata: metadata });
}

/**
 * Makes Timestream hold `db`: DescribeDatabase returns it, and UpdateDatabase
 * returns it with the key it was sent (as AWS does for a key ARN).
 */
export function holdDatabase(mocks: AwsMocks, db: Database): void {
    mocks.timestream.on(DescribeDatabaseCommand, { DatabaseName: db.DatabaseName }).resolves({ Database: db });
    mocks.timestream
        .on(UpdateDatabaseCommand, { DatabaseName: db.DatabaseName })
        .callsFake((input: { KmsKeyId: string }) => ({ Database: { ...db, KmsKeyId: input.KmsKeyId, LastUpdatedTime: UPDATED } }));
}

/** An AWS SDK exception as the SDK builds it from a response (Timestream's carry `Message`, KMS's `message`). */
export function awsError<T>(Type: new (options: any) => T, message: string, $metadata: { httpStatusCode?: number; attempts?: number } = {}): T {
    return new Type({ message, Message: message, $metadata });
}

/** The DatabaseKmsKeyError `promise` fails with; fails the test when it succeeds or fails otherwise. */
export function rejectionOf(promise: Promise<unknown>): Promise<DatabaseKmsKeyError> {
    return rejectionOfType(promise, DatabaseKmsKeyError);
}

/**
 * The warnings the provider writes to its log (standard error) during each test of the enclosing suite, one line
 * each without the trailing newline; anything else written there passes through.
 */
export function useWarnings(): string[] {
    const lines: string[] = [];
    const write = process.stderr.write;
    beforeEach(() => {
        lines.length = 0;
        process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
            const text = String(chunk);
            if (!text.startsWith("warning: ")) return write.call(process.stderr, chunk, ...rest);
            lines.push(text.replace(/\n$/, ""));
            return true;
        }) as typeof process.stderr.write;
    });
    afterEach(() => {
        process.stderr.write = write;
    });
    return lines;
}
