/**
 * Every endpoint that carries a credential or a token follows the endpoint rule (issue 25), through the real provider
 * host: an SSO profile's token goes where AWS_ENDPOINT_URL_SSO (or the shared config) says, so a plain-http one off
 * this machine is refused before any request leaves. The host runs with the test preload that refuses, and logs, any
 * connection to an address off loopback: the log shows what would have left the machine.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { linkedProject, ownerFor, Props, ProviderHost, registeredProvider, urnOf } from "../../lab/host";
import { ROUTE_AWS_PRELOAD } from "../support/aws-standin";
import { proxiedMoto, REGION } from "../support/integration";

const SSO_SESSION = "corp";
// A session whose token expires within the SDK's five minutes, so the SDK refreshes it through SSO OIDC first.
const EXPIRING_SESSION = "expiring";
const SSO_TOKEN = "sso-access-token-do-not-send-in-clear";
const SSO_ROLE_KEY = "AKIASSOROLE000000001";
const PLAIN = "http://sso.corp.example:8080";

describe("provider host: endpoints that carry credentials or tokens", function () {
    const env = proxiedMoto("aws");
    let project: string;
    let provider: string;
    let home: string;
    let blockedLog: string;
    let sso: http.Server;
    let ssoRequests: http.IncomingHttpHeaders[];
    const hosts: ProviderHost[] = [];

    before(async function () {
        if (env.moto === undefined) return;
        project = linkedProject();
        provider = await registeredProvider();
        // SSO logins as `aws sso login` leaves them: the profiles, their sessions, and each session's cached token.
        home = fs.mkdtempSync(path.join(os.tmpdir(), "timestream-kms-sso-home-"));
        fs.mkdirSync(path.join(home, ".aws", "sso", "cache"), { recursive: true });
        fs.writeFileSync(
            path.join(home, ".aws", "config"),
            [SSO_SESSION, EXPIRING_SESSION]
                .map(
                    (session) =>
                        `[profile ${session}]\nsso_session = ${session}\nsso_account_id = 123456789012\nsso_role_name = keys\nregion = ${REGION}\n` +
                        `[sso-session ${session}]\nsso_region = ${REGION}\nsso_start_url = https://corp.awsapps.com/start\n`,
                )
                .join(""),
        );
        const token = (session: string, lifeMs: number) => {
            const file = path.join(home, ".aws", "sso", "cache", `${crypto.createHash("sha1").update(session).digest("hex")}.json`);
            const later = (ms: number) => new Date(Date.now() + ms).toISOString();
            const refresh = { refreshToken: "sso-refresh-token", clientId: "client", clientSecret: "client-secret", registrationExpiresAt: later(86_400_000) };
            fs.writeFileSync(file, JSON.stringify({ accessToken: SSO_TOKEN, expiresAt: later(lifeMs), region: REGION, startUrl: "https://corp.awsapps.com/start", ...refresh }));
        };
        token(SSO_SESSION, 3_600_000);
        token(EXPIRING_SESSION, 60_000);
        // SSO's GetRoleCredentials, on loopback: what the SDK sends there, and role credentials back.
        sso = http.createServer((req, res) => {
            ssoRequests.push(req.headers);
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify({ roleCredentials: { accessKeyId: SSO_ROLE_KEY, secretAccessKey: "sso-role-secret", sessionToken: "sso-role-session", expiration: Date.now() + 3_600_000 } }));
        });
        await new Promise<void>((resolve) => sso.listen(0, "127.0.0.1", resolve));
    });
    beforeEach(() => {
        ssoRequests = [];
        if (blockedLog !== undefined) fs.writeFileSync(blockedLog, "");
    });
    after(async () => {
        await Promise.all(hosts.map((h) => h.stop()));
        sso?.close();
        for (const dir of [project, home]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    /** A host whose SDK reads the SSO login above, with `extraEnv`; connections off loopback are refused and logged. */
    async function host(extraEnv: Record<string, string | undefined> = {}, configFile = path.join(home, ".aws", "config")): Promise<ProviderHost> {
        blockedLog = path.join(home, "blocked.log");
        fs.writeFileSync(blockedLog, "");
        const started = await ProviderHost.start({
            cwd: project,
            env: {
                AWS_ENDPOINT_URL: env.proxy.endpoint,
                HOME: home,
                AWS_CONFIG_FILE: configFile,
                AWS_SHARED_CREDENTIALS_FILE: path.join(home, "none"),
                AWS_ACCESS_KEY_ID: undefined,
                AWS_SECRET_ACCESS_KEY: undefined,
                AWS_PROFILE: undefined,
                NODE_OPTIONS: `--require ${ROUTE_AWS_PRELOAD}`,
                TEST_AWS_BLOCKED_LOG: blockedLog,
                ...extraEnv,
            },
        });
        hosts.push(started);
        await started.configure({ "aws:region": REGION });
        return started;
    }

    const ssoPort = () => (sso.address() as net.AddressInfo).port;
    const blocked = () => fs.readFileSync(blockedLog, "utf8");
    const inputs = (db: string, keyArn: string, profile = SSO_SESSION): Props => ({ databaseName: db, kmsKeyId: keyArn, profile, owner: ownerFor(db), __provider: provider });

    it("sends the SSO token to AWS_ENDPOINT_URL_SSO on this machine, and signs with the role credentials it gets", async () => {
        const key = await env.fx.createKey();
        const h = await host({ AWS_ENDPOINT_URL_SSO: `http://127.0.0.1:${ssoPort()}` });

        const { failures } = await h.check(urnOf("sso"), {}, inputs("sso-db", key.arn));

        expect(failures).to.deep.equal([]);
        expect(ssoRequests.map((headers) => headers["x-amz-sso_bearer_token"])).to.deep.equal([SSO_TOKEN]);
        expect(env.proxy.calls.map((c) => [c.operation, c.accessKeyId])).to.deep.equal([["DescribeKey", SSO_ROLE_KEY]]);
        expect(blocked()).to.equal("");
    });

    // The profile whose token goes to the variable's endpoint first: SSO's for a fresh token, SSO OIDC's for one to refresh.
    for (const [variable, profile] of [
        ["AWS_ENDPOINT_URL_SSO", SSO_SESSION],
        ["AWS_ENDPOINT_URL_SSO_OIDC", EXPIRING_SESSION],
    ]) {
        it(`refuses ${variable} over plain http off this machine, naming it, before any request leaves`, async () => {
            const key = await env.fx.createKey();
            const h = await host({ [variable]: `${PLAIN}/?token=hidden` });

            const error = await h.create(urnOf("sso"), inputs("sso-db", key.arn, profile)).then(
                () => expect.fail("expected create to fail"),
                (e: Error) => e,
            );

            expect(error.message).to.contain(`the environment: ${variable} "${PLAIN}/?***" must use https`).and.not.contain("token=hidden");
            expect(ssoRequests).to.deep.equal([]);
            expect(env.proxy.calls).to.deep.equal([]);
            expect(blocked()).to.equal("");
        });
    }

    it("fails check on a shared config endpoint_url over plain http off this machine, naming it, before any request leaves", async () => {
        const configFile = path.join(home, "config-with-endpoint");
        fs.writeFileSync(configFile, `${fs.readFileSync(path.join(home, ".aws", "config"), "utf8")}[default]\nendpoint_url = ${PLAIN}\n`);
        const key = await env.fx.createKey();
        const h = await host({ AWS_ENDPOINT_URL: undefined }, configFile);

        const { failures } = await h.check(urnOf("sso"), {}, inputs("sso-db", key.arn));

        expect(failures.map((f) => f.property)).to.deep.equal(["endpoint"]);
        expect(failures[0].reason).to.contain(`the shared AWS config: endpoint_url of profile "default" in ${configFile} "${PLAIN}" must use https`);
        expect(ssoRequests).to.deep.equal([]);
        expect(env.proxy.calls).to.deep.equal([]);
        expect(blocked()).to.equal("");
    });
});
