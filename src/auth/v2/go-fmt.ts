/**
 * Go's `fmt.Sprintf(format)` with no arguments. etcd's `authErr(status, s, v...)` formats
 * `"auth: " + s`, and two of its callers pass a message they already formatted with the names in
 * it ("Granting duplicate role %s for user %s"), so a `%` in a role or user name is read as a
 * verb: `%d` becomes `%!d(MISSING)`, `%%` a `%`. This is what clients see, so it is reproduced.
 */
export function goSprintfNoArgs(format: string): string {
  let out = '';
  let i = 0;
  while (i < format.length) {
    const percent = format.indexOf('%', i);
    if (percent === -1) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    i = percent + 1;
    // Flags.
    while (i < format.length && '#0+- '.includes(format[i]!)) i++;
    let badIndex = false;
    const index = (): void => {
      if (format[i] !== '[') return;
      const close = format.indexOf(']', i);
      // Any argument index is out of range with no arguments (and a malformed one is too).
      badIndex = true;
      i = close === -1 ? format.length : close + 1;
    };
    index();
    // Width.
    if (format[i] === '*') {
      out += '%!(BADWIDTH)';
      i++;
    } else {
      while (i < format.length && format[i]! >= '0' && format[i]! <= '9') i++;
    }
    // Precision.
    if (format[i] === '.') {
      i++;
      index();
      if (format[i] === '*') {
        out += '%!(BADPREC)';
        i++;
      } else {
        while (i < format.length && format[i]! >= '0' && format[i]! <= '9') i++;
      }
    }
    if (!badIndex) index();
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') out += '%';
    else out += `%!${verb}(${badIndex ? 'BADINDEX' : 'MISSING'})`;
  }
  return out;
}
