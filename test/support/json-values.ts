/** An RFC 4122 UUID in lower case, as the simulators write request ids. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every integer in a JSON text greater than 2^31 - 1 (as written, so nothing is lost to parsing). */
export function bigIntegers(text: string): bigint[] {
  return [...text.matchAll(/(?<![\d."])(\d{10,})(?![\d."])/g)]
    .map((m) => BigInt(m[1] ?? '0'))
    .filter((n) => n > 2n ** 31n - 1n);
}
