/**
 * How messages echo a value a user gave: every check failure and error quotes inputs and settings through
 * {@link quoted}, so a password in a URL never reaches a message, a log line or the state.
 */

// Long enough to recognize a value, short enough for one line.
const SHOWN_LENGTH = 80;
// The user name and password of a URL: from after "scheme:" and its slashes to the last "@", which a password may
// hold with any other character, as lenient URL parsers read it.
const USER_INFO = /^(\s*[a-z][a-z0-9+.-]*:[\\/]*)[^]*@/i;

/**
 * `value` as a message quotes it: in double quotes, at most 80 characters, a URL's user name and password replaced
 * by `***`, and a lone surrogate by U+FFFD (a message must be text).
 *
 * @example
 * quoted("https://user:secret@timestream.example.com/"); // '"https://***@timestream.example.com/"'
 */
export function quoted(value: string): string {
    return `"${Array.from(value.replace(USER_INFO, "$1***@").toWellFormed()).slice(0, SHOWN_LENGTH).join("")}"`;
}
