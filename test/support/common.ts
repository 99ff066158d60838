/**
 * Helpers every kind of suite uses, written once: the unit suites bind them to
 * the TypeScript sources, the integration and engine suites to the built dist/.
 */
import { expect } from "chai";
import { Config } from "@pulumi/pulumi/cmd/dynamic-provider/config";

/** The region the suites configure as `aws:region`. */
export const REGION = "us-east-1";

/**
 * Configures `provider` as the dynamic-provider host does, with the host's own
 * Config class over `config` (stack config such as `aws:region`).
 *
 * @example
 * const provider = await configured(new DatabaseKmsKeyProvider(), { "aws:region": REGION });
 */
export async function configured<P extends { configure(req: { config: Config }): Promise<void> }>(provider: P, config: Record<string, string>): Promise<P> {
    await provider.configure({ config: new Config(config, "timestream-kms-test") });
    return provider;
}

/**
 * The error of type `type` that `promise` fails with; fails the test when it
 * succeeds or fails with anything else.
 *
 * @example
 * const error = await rejectionOfType(provider.create(inputs), DatabaseKmsKeyError);
 */
export async function rejectionOfType<E>(promise: Promise<unknown>, type: new (...args: any[]) => E): Promise<E> {
    const error = await promise.then(
        (value) => expect.fail(`expected a ${type.name}, got a result: ${JSON.stringify(value)}`),
        (e: unknown) => e,
    );
    if (!(error instanceof type)) throw error;
    return error;
}
