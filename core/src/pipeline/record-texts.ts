/**
 * The source text of each element of a JSON body's top-level "records"
 * array, for a body JSON.parse has already accepted: store-reading
 * republishes the text stage per device from these slices instead of
 * serialising every record again (which was a quarter of its CPU).
 *
 * Valid JSON is assumed (the caller parsed it first), so this only finds
 * where values end. It gives up (undefined) wherever the slices might not
 * be what JSON.parse read: no "records" key, one written with escapes, or
 * more than one (JSON.parse keeps the last; re-serialising is the safe path).
 */
export function recordTexts(text: string): string[] | undefined {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_OBJECT) return undefined;
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_OBJECT) return undefined;
  let found: string[] | undefined;
  let seen = 0;
  for (;;) {
    const keyEnd = stringEnd(text, i);
    const key = text.slice(i + 1, keyEnd - 1);
    if (key.includes('\\')) return undefined;
    i = skipSpace(text, skipSpace(text, keyEnd) + 1); // past the colon
    if (key === 'records') {
      seen++;
      if (text.charCodeAt(i) !== OPEN_ARRAY) return undefined;
      const items = arrayItems(text, i);
      found = items.texts;
      i = items.end;
    } else {
      i = valueEnd(text, i);
    }
    i = skipSpace(text, i);
    if (text.charCodeAt(i) !== COMMA) break;
    i = skipSpace(text, i + 1);
  }
  return seen === 1 ? found : undefined;
}

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** JSON's four whitespace characters (RFC 8259 §2). */
function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** `i` at an opening quote: the index after the closing one. */
function stringEnd(text: string, i: number): number {
  for (i++; ; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE || Number.isNaN(c)) return i + 1;
  }
}

/** `i` at a value's first character: the index after its last. */
function valueEnd(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (first === QUOTE) return stringEnd(text, i);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) i = stringEnd(text, i) - 1;
      else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
      else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --depth === 0) return i + 1;
    }
    return i;
  }
  // A number, true, false or null: up to the next delimiter or space.
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) return i;
  }
  return i;
}

function arrayItems(text: string, open: number): { texts: string[]; end: number } {
  const texts: string[] = [];
  let i = skipSpace(text, open + 1);
  if (text.charCodeAt(i) === CLOSE_ARRAY) return { texts, end: i + 1 };
  for (;;) {
    const end = valueEnd(text, i);
    texts.push(text.slice(i, end));
    i = skipSpace(text, end);
    if (text.charCodeAt(i) !== COMMA) return { texts, end: i + 1 };
    i = skipSpace(text, i + 1);
  }
}
