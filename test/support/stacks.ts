/**
 * What the engine suites about the ownership claim share: a stack's `pulumi up` on a host, a database on its own key
 * with two more keys to put on it, and the error a step fails with.
 */
import { expect } from "chai";
import { Fixtures, Key } from "../../lab/fixtures";
import { ownerFor, Props, ProviderHost, STACK } from "../../lab/host";
import { Engine } from "../../lab/lab";
import { RecordingProxy } from "../../lab/proxy";

/**
 * The engine of one stack's `pulumi up` on `host`, and the inputs its program sends for a resource `name` on `db`
 * (restoring on delete, unless `extra` says otherwise).
 *
 * @example
 * const { engine, inputs } = stackOf(env.host, env.proxy, env.provider, "dev");
 * await engine.up("key", undefined, inputs("key", db, key));
 */
export function stackOf(host: ProviderHost, proxy: RecordingProxy, provider: string, stack = STACK) {
    const engine = new Engine(host, proxy);
    const inputs = (name: string, db: string, key: Key, extra: Props = {}): Props => ({
        databaseName: db,
        kmsKeyId: key.arn,
        onDelete: "restore",
        owner: ownerFor(name, stack),
        __provider: provider,
        ...extra,
    });
    return { engine, inputs };
}

/** A database on its own original key, and two more keys to put on it. */
export async function claimableDatabase(fx: Fixtures): Promise<{ original: Key; a: Key; b: Key; db: string; arn: string }> {
    const [original, a, b] = await Promise.all([fx.createKey(), fx.createKey(), fx.createKey()]);
    const created = await fx.createDatabase(original.arn);
    return { original, a, b, db: created.DatabaseName, arn: created.Arn! };
}

/** The error `run` fails with; fails the test when it succeeds. */
export function failureOf(run: Promise<unknown>): Promise<Error> {
    return run.then(
        () => expect.fail("expected the step to fail"),
        (e: Error) => e,
    );
}
