/**
 * The body of a JSON batch (`com.typedcluster.batch: json`): the messages'
 * payloads, each a JSON document, as the elements of one JSON array, in
 * order. The connector does not parse them: a payload that is not JSON
 * makes the array invalid, the function refuses the batch, and the lane
 * retries its messages one at a time, which isolates the bad one.
 */
export const JSON_BATCH_CONTENT_TYPE = 'application/json';

interface JsonPart {
  readonly message: { readonly payload: Buffer };
}

/** Bytes a message adds to the array: its payload and a comma (or the bracket). */
export const jsonBytesOf = (d: JsonPart): number => d.message.payload.length + 1;

export function jsonBatchBodyOf(ds: readonly JsonPart[]): Buffer {
  const body = Buffer.allocUnsafe(Math.max(2, ds.reduce((n, d) => n + jsonBytesOf(d), 1)));
  body[0] = 0x5b; // '['
  let at = 1;
  ds.forEach((d, i) => {
    if (i > 0) body[at++] = 0x2c; // ','
    at += d.message.payload.copy(body, at);
  });
  body[at] = 0x5d; // ']'
  return body;
}
