/**
 * The provider as Pulumi stores and the host reloads it. The module text is
 * taken from the built `dist/` (run `npm run build` first), not from the
 * TypeScript source: it is then exactly what a user's state holds, and the
 * package it requires by name is that same build.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import requireFromString from "require-from-string";
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import { Config } from "@pulumi/pulumi/cmd/dynamic-provider/config";
import { linkedProject } from "../../lab/host";
import { REGION, keyMetadata, KEY_A, knowKey, useAwsMocks, useCleanAwsEnv } from "./fixtures";

const DIST = path.resolve(__dirname, "..", "..", "dist");

/** The provider module text from the build. */
function builtModule(): string {
    const file = path.join(DIST, "resource.js");
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` before the unit tests`);
    return (require(file) as typeof import("../../provider/resource")).PROVIDER_MODULE;
}

/**
 * Loads the module text as the dynamic-provider host does. require-from-string
 * gets no file name, so the module's `require` resolves from the working
 * directory: the host runs in the user's project, and so does this.
 */
function reload(text: string, cwd: string): pulumi.dynamic.ResourceProvider {
    const before = process.cwd();
    process.chdir(cwd);
    try {
        return requireFromString(text).handler();
    } finally {
        process.chdir(before);
    }
}

/** What a fresh process prints after reloading `text` in `cwd` and calling `configure`, as the host does: the error, or "loaded". */
function configureInFreshProcess(text: string, cwd: string): string {
    const script = `
        const provider = require(process.argv[1])(require("fs").readFileSync(0, "utf8")).handler();
        // Awaited as the host does, so a synchronous throw counts as a failure too.
        (async () => provider.configure({ config: { get: () => undefined } }))().then(() => console.log("loaded"), (e) => console.log(e.message));`;
    return execFileSync(process.execPath, ["-e", script, require.resolve("require-from-string")], { cwd, input: text, encoding: "utf8" }).trim();
}

const configureRequest = () => ({ config: new Config({ "aws:region": REGION }, "timestream-kms-test") });

describe("provider module (built)", () => {
    const aws = useAwsMocks();
    useCleanAwsEnv();
    const made: string[] = [];
    const project = (dir: string) => (made.push(dir), dir);

    after(() => {
        for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("reloads in the user's project and checks inputs with the installed package", async () => {
        knowKey(aws, keyMetadata(KEY_A), "alias/metrics");
        const provider = reload(builtModule(), project(linkedProject()));
        await provider.configure!(configureRequest());

        const news = { databaseName: "metrics", kmsKeyId: "alias/metrics", owner: "project/stack/metrics-key" };
        expect(await provider.check!({}, news)).to.deep.equal({ inputs: news, failures: [] });
        expect(aws.kms.commandCalls(DescribeKeyCommand).map((c) => c.args[0].input)).to.deep.equal([{ KeyId: "alias/metrics" }]);
        expect(require.cache[path.join(DIST, "lifecycle.js")], "the module loaded the built package").to.not.equal(undefined);
    });

    it("reloads in the user's project and reports bad inputs as check failures", async () => {
        const provider = reload(builtModule(), project(linkedProject()));
        await provider.configure!(configureRequest());
        const { failures } = await provider.check!({}, { databaseName: "x", kmsKeyId: "alias/metrics", owner: "project/stack/metrics-key" });
        expect(failures!.map((f) => f.property)).to.deep.equal(["databaseName"]);
        expect(aws.kms.calls()).to.have.length(0);
    });

    it("loads the package from the user's project in a fresh process", async () => {
        expect(configureInFreshProcess(builtModule(), project(linkedProject()))).to.equal("loaded");
    });

    it("says how to install the package when the user's project lacks it", async () => {
        // In a fresh process: Node caches how `require` resolved for a module without a file name, whatever the cwd.
        const message = configureInFreshProcess(builtModule(), project(fs.mkdtempSync(path.join(os.tmpdir(), "timestream-kms-empty-"))));
        expect(message).to.match(/^DatabaseKmsKey: cannot load the package pulumi-timestream-kms from this project \(Error: Cannot find module 'pulumi-timestream-kms\/lifecycle'/);
        expect(message).to.match(/Run: npm install pulumi-timestream-kms$/);
        expect(message, "Node's require stack is left out").to.not.include("Require stack");
    });

    it("is what every resource registers, without Pulumi's function serializer running", async () => {
        // Serializing would parse function text with TypeScript at program start; the module is a constant instead.
        const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure");
        const original = closure.serializeFunction;
        let serialized = 0;
        const providers: unknown[] = [];
        closure.serializeFunction = (...args: unknown[]) => (serialized++, original(...args));
        try {
            const newResource = (a: pulumi.runtime.MockResourceArgs) => (providers.push(a.inputs.__provider), { id: a.name, state: a.inputs });
            await pulumi.runtime.setMocks({ newResource, call: () => ({}) }, "timestream-kms-test", "test", false);
            const { DatabaseKmsKey } = require(path.join(DIST, "index.js"));
            const resources = [1, 2, 3].map((n) => new DatabaseKmsKey(`key-${n}`, { databaseName: `metrics${n}`, kmsKeyId: "alias/metrics" }));
            await Promise.all(resources.map((r) => new Promise((resolve) => r.urn.apply(resolve))));
        } finally {
            closure.serializeFunction = original;
        }
        expect(serialized).to.equal(0);
        expect(providers).to.deep.equal([builtModule(), builtModule(), builtModule()]);
    });
});
