/**
 * Starts `moto_server` (real Timestream Write and KMS wire protocols) on a free
 * loopback port, once per test process, and stops it when mocha ends.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as net from "node:net";

export interface Moto {
    /** e.g. http://127.0.0.1:51234 */
    readonly endpoint: string;
    readonly port: number;
}

export const MOTO_MISSING =
    "moto_server was not found: install it with `pip install \"moto[server]\"` (Python 3), then rerun";

let started: Promise<Moto> | undefined;
let child: ChildProcess | undefined;

/** The command that runs moto's server here, or undefined when moto is not installed. */
export function motoCommand(): string[] | undefined {
    const candidates = [["moto_server"], ["python3", "-m", "moto.server"]];
    return candidates.find(([cmd, ...args]) => spawnSync(cmd, [...args, "--help"], { stdio: "ignore", timeout: 30_000 }).status === 0);
}

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** Resolves once something accepts TCP connections on the port, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const open = await new Promise<boolean>((resolve) => {
            const socket = net.connect(port, "127.0.0.1", () => {
                socket.destroy();
                resolve(true);
            });
            socket.on("error", () => resolve(false));
        });
        if (open) return;
        if (Date.now() > deadline) throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

/** Starts moto (once per process) and returns where it listens. Rejects with {@link MOTO_MISSING} when it is not installed. */
export function startMoto(): Promise<Moto> {
    started ??= (async () => {
        const command = motoCommand();
        if (command === undefined) throw new Error(MOTO_MISSING);
        const port = await freePort();
        const [cmd, ...args] = command;
        child = spawn(cmd, [...args, "-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
        child.unref();
        // Also when the process ends without the root hook (a crash, Ctrl-C in the demo): no moto is left behind.
        const spawned = child;
        process.once("exit", () => spawned.kill());
        await waitForPort(port, 30_000);
        return { endpoint: `http://127.0.0.1:${port}`, port };
    })();
    return started;
}

/** Stops moto if this process started it. */
export async function stopMoto(): Promise<void> {
    if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child!.once("exit", resolve));
        child.kill();
        await exited;
    }
    child = undefined;
    started = undefined;
}

/**
 * For a suite's `before` hook: moto, or the suite skipped when moto is not
 * installed. Under CI=true a missing moto fails the run instead.
 *
 * @example
 * before(async function () { moto = await motoOrSkip(this); });
 */
export async function motoOrSkip(context: Mocha.Context): Promise<Moto> {
    try {
        return await startMoto();
    } catch (error) {
        if ((error as Error).message !== MOTO_MISSING || process.env.CI === "true") throw error;
        console.warn(`      skipped: ${MOTO_MISSING}`);
        context.skip();
    }
}

/** Fake credentials for moto; moto does not check signatures. */
export const TEST_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
