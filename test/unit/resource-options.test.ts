/**
 * The resource options `DatabaseKmsKey` registers with, as the engine receives them: replacing must delete the old
 * resource first, so its restore runs before the new resource adopts the database (issue 9); assumeRole is a secret
 * (issue 18).
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseKmsKey, DatabaseKmsKeyArgs } from "../../provider/resource";

interface Registered {
    name: string;
    deleteBeforeReplace: boolean;
    deleteBeforeReplaceDefined: boolean;
    additionalSecretOutputs: string[];
    /** The inputs as the engine receives them: a secret is an object carrying Pulumi's secret signature. */
    object: Record<string, unknown>;
}

// The key and value that mark a serialized secret (pulumi.runtime.specialSigKey / specialSecretSig).
const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };

describe("DatabaseKmsKey resource options", () => {
    let registered: Registered[] = [];

    beforeEach(async () => {
        registered = [];
        await pulumi.runtime.setMocks({ newResource: (args) => ({ id: args.name, state: args.inputs }), call: () => ({}) }, "project", "stack", false);
        // The mock monitor hands newResource no options: read them off the engine request itself.
        const monitor = pulumi.runtime.getMonitor() as any;
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req: any, callback: unknown) => {
            registered.push({
                name: req.getName(),
                deleteBeforeReplace: req.getDeletebeforereplace(),
                deleteBeforeReplaceDefined: req.getDeletebeforereplacedefined(),
                additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                object: req.getObject().toJavaScript(),
            });
            return register(req, callback);
        };
    });

    async function register(opts?: pulumi.CustomResourceOptions, args: Partial<DatabaseKmsKeyArgs> = {}): Promise<Registered> {
        const resource = new DatabaseKmsKey("key", { databaseName: "metrics", kmsKeyId: "alias/metrics", ...args }, opts);
        await new Promise<void>((resolve) => resource.urn.apply(() => resolve()));
        expect(registered.map((r) => r.name)).to.deep.equal(["key"]);
        return registered[0];
    }

    it("asks for delete-before-replace when the program does not say", async () => {
        expect(await register()).to.include({ deleteBeforeReplace: true, deleteBeforeReplaceDefined: true });
    });

    it("asks for delete-before-replace when the options leave it undefined", async () => {
        expect(await register({ deleteBeforeReplace: undefined, protect: false })).to.include({ deleteBeforeReplace: true });
    });

    it("keeps a program's explicit deleteBeforeReplace: false", async () => {
        expect(await register({ deleteBeforeReplace: false })).to.include({ deleteBeforeReplace: false, deleteBeforeReplaceDefined: true });
    });

    it("stores assumeRole as a secret input and output, whatever the program passed", async () => {
        const role = { roleArn: "arn:aws:iam::111111111111:role/x", externalId: "team-a" };
        const registration = await register(undefined, { assumeRole: role });
        expect(registration.additionalSecretOutputs).to.deep.equal(["assumeRole"]);
        expect(registration.object.assumeRole).to.deep.equal({ ...SECRET, value: role });
        expect(registration.object.databaseName).to.equal("metrics");
    });

    it("keeps a program's own additionalSecretOutputs beside assumeRole", async () => {
        expect((await register({ additionalSecretOutputs: ["kmsKeyArn", "assumeRole"] })).additionalSecretOutputs).to.deep.equal(["kmsKeyArn", "assumeRole"]);
    });
});
