/**
 * Accounts and credentials as Pulumi AWS users have them (issue 11), through the real provider host against moto,
 * which keeps accounts apart by credentials: credentials from STS AssumeRole into a role of account 111111111111 act
 * in that account. The recording proxy sees which access key signed each call. Each test starts a host with its own
 * stack config and environment, as `pulumi up` in a stack with those settings would.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { Fixtures, uniqueName } from "../../lab/fixtures";
import { Engine } from "../../lab/lab";
import { linkedProject, ownerFor, Props, ProviderHost, registeredProvider, UNKNOWN, urnOf } from "../../lab/host";
import { proxiedMoto, REGION } from "../support/integration";
import { TEST_CREDENTIALS } from "../../lab/moto";

const OTHER_ACCOUNT = "111111111111";
const ROLE_ARN = `arn:aws:iam::${OTHER_ACCOUNT}:role/timestream-keys`;
const HOME_ACCOUNT = "123456789012"; // moto's account for credentials it does not know

describe("provider host: accounts and credentials", function () {
    const env = proxiedMoto("aws");
    let project: string;
    let provider: string;
    let other: Fixtures;
    const hosts: ProviderHost[] = [];

    before(async function () {
        if (env.moto === undefined) return;
        project = linkedProject();
        provider = await registeredProvider();
        other = await env.fx.inAccount(ROLE_ARN);
    });
    after(async () => {
        await Promise.all(hosts.map((h) => h.stop()));
        if (project) fs.rmSync(project, { recursive: true, force: true });
    });

    /** A host as `pulumi up` starts it for a stack with this config and environment, its AWS traffic through the proxy. */
    async function host(config: Record<string, string>, extraEnv: Record<string, string | undefined> = {}): Promise<ProviderHost> {
        const started = await ProviderHost.start({ cwd: project, env: { AWS_ENDPOINT_URL: env.proxy.endpoint, ...extraEnv } });
        hosts.push(started);
        await started.configure({ "aws:region": REGION, ...config });
        return started;
    }

    /** A database on its own key, and a second key, in the other account. */
    async function otherAccountDatabase() {
        const [original, key] = await Promise.all([other.createKey(), other.createKey()]);
        const db = (await other.createDatabase(original.arn)).DatabaseName;
        env.proxy.reset();
        return { original, key, db, inputs: { databaseName: db, kmsKeyId: key.arn, onDelete: "restore", owner: ownerFor(db), __provider: provider } as Props };
    }

    /** Access keys that signed the provider's Timestream calls. */
    const timestreamSigners = () => [...new Set(env.proxy.timestreamCalls().map((c) => c.accessKeyId))];

    /** Creates through `h`, checks the key landed in the other account, then restores on delete. */
    async function roundTrip(h: ProviderHost, inputs: Props, original: { arn: string }, key: { arn: string }, db: string) {
        const { id, properties } = await h.create(urnOf(db), inputs);
        expect(properties).to.include({ kmsKeyArn: key.arn, previousKmsKeyArn: original.arn });
        expect(String(properties.databaseArn)).to.contain(`:${OTHER_ACCOUNT}:`);
        expect(await other.liveKey(db)).to.equal(key.arn);
        await h.delete(urnOf(db), id, properties);
        expect(await other.liveKey(db)).to.equal(original.arn);
    }

    it("reaches a database in another account through the assumeRole input, assuming the role once", async () => {
        const { original, key, db, inputs } = await otherAccountDatabase();
        const h = await host({});

        await roundTrip(h, { ...inputs, assumeRole: { roleArn: ROLE_ARN, externalId: "team-a", sessionName: "keys" } }, original, key, db);

        const assumed = env.proxy.calls.filter((c) => c.operation === "AssumeRole");
        expect(assumed.map((c) => [c.input.RoleArn, c.input.ExternalId, c.input.RoleSessionName])).to.deep.equal([[ROLE_ARN, "team-a", "keys"]]);
        expect(assumed[0].accessKeyId).to.equal(TEST_CREDENTIALS.accessKeyId);
        const signers = timestreamSigners();
        expect(signers).to.have.length(1);
        expect(signers[0]).to.not.equal(TEST_CREDENTIALS.accessKeyId);
        // KMS calls share the assumed credentials.
        expect(env.proxy.calls.filter((c) => c.service === "kms").every((c) => c.accessKeyId === signers[0])).to.equal(true);
    });

    it("reaches it through aws:assumeRoles stack config, a JSON list", async () => {
        const { original, key, db, inputs } = await otherAccountDatabase();
        const h = await host({ "aws:assumeRoles": JSON.stringify([{ roleArn: ROLE_ARN, duration: "1h" }]) });

        await roundTrip(h, inputs, original, key, db);

        expect(env.proxy.calls.filter((c) => c.operation === "AssumeRole").map((c) => [c.input.RoleArn, c.input.DurationSeconds])).to.deep.equal([[ROLE_ARN, "3600"]]);
        expect(timestreamSigners()).to.not.include(TEST_CREDENTIALS.accessKeyId);
    });

    it("reaches it through a profile input whose shared config assumes the role", async () => {
        const { original, key, db, inputs } = await otherAccountDatabase();
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "timestream-kms-home-"));
        try {
            fs.mkdirSync(path.join(home, ".aws"));
            fs.writeFileSync(path.join(home, ".aws", "config"), `[profile keys]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nregion = ${REGION}\n`);
            fs.writeFileSync(path.join(home, ".aws", "credentials"), "[base]\naws_access_key_id = AKIAPROFILEBASE00001\naws_secret_access_key = base-secret\n");
            const h = await host({}, { HOME: home, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_CONFIG_FILE: undefined, AWS_SHARED_CREDENTIALS_FILE: undefined });

            await roundTrip(h, { ...inputs, profile: "keys" }, original, key, db);

            const assumed = env.proxy.calls.filter((c) => c.operation === "AssumeRole");
            expect(assumed.map((c) => [c.input.RoleArn, c.accessKeyId])).to.deep.equal([[ROLE_ARN, "AKIAPROFILEBASE00001"]]);
            expect(timestreamSigners()).to.not.include("AKIAPROFILEBASE00001");
        } finally {
            fs.rmSync(home, { recursive: true, force: true });
        }
    });

    it("reads the profile from the files aws:sharedConfigFiles and aws:sharedCredentialsFiles name", async () => {
        const { original, key, db, inputs } = await otherAccountDatabase();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "timestream-kms-files-"));
        try {
            fs.writeFileSync(path.join(dir, "config"), `[profile keys]\nrole_arn = ${ROLE_ARN}\nsource_profile = base\nregion = ${REGION}\n`);
            fs.writeFileSync(path.join(dir, "credentials"), "[base]\naws_access_key_id = AKIAFILESBASE0000001\naws_secret_access_key = base-secret\n");
            const files = { "aws:sharedConfigFiles": JSON.stringify([path.join(dir, "config")]), "aws:sharedCredentialsFiles": JSON.stringify([path.join(dir, "credentials")]) };
            // The SDK's own files are elsewhere and empty: only the stack config can lead to the profile.
            const h = await host(files, { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_CONFIG_FILE: path.join(dir, "none"), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "none") });

            expect((await h.check(urnOf(db), {}, { ...inputs, profile: "keys" })).failures).to.deep.equal([]);
            await roundTrip(h, { ...inputs, profile: "keys" }, original, key, db);

            const assumed = env.proxy.calls.filter((c) => c.operation === "AssumeRole");
            expect(assumed.map((c) => [c.input.RoleArn, c.accessKeyId])).to.deep.equal([[ROLE_ARN, "AKIAFILESBASE0000001"]]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("signs with aws:accessKey and aws:secretKey when the environment has no credentials", async () => {
        const original = await env.fx.createKey();
        const key = await env.fx.createKey();
        const db = (await env.fx.createDatabase(original.arn)).DatabaseName;
        env.proxy.reset();
        const h = await host(
            { "aws:accessKey": "AKIASTACKCONFIG00001", "aws:secretKey": "stack-config-secret" },
            { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: undefined },
        );

        const { properties } = await h.create(urnOf(db), { databaseName: db, kmsKeyId: key.arn, owner: ownerFor(db), __provider: provider });

        expect(properties.kmsKeyArn).to.equal(key.arn);
        expect([...new Set(env.proxy.calls.map((c) => c.accessKeyId))]).to.deep.equal(["AKIASTACKCONFIG00001"]);
        expect(JSON.stringify(properties)).to.not.contain("stack-config-secret").and.not.contain("AKIASTACKCONFIG00001");
    });

    it("refuses a write in an account aws:allowedAccountIds does not list, before any Timestream call", async () => {
        const original = await env.fx.createKey();
        const db = (await env.fx.createDatabase(original.arn)).DatabaseName;
        const key = await env.fx.createKey();
        env.proxy.reset();
        const h = await host({ "aws:allowedAccountIds": JSON.stringify([OTHER_ACCOUNT]) });

        const error = await h.create(urnOf(db), { databaseName: db, kmsKeyId: key.arn, owner: ownerFor(db), __provider: provider }).then(
            () => expect.fail("expected create to fail"),
            (e: Error) => e,
        );

        expect(error.message).to.contain(`account ${HOME_ACCOUNT}`).and.contain(`aws:allowedAccountIds (${OTHER_ACCOUNT})`);
        expect(env.proxy.operations()).to.deep.equal(["GetCallerIdentity"]);
        expect(await env.fx.liveKey(db)).to.equal(original.arn);
    });

    it("fails a refresh under another account's credentials instead of dropping the resource", async () => {
        const [original, key] = await Promise.all([env.fx.createKey(), env.fx.createKey()]);
        const db = (await env.fx.createDatabase(original.arn)).DatabaseName;
        const home = await host({});
        const { id, properties } = await home.create(urnOf(db), { databaseName: db, kmsKeyId: key.arn, owner: ownerFor(db), __provider: provider });
        const elsewhere = await host({ "aws:assumeRoles": JSON.stringify([{ roleArn: ROLE_ARN }]) });
        env.proxy.reset();

        const error = await elsewhere.read(urnOf(db), id, properties).then(
            () => expect.fail("expected the refresh to fail"),
            (e: Error) => e,
        );

        expect(error.message).to.contain(`belongs to account ${HOME_ACCOUNT}`).and.contain(`of account ${OTHER_ACCOUNT}`).and.contain("stays in state");
        expect(env.proxy.operations()).to.deep.equal(["AssumeRole", "DescribeDatabase", "GetCallerIdentity"]);
        // The same refresh with the stack's own credentials still sees the database.
        expect((await home.read(urnOf(db), id, properties)).id).to.equal(db);
    });

    describe("preview with values unknown until apply (issue 18)", () => {
        const ROLE_ARN_UNKNOWN = { roleArn: UNKNOWN, externalId: "timestream-keys", sessionName: "pulumi-prod" };
        const unknowns: [string, Props][] = [
            ["docs/accounts.md's several-accounts example, its role made in the same program", { assumeRole: ROLE_ARN_UNKNOWN }],
            ["an unknown duration", { assumeRole: { roleArn: ROLE_ARN, duration: UNKNOWN } }],
            ["an unknown durationSeconds", { assumeRole: { roleArn: ROLE_ARN, durationSeconds: UNKNOWN } }],
            ["unknown policyArns", { assumeRole: { roleArn: ROLE_ARN, policyArns: UNKNOWN } }],
            ["an unknown policy ARN in the list", { assumeRole: { roleArn: ROLE_ARN, policyArns: [UNKNOWN] } }],
            ["unknown tags", { assumeRole: { roleArn: ROLE_ARN, tags: UNKNOWN } }],
            ["an unknown tag value", { assumeRole: { roleArn: ROLE_ARN, tags: { team: UNKNOWN } } }],
            ["an unknown assumeRole", { assumeRole: UNKNOWN }],
            ["an unknown profile", { profile: UNKNOWN }],
        ];
        let h: ProviderHost;
        before(async function () {
            if (env.moto !== undefined) h = await host({});
        });
        for (const [what, extra] of unknowns) {
            it(`passes check and diff with ${what}, making no AWS call`, async () => {
                const db = "preview-db";
                const news: Props = { databaseName: db, kmsKeyId: "alias/metrics", onDelete: "restore", owner: ownerFor("key"), __provider: provider, ...extra };
                env.proxy.reset();

                expect(await h.check(urnOf("key"), {}, news)).to.deep.include({ failures: [] });
                // The state of the resource before: the same database and alias, with the stack's own credentials.
                const before = Object.fromEntries(Object.entries(news).filter(([name]) => name !== "assumeRole" && name !== "profile"));
                const state = { ...before, region: REGION, databaseArn: `arn:aws:timestream:${REGION}:${OTHER_ACCOUNT}:database/${db}`, kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/k" };
                const diff = await h.diff(urnOf("key"), db, state, news);

                expect(diff.changes).to.equal("DIFF_SOME");
                expect(env.proxy.calls, "no STS, KMS or Timestream call before apply").to.deep.equal([]);
            });
        }
    });

    describe("an access change that reaches another account's database of the same name (issue 19)", () => {
        /** The same database name in both accounts, each on its own original key; the resource manages the home one. */
        async function twins() {
            const name = uniqueName("acctdb");
            const [homeOriginal, homeKey, otherOriginal, otherKey] = await Promise.all([env.fx.createKey(), env.fx.createKey(), other.createKey(), other.createKey()]);
            const homeDb = await env.fx.createDatabase(homeOriginal.arn, name);
            const otherDb = await other.createDatabase(otherOriginal.arn, name);
            const engine = new Engine(await host({}), env.proxy);
            const inputs = (kmsKeyId: string, extra: Props = {}): Props => ({ databaseName: name, kmsKeyId, onDelete: "restore", owner: ownerFor("key"), __provider: provider, ...extra });
            const { state } = await engine.up("key", undefined, inputs(homeKey.arn));
            expect(state.outputs.databaseArn).to.equal(homeDb.Arn);
            env.proxy.reset();
            return { name, homeOriginal, homeKey, otherOriginal, otherKey, homeDb, otherDb, engine, inputs, state };
        }
        const failureOf = (run: Promise<unknown>) =>
            run.then(
                () => expect.fail("expected the step to fail"),
                (e: Error) => e,
            );

        it("replaces the resource when its assumeRole input moves to the other account: the old database is restored, the new one adopted", async () => {
            const t = await twins();
            const news = t.inputs(t.otherKey.arn, { assumeRole: { roleArn: ROLE_ARN } });

            const checked = await t.engine.up("key", t.state, news);

            expect(checked.shown).to.equal("replace");
            const diff = t.engine.trace.find((c) => c.method === "diff")!;
            // One GetCallerIdentity with the new identity, and no Timestream or KMS call; the role is assumed once, by
            // whichever call needs its credentials first.
            expect(diff.aws.filter((op) => op !== "AssumeRole")).to.deep.equal(["GetCallerIdentity"]);
            expect(t.engine.trace.flatMap((c) => c.aws).filter((op) => op === "AssumeRole")).to.have.length(1);
            expect(checked.state.outputs).to.include({ databaseArn: t.otherDb.Arn, kmsKeyArn: t.otherKey.arn, previousKmsKeyArn: t.otherOriginal.arn });
            expect(await env.fx.liveKey(t.name), "the old resource restored its own database").to.equal(t.homeOriginal.arn);
            expect(await env.fx.tags(t.homeDb.Arn!)).to.deep.equal([]);
            expect(await other.liveKey(t.name)).to.equal(t.otherKey.arn);
        });

        it("keeps an in-place update when the new identity reaches the recorded account", async () => {
            const t = await twins();
            const sameAccount = { roleArn: `arn:aws:iam::${HOME_ACCOUNT}:role/timestream-keys` };
            const diff = await t.engine.up("key", t.state, t.inputs(t.homeKey.arn, { assumeRole: sameAccount }));
            expect(diff.shown).to.equal("update");
            expect(diff.state.outputs).to.include({ databaseArn: t.homeDb.Arn, kmsKeyArn: t.homeKey.arn });
            expect(await env.fx.liveKey(t.name)).to.equal(t.homeKey.arn);
        });

        it("fails a refresh under stack credentials of the other account, naming both accounts, and records nothing", async () => {
            const t = await twins();
            const elsewhere = await host({ "aws:assumeRoles": JSON.stringify([{ roleArn: ROLE_ARN }]) });

            const error = await failureOf(elsewhere.read(urnOf("key"), t.state.id, t.state.outputs));

            expect(error.message).to.contain(`reach ${t.otherDb.Arn} (account ${OTHER_ACCOUNT}, ${REGION})`);
            expect(error.message).to.contain(`manages ${t.homeDb.Arn} (account ${HOME_ACCOUNT}, ${REGION})`).and.contain("Nothing was recorded");
        });

        it("refuses an update and a restoring destroy under stack credentials of the other account, writing to neither database", async () => {
            const t = await twins();
            const elsewhere = new Engine(await host({ "aws:assumeRoles": JSON.stringify([{ roleArn: ROLE_ARN }]) }), env.proxy);
            const next = await env.fx.createKey();

            const updated = await failureOf(elsewhere.up("key", t.state, t.inputs(next.arn)));
            const destroyed = await failureOf(elsewhere.destroy(t.state));

            expect(updated.message).to.contain(`manages ${t.homeDb.Arn}`).and.contain("Nothing was written");
            // What the other account's credentials see of the home database (no claim of this resource's) is not trusted.
            expect(destroyed.message).to.contain(`belongs to account ${HOME_ACCOUNT} (${t.homeDb.Arn})`).and.contain(`of account ${OTHER_ACCOUNT}`).and.contain("stays in state");
            expect(env.proxy.operations()).to.not.include("UpdateDatabase");
            expect(env.proxy.operations()).to.not.include("TagResource");
            expect(env.proxy.operations()).to.not.include("UntagResource");
            expect(await env.fx.liveKey(t.name)).to.equal(t.homeKey.arn);
            expect(await other.liveKey(t.name)).to.equal(t.otherOriginal.arn);
        });

        it("refuses a retaining destroy under stack credentials of the other account, keeping the claim on the recorded database", async () => {
            const t = await twins();
            const claim = await env.fx.tags(t.homeDb.Arn!);
            const elsewhere = new Engine(await host({ "aws:assumeRoles": JSON.stringify([{ roleArn: ROLE_ARN }]) }), env.proxy);

            const error = await failureOf(elsewhere.destroy({ ...t.state, outputs: { ...t.state.outputs, onDelete: "retain" } }));

            expect(error.message).to.contain(`belongs to account ${HOME_ACCOUNT} (${t.homeDb.Arn})`).and.contain("stays in state");
            expect(env.proxy.operations().filter((op) => op !== "AssumeRole")).to.deep.equal(["ListTagsForResource", "GetCallerIdentity"]);
            expect(claim).to.have.length(2);
            expect(await env.fx.tags(t.homeDb.Arn!)).to.deep.equal(claim);
        });
    });
});
