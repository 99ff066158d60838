/**
 * The resource options `DatabaseKmsKey` registers with, as the engine receives them: replacing must delete the old
 * resource first, so its restore runs before the new resource adopts the database (issue 9).
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseKmsKey } from "../../provider/resource";

interface Registered {
    name: string;
    deleteBeforeReplace: boolean;
    deleteBeforeReplaceDefined: boolean;
}

describe("DatabaseKmsKey resource options", () => {
    let registered: Registered[] = [];

    beforeEach(async () => {
        registered = [];
        await pulumi.runtime.setMocks({ newResource: (args) => ({ id: args.name, state: args.inputs }), call: () => ({}) }, "project", "stack", false);
        // The mock monitor hands newResource no options: read them off the engine request itself.
        const monitor = pulumi.runtime.getMonitor() as any;
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req: any, callback: unknown) => {
            registered.push({ name: req.getName(), deleteBeforeReplace: req.getDeletebeforereplace(), deleteBeforeReplaceDefined: req.getDeletebeforereplacedefined() });
            return register(req, callback);
        };
    });

    async function register(opts?: pulumi.CustomResourceOptions): Promise<Registered> {
        const resource = new DatabaseKmsKey("key", { databaseName: "metrics", kmsKeyId: "alias/metrics" }, opts);
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
});
