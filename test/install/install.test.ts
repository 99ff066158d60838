/**
 * The package as a user gets it: `npm pack` on a fresh clone, installed from the tarball into a fresh project next to the
 * `@pulumi/pulumi` this repository uses, and driven through the real provider host started in that project. Proves
 * that the stored provider's `require("pulumi-timestream-kms/lifecycle")` resolves from a user's project and that
 * the tarball carries everything the provider needs. The slowest suite: one pack (with its build) and one install.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { Fixtures } from "../../lab/fixtures";
import { ownerFor, ProviderHost, registeredProvider, urnOf } from "../../lab/host";
import { CLAIM_TAG_KEYS, claimTags, hostedMoto, inputsOf, REGION } from "../support/integration";
import { RecordingProxy } from "../../lab/proxy";

const REPO = path.resolve(__dirname, "..", "..");
const run = promisify(execFile);

/** A path in the tarball, as `npm pack --json` lists it. */
interface PackedFile {
    readonly path: string;
}

/**
 * Copies this checkout as a fresh clone has it (no dist/, no node_modules; node_modules is linked so the build has
 * its tools), packs it with `npm pack` (which builds dist/ through the `prepare` script), and installs the tarball
 * with the `@pulumi/pulumi` version installed here into a new project under `dir`. Returns the project's directory
 * and the tarball's file list.
 */
async function userProject(dir: string): Promise<{ project: string; packed: string[] }> {
    const clone = path.join(dir, "clone");
    // Not git ls-files: the compat legs run this suite in copies without .git. Skips what a clone lacks: the build,
    // installed packages (mutation/ has its own), and the ignored output of other commands.
    const skipped = new Set(["dist", ".git", ".compat", "bench/results", "mutation/out"]);
    const copied = (from: string) => path.basename(from) !== "node_modules" && !skipped.has(path.relative(REPO, from));
    fs.cpSync(REPO, clone, { recursive: true, filter: copied });
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(clone, "node_modules"), "dir");
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: clone }).catch((e) => {
        // The build's compiler errors are in the output, not in the message.
        throw new Error(`npm pack (and its build) failed in a fresh copy:\n${e.stdout}${e.stderr}`);
    });
    const [packed] = JSON.parse(stdout) as { filename: string; files: PackedFile[] }[];
    const tarball = path.join(dir, packed.filename);
    const project = path.join(dir, "project");
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "user-project", private: true }));
    const pulumiVersion = require("@pulumi/pulumi/package.json").version;
    // The registry is reachable but slow; npm's cache already holds every package this repository installed.
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball, `@pulumi/pulumi@${pulumiVersion}`], {
        cwd: project,
    });
    return { project, packed: packed.files.map((f) => f.path) };
}

describe("installed from the npm tarball", function () {
    // Build, pack and install take about 10 s here; a cold npm cache takes much longer.
    this.timeout(180_000);
    let dir: string;
    const env = hostedMoto(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "timestream-kms-install-"));
        ({ project, packed } = await userProject(dir));
        const provider = await registeredProvider(path.join(project, "node_modules", "pulumi-timestream-kms"));
        return { project, provider, pulumiFrom: project, removeAfter: dir };
    });
    let project: string;
    let packed: string[];
    let provider: string;
    let proxy: RecordingProxy;
    let host: ProviderHost;
    let fx: Fixtures;
    before(() => ({ project, provider, proxy, host, fx } = env));

    it("ships the build when packed from a clone without dist/", () => {
        expect(packed).to.include.members(["dist/index.js", "dist/index.d.ts", "dist/lifecycle.js", "dist/lifecycle.d.ts"]);
    });

    it("ships the manual the README links to, which error messages name", () => {
        expect(packed).to.include.members(["README.md", "CHANGELOG.md", "docs/README.md", "docs/accounts.md", "docs/iam.md", "docs/troubleshooting.md"]);
    });

    // Pulumi's TypeScript template resolves modules as node10 ("node"); newer projects use node16 or bundler.
    for (const [resolution, module] of [
        ["node10", "commonjs"],
        ["node16", "node16"],
        ["bundler", "esnext"],
    ] as const) {
        it(`type-checks a program importing both entry points under moduleResolution ${resolution}`, async () => {
            fs.writeFileSync(
                path.join(project, "consumer.ts"),
                [
                    'import { DatabaseKmsKey, type DatabaseKmsKeyArgs } from "pulumi-timestream-kms";',
                    'import { DatabaseKmsKeyProvider, type DatabaseKmsKeyInputs } from "pulumi-timestream-kms/lifecycle";',
                    'const args: DatabaseKmsKeyArgs = { databaseName: "metrics", kmsKeyId: "alias/metrics" };',
                    'const inputs: DatabaseKmsKeyInputs = { databaseName: "metrics", kmsKeyId: "alias/metrics" };',
                    "// @ts-expect-error the types are real, not any",
                    "const wrong: DatabaseKmsKeyInputs = { databaseName: 42 };",
                    "export const used = [DatabaseKmsKey, new DatabaseKmsKeyProvider(), args, inputs, wrong];",
                    "",
                ].join("\n"),
            );
            const tsc = path.join(REPO, "node_modules", "typescript", "bin", "tsc");
            const flags = ["--noEmit", "--strict", "--skipLibCheck", "--module", module, "--moduleResolution", resolution, "consumer.ts"];
            await run(process.execPath, [tsc, ...flags], { cwd: project }).catch((e) => {
                throw new Error(`tsc --moduleResolution ${resolution} failed:\n${e.stdout}${e.stderr}`);
            });
        });
    }

    it("adopts, refreshes and restores a database from the user's project", async () => {
        const [original, wanted] = await Promise.all([fx.createKey(), fx.createKey()]);
        const db = await fx.createDatabase(original.arn);
        const urn = urnOf(db.DatabaseName);
        const owner = ownerFor(db.DatabaseName);
        const inputs = { databaseName: db.DatabaseName, kmsKeyId: wanted.id, onDelete: "restore", owner, __provider: provider };

        const created = await host.create(urn, inputs);
        expect(created.id).to.equal(db.DatabaseName);
        expect(created.properties).to.include({ kmsKeyArn: wanted.arn, previousKmsKeyArn: original.arn, region: REGION, owner, __provider: provider });
        expect(proxy.operations().sort()).to.deep.equal(["DescribeDatabase", "DescribeKey", "ListTagsForResource", "ListTagsForResource", "TagResource", "UpdateDatabase"]);
        expect(inputsOf(proxy, "TagResource")).to.deep.equal([{ ResourceARN: db.Arn, Tags: claimTags(original.arn, owner) }]);

        proxy.reset();
        const read = await host.read(urn, created.id, created.properties);
        expect(read.id).to.equal(db.DatabaseName);
        expect(read.properties).to.include({ kmsKeyArn: wanted.arn, previousKmsKeyArn: original.arn });
        // Refresh asks KMS for the live key's facts itself: a write's DescribeKey answer lasts only that operation (#10).
        expect(proxy.operations()).to.deep.equal(["DescribeDatabase", "DescribeKey"]);

        proxy.reset();
        await host.delete(urn, created.id, read.properties);
        expect(proxy.operations()).to.deep.equal(["ListTagsForResource", "DescribeDatabase", "DescribeKey", "UpdateDatabase", "UntagResource"]);
        expect(inputsOf(proxy, "UpdateDatabase")).to.deep.equal([{ DatabaseName: db.DatabaseName, KmsKeyId: original.arn }]);
        expect(inputsOf(proxy, "UntagResource")).to.deep.equal([{ ResourceARN: db.Arn, TagKeys: CLAIM_TAG_KEYS }]);
        expect(await fx.liveKey(db.DatabaseName)).to.equal(original.arn);
    });

    it("tells a project without the package to install it", async () => {
        // The same host, started in a project that lacks the package: what made the test above pass is the copy installed in its project.
        const empty = fs.mkdtempSync(path.join(dir, "empty-"));
        const bare = await ProviderHost.start({ cwd: empty, pulumiFrom: project, env: { AWS_ENDPOINT_URL: proxy.endpoint } });
        try {
            await bare.configure({ "aws:region": REGION });
            const error = await bare.check(urnOf("db"), {}, { databaseName: "db1", kmsKeyId: "alias/a", owner: ownerFor("db"), __provider: provider }).then(
                () => undefined,
                (e: Error) => e,
            );
            expect(error?.message).to.match(/cannot load the package pulumi-timestream-kms from this project.*npm install pulumi-timestream-kms/s);
            expect(proxy.calls).to.deep.equal([]);
        } finally {
            await bare.stop();
        }
    });
});
