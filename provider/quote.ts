/**
 * How messages echo a value a user gave: every check failure and error quotes inputs and settings through
 * {@link quoted} (URLs through {@link quotedUrl}), so a password or a token in a URL never reaches a message, a log
 * line or the state.
 */

// Long enough to recognize a value, short enough for one line.
const SHOWN_LENGTH = 80;
// What may lead a URL's user name and password, kept in a message: a scheme and its slashes, or slashes alone. A
// scheme without slashes is not kept: in "admin:secret@host" the "scheme" is the user name.
const URL_LEAD = /^\s*(?:[a-z][a-z0-9+.-]*:[\\/]+|[\\/]*)/i;

/**
 * `value` as a message quotes it: in double quotes, at most 80 characters, a URL's user name and password replaced
 * by `***`, and a lone surrogate by U+FFFD (a message must be text).
 *
 * @example
 * quoted("https://user:secret@timestream.example.com/"); // '"https://***@timestream.example.com/"'
 */
export function quoted(value: string): string {
    return shown(withoutUserInfo(value));
}

/**
 * A URL as a message quotes it: as {@link quoted} does, and without what follows a `?` or `#` (a query may carry a
 * token or a signature), replaced by `***`.
 *
 * @example
 * quotedUrl("https://sso.corp.example/?token=abc"); // '"https://sso.corp.example/?***"'
 */
export function quotedUrl(value: string): string {
    const url = withoutUserInfo(value);
    const query = url.search(/[?#]/);
    return shown(query < 0 ? url : `${url.slice(0, query + 1)}***`);
}

function shown(value: string): string {
    return `"${Array.from(value.toWellFormed()).slice(0, SHOWN_LENGTH).join("")}"`;
}

/**
 * Everything after a leading scheme up to the last "@" replaced by `***`, when what comes before that "@" holds a
 * colon, a slash or a backslash (a URL, or a URL mistyped so that it does not parse); a password may hold any
 * character, "@" included, as lenient URL parsers read it. An address such as `team@example.com` stays as it is.
 */
function withoutUserInfo(value: string): string {
    const at = value.lastIndexOf("@");
    if (at < 0 || !/[:\\/]/.test(value.slice(0, at))) return value;
    return `${URL_LEAD.exec(value)![0]}***${value.slice(at)}`;
}
