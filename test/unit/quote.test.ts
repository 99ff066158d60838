/**
 * provider/quote.ts (issue 18): how every message echoes a value a user gave.
 */
import { expect } from "chai";
import { quoted, quotedUrl } from "../../provider/quote";

describe("quoted", () => {
    it("quotes a plain value unchanged", () => {
        expect(quoted("metrics")).to.equal('"metrics"');
        expect(quoted("arn:aws:iam::111111111111:role/timestream-keys")).to.equal('"arn:aws:iam::111111111111:role/timestream-keys"');
        expect(quoted("https://timestream.corp.example:8443/path?x=1#y")).to.equal('"https://timestream.corp.example:8443/path?x=1#y"');
    });

    it("quotes an empty value as two quotes", () => {
        expect(quoted("")).to.equal('""');
    });

    it("keeps an @ of a value that is not a URL", () => {
        expect(quoted("team@example.com")).to.equal('"team@example.com"');
        expect(quoted("team@example.com:8080/x")).to.equal('"team@example.com:8080/x"');
    });

    it("hides everything of a URL up to its last @, since a password may hold / ? # and @", () => {
        expect(quoted("https://timestream.corp.example/a@b")).to.equal('"https://***@b"');
        expect(quoted("https://admin:a/b?c#d@timestream.corp.example")).to.equal('"https://***@timestream.corp.example"');
        expect(quoted(" https:\\admin:hunter2@timestream.corp.example")).to.equal('" https:\\***@timestream.corp.example"');
    });

    it("shows 80 characters at most", () => {
        expect(quoted("a".repeat(80))).to.equal(`"${"a".repeat(80)}"`);
        expect(quoted(`${"a".repeat(80)}b`)).to.equal(`"${"a".repeat(80)}"`);
        expect(quoted("a".repeat(1_000_000))).to.equal(`"${"a".repeat(80)}"`);
    });

    it("counts code points, so it never cuts a character in two", () => {
        const smile = "\u{1F600}";
        expect(quoted(smile.repeat(80))).to.equal(`"${smile.repeat(80)}"`);
        expect(quoted(smile.repeat(81))).to.equal(`"${smile.repeat(80)}"`);
        expect(quoted(`${"a".repeat(79)}${smile}b`)).to.equal(`"${"a".repeat(79)}${smile}"`);
    });

    it("replaces a URL's user name and password with ***", () => {
        expect(quoted("https://admin:hunter2@timestream.corp.example/")).to.equal('"https://***@timestream.corp.example/"');
        expect(quoted("http://admin@localhost:4566")).to.equal('"http://***@localhost:4566"');
        expect(quoted("HTTPS://:hunter2@kms.corp.example")).to.equal('"HTTPS://***@kms.corp.example"');
        expect(quoted("git+ssh://admin:hunter2@corp.example")).to.equal('"git+ssh://***@corp.example"');
    });

    it("replaces the user name and password of a URL mistyped so that it does not parse", () => {
        expect(quoted("https//admin:hunter2@timestream.corp.example")).to.equal('"***@timestream.corp.example"');
        expect(quoted("//admin:hunter2@timestream.corp.example")).to.equal('"//***@timestream.corp.example"');
        expect(quoted("admin:hunter2@timestream.corp.example")).to.equal('"***@timestream.corp.example"');
        expect(quoted("htt ps://admin:hunter2@timestream.corp.example")).to.equal('"***@timestream.corp.example"');
    });

    it("replaces the password before it cuts the value to 80 characters", () => {
        const password = "p".repeat(100);
        expect(quoted(`https://admin:${password}@kms.corp.example`)).to.equal('"https://***@kms.corp.example"');
    });

    it("replaces a lone surrogate with U+FFFD", () => {
        expect(quoted("a\uD800b")).to.equal('"a\uFFFDb"');
        expect(quoted("\uDC00")).to.equal('"\uFFFD"');
        expect(quoted(`${"a".repeat(79)}\uD800`)).to.equal(`"${"a".repeat(79)}\uFFFD"`);
    });

    it("gives text that is well formed for any input", () => {
        for (const value of ["\uD800", "\uDFFF\uD800", "a\uD83D", "\uD83D\uDE00"]) expect(quoted(value).isWellFormed(), JSON.stringify(value)).to.equal(true);
    });
});

describe("quotedUrl", () => {
    it("quotes a URL without a query unchanged", () => {
        expect(quotedUrl("https://timestream.corp.example:8443/path")).to.equal('"https://timestream.corp.example:8443/path"');
    });

    it("hides a query and a fragment, which may carry a token", () => {
        expect(quotedUrl("https://sso.corp.example/?token=abc")).to.equal('"https://sso.corp.example/?***"');
        expect(quotedUrl("https://sso.corp.example/a#token=abc?x")).to.equal('"https://sso.corp.example/a#***"');
        expect(quotedUrl("?")).to.equal('"?***"');
    });

    it("hides the user name and password first, whatever ? or # they hold", () => {
        expect(quotedUrl("https://admin:a?b#c@sso.corp.example/p?token=abc")).to.equal('"https://***@sso.corp.example/p?***"');
    });

    it("shows 80 characters at most, a lone surrogate as U+FFFD", () => {
        expect(quotedUrl(`https://${"h".repeat(100)}`)).to.equal(`"https://${"h".repeat(72)}"`);
        expect(quotedUrl("https://\uD800x")).to.equal('"https://\uFFFDx"');
    });
});
