/**
 * The Pulumi program in examples/, run as `pulumi up` at the repository root runs it (Pulumi.yaml's project name and
 * stack config), with the engine replaced by `pulumi.runtime.setMocks`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { ownerOf } from "../../provider/ownership";
import { PROGRAM_DIR as PROGRAM, typeCheckPrograms } from "../support/typecheck";

const ROOT = path.resolve(__dirname, "..", "..");
const PROJECT = /^name:\s*(\S+)\s*$/m.exec(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"))![1];
const TYPE = "pulumi-nodejs:dynamic/timestream:DatabaseKmsKey";

/** What the mocked engine answers for every resource, on top of its inputs. */
const LIVE = {
    kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555",
    previousKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/default_key",
    keyManager: "CUSTOMER",
    keyState: "Enabled",
};

interface Registration {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

/** What the last run of the program registered, in order. */
const registered: Registration[] = [];

/** Runs the program with this project config; resolves with its stack outputs, filling {@link registered}. */
async function runProgram(config: Record<string, string>): Promise<Record<string, unknown>> {
    registered.length = 0;
    await pulumi.runtime.setMocks(
        {
            newResource: ({ type, name, inputs }: pulumi.runtime.MockResourceArgs) => {
                registered.push({ type, name, inputs });
                return { id: String(inputs.databaseName), state: { ...inputs, ...LIVE } };
            },
            call: () => ({}),
        },
        PROJECT,
        "dev",
        false,
    );
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([key, value]) => [`${PROJECT}:${key}`, value])));
    // A fresh module each time: the program reads its config when it loads.
    const file = require.resolve(PROGRAM);
    delete require.cache[file];
    const exported = require(file) as Record<string, pulumi.Output<unknown>>;
    return Object.fromEntries(await Promise.all(Object.entries(exported).map(async ([key, output]) => [key, await valueOf(output)])));
}

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((value) => resolve(value)));
}

describe("examples/ program", () => {
    after(() => pulumi.runtime.setAllConfig({}));

    it("registers one DatabaseKmsKey with the database, key and onDelete from stack config", async () => {
        await runProgram({ databaseName: "metrics", kmsKeyId: "alias/metrics", onDelete: "restore" });

        expect(registered).to.have.length(1);
        const [{ type, inputs }] = registered;
        expect(type).to.equal(TYPE);
        const { __provider, ...rest } = inputs;
        // The owner DatabaseKmsKey records in the database's claim: project, stack and resource name, then a hash of the
        // resource's whole identity.
        const owner = ownerOf({ project: PROJECT, stack: "dev", type: TYPE, name: "database-key" });
        expect(owner).to.match(/^timestream-kms-example\/dev\/database-key\+[0-9a-f]{16}$/);
        expect(rest).to.deep.equal({ databaseName: "metrics", kmsKeyId: "alias/metrics", onDelete: "restore", owner });
        expect(__provider).to.be.a("string").and.to.include('require("pulumi-timestream-kms/lifecycle")');
    });

    it("leaves onDelete to the provider's default when stack config has none", async () => {
        await runProgram({ databaseName: "metrics", kmsKeyId: "1234abcd-12ab-34cd-56ef-1234567890ab" });

        expect(registered.map((r) => r.type)).to.deep.equal([TYPE]);
        expect(registered[0].inputs).to.not.have.property("onDelete");
        expect(registered[0].inputs.kmsKeyId).to.equal("1234abcd-12ab-34cd-56ef-1234567890ab");
    });

    it("exports the key the database uses, the key it had before, and the key's manager and state", async () => {
        const outputs = await runProgram({ databaseName: "metrics", kmsKeyId: "alias/metrics" });

        expect(outputs).to.deep.equal(LIVE);
    });

    it("stops before registering anything when stack config lacks databaseName", async () => {
        const error = await runProgram({ kmsKeyId: "alias/metrics" }).then(
            () => undefined,
            (e: Error) => e,
        );

        expect(error).to.be.an("error").with.property("message").that.includes(`${PROJECT}:databaseName`);
        expect(registered).to.deep.equal([]);
    });

    it("refuses an onDelete other than retain or restore before registering anything", async () => {
        const error = await runProgram({ databaseName: "metrics", kmsKeyId: "alias/metrics", onDelete: "destroy" }).then(
            () => undefined,
            (e: Error) => e,
        );

        expect(error).to.be.an("error").with.property("message").that.includes("onDelete").and.includes("destroy");
        expect(registered).to.deep.equal([]);
    });

    it("type-checks the way `pulumi up` compiles it", function () {
        this.timeout(30_000);
        expect(typeCheckPrograms({ [path.join(PROGRAM, "index.ts")]: undefined })).to.deep.equal([]);
    });
});
