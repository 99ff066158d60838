/**
 * Test fixtures in moto: KMS keys and aliases and Timestream databases, made
 * and changed with SDK clients that talk straight to moto, so that a
 * {@link RecordingProxy} in front of the provider never counts them. Every
 * name is unique per call, so tests share one moto without resetting it.
 */
import {
    CreateDatabaseCommand,
    Database,
    DeleteDatabaseCommand,
    DescribeDatabaseCommand,
    ListTagsForResourceCommand,
    TagResourceCommand,
    Tag,
    TimestreamWriteClient,
    UpdateDatabaseCommand,
} from "@aws-sdk/client-timestream-write";
import {
    CreateAliasCommand,
    CreateKeyCommand,
    CreateKeyCommandInput,
    DisableKeyCommand,
    KMSClient,
    ScheduleKeyDeletionCommand,
    UpdateAliasCommand,
} from "@aws-sdk/client-kms";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { TEST_CREDENTIALS } from "./moto";

/** A KMS key made by a fixture. */
export interface Key {
    /** The key ID, e.g. `1234abcd-12ab-34cd-56ef-1234567890ab`. */
    readonly id: string;
    /** The key ARN, e.g. `arn:aws:kms:us-east-1:123456789012:key/1234abcd-…`. */
    readonly arn: string;
}

/** A KMS alias made by a fixture. */
export interface Alias {
    /** The alias name, e.g. `alias/test-1a2b3c`. */
    readonly name: string;
    /** The alias ARN, e.g. `arn:aws:kms:us-east-1:123456789012:alias/test-1a2b3c`. */
    readonly arn: string;
    /** The key it points to. */
    readonly key: Key;
}

let counter = 0;

/**
 * A name no other call in this process returns: `prefix`, the process id, a
 * counter and a random part, valid as a database and alias name.
 *
 * @example
 * uniqueName("db"); // "db-4242-7-k3j9"
 */
export function uniqueName(prefix = "test"): string {
    return `${prefix}-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Makes and changes fixtures in one region of moto. Clients are made once per
 * instance; {@link inRegion} gives an instance for another region that shares
 * nothing but the endpoint.
 *
 * @example
 * const fx = new Fixtures(moto.endpoint, "us-east-1");
 * const key = await fx.createKey();
 * const alias = await fx.createAlias(key);
 * const db = await fx.createDatabase(key.arn);
 * await fx.setDatabaseKey(db.DatabaseName, (await fx.createKey()).arn); // drift, out of band
 */
export class Fixtures {
    private readonly kms: KMSClient;
    private readonly timestream: TimestreamWriteClient;

    /**
     * @param endpoint moto's own endpoint (not a proxy's), e.g. `moto.endpoint`.
     * @param region the region every fixture of this instance lives in.
     * @param credentials whose fixtures they are: moto keeps AWS accounts apart by credentials (see {@link inAccount}).
     */
    constructor(
        readonly endpoint: string,
        readonly region: string,
        private readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = TEST_CREDENTIALS,
    ) {
        const config = { endpoint, region, credentials };
        this.kms = new KMSClient(config);
        // An endpoint in the client config also turns Timestream endpoint discovery off.
        this.timestream = new TimestreamWriteClient(config);
    }

    /** The same fixtures API for another region of the same moto. */
    inRegion(region: string): Fixtures {
        return new Fixtures(this.endpoint, region, this.credentials);
    }

    /**
     * The same fixtures API in another AWS account: credentials from STS AssumeRole into `roleArn`, which moto treats
     * as the role's account.
     *
     * @example
     * const other = await fx.inAccount("arn:aws:iam::111111111111:role/x");
     */
    async inAccount(roleArn: string): Promise<Fixtures> {
        const sts = new STSClient({ endpoint: this.endpoint, region: this.region, credentials: this.credentials });
        const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "fixtures" }));
        return new Fixtures(this.endpoint, this.region, {
            accessKeyId: Credentials!.AccessKeyId!,
            secretAccessKey: Credentials!.SecretAccessKey!,
            sessionToken: Credentials!.SessionToken,
        });
    }

    /** Creates a symmetric encryption key (or one with the given KMS CreateKey options). */
    async createKey(options: Omit<CreateKeyCommandInput, "Tags"> = {}): Promise<Key> {
        const { KeyMetadata } = await this.kms.send(new CreateKeyCommand({ Description: "pulumi-timestream-kms test", ...options }));
        return { id: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! };
    }

    /** Creates an RSA_2048 ENCRYPT_DECRYPT key, which Timestream cannot use. */
    createAsymmetricKey(): Promise<Key> {
        return this.createKey({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" });
    }

    /** Creates an alias (a unique `alias/…` name unless `name` is given) pointing to `key`. */
    async createAlias(key: Key, name = `alias/${uniqueName("alias")}`): Promise<Alias> {
        await this.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: key.id }));
        const account = key.arn.split(":")[4];
        return { name, arn: `arn:aws:kms:${this.region}:${account}:${name}`, key };
    }

    /** Points an existing alias at another key, as a program's `aws.kms.Alias` does when its target changes. */
    async updateAlias(alias: Alias, key: Key): Promise<Alias> {
        await this.kms.send(new UpdateAliasCommand({ AliasName: alias.name, TargetKeyId: key.id }));
        return { ...alias, key };
    }

    /** Disables `key` (its state becomes Disabled). */
    async disableKey(key: Key): Promise<void> {
        await this.kms.send(new DisableKeyCommand({ KeyId: key.id }));
    }

    /** Schedules `key` for deletion in 7 days (its state becomes PendingDeletion). */
    async scheduleDeletion(key: Key): Promise<void> {
        await this.kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.id, PendingWindowInDays: 7 }));
    }

    /**
     * Creates a database (a unique name unless `name` is given) with `kmsKeyId`,
     * or with the default key when omitted, and returns it as Timestream describes it.
     */
    async createDatabase(kmsKeyId?: string, name = uniqueName("db")): Promise<Database & { DatabaseName: string }> {
        const { Database } = await this.timestream.send(new CreateDatabaseCommand({ DatabaseName: name, KmsKeyId: kmsKeyId }));
        return { ...Database, DatabaseName: name };
    }

    /** The database as Timestream describes it now, or undefined when it does not exist. */
    async describeDatabase(name: string): Promise<Database | undefined> {
        try {
            return (await this.timestream.send(new DescribeDatabaseCommand({ DatabaseName: name }))).Database;
        } catch (error) {
            if ((error as Error).name === "ResourceNotFoundException") return undefined;
            throw error;
        }
    }

    /** A new database on a customer key of its own, the key `onDelete: "restore"` puts back. */
    async databaseOnOwnKey(): Promise<{ previous: Key; db: string }> {
        const previous = await this.createKey();
        return { previous, db: (await this.createDatabase(previous.arn)).DatabaseName };
    }

    /** The key the database reports now, as Timestream answers it (undefined when the database is gone). */
    async liveKey(name: string): Promise<string | undefined> {
        return (await this.describeDatabase(name))?.KmsKeyId;
    }

    /** The tags on the resource `arn` (a database), as ListTagsForResource answers them. */
    async tags(arn: string): Promise<Tag[]> {
        return (await this.timestream.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags ?? [];
    }

    /** Writes tags on the resource `arn` (a database) behind the provider's back, as anyone with TagResource can. */
    async tag(arn: string, tags: Tag[]): Promise<void> {
        await this.timestream.send(new TagResourceCommand({ ResourceARN: arn, Tags: tags.map(({ Key, Value }) => ({ Key, Value })) }));
    }

    /** Changes the database's key behind the provider's back (drift). */
    async setDatabaseKey(name: string, kmsKeyId: string): Promise<void> {
        await this.timestream.send(new UpdateDatabaseCommand({ DatabaseName: name, KmsKeyId: kmsKeyId }));
    }

    /** Deletes the database behind the provider's back. */
    async deleteDatabase(name: string): Promise<void> {
        await this.timestream.send(new DeleteDatabaseCommand({ DatabaseName: name }));
    }
}
