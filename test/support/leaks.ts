import { expect } from 'vitest';

/**
 * The longest part of `secret`, at least `min` characters long, that occurs in `text`; null when
 * none does. A leak check must look for parts, not only the whole secret: where a body or message
 * is cut, only part of a credential survives.
 */
export function fragmentOf(text: string, secret: string, min: number): string | null {
  for (let length = secret.length; length >= min; length -= 1) {
    for (let start = 0; start + length <= secret.length; start += 1) {
      const part = secret.slice(start, start + length);
      if (text.includes(part)) return part;
    }
  }
  return null;
}

/** Fails, naming the fragment and where it was, when `text` holds `min` or more characters of `secret` in a row. */
export function expectNoFragmentOf(text: string, secret: string, min = 6): void {
  const found = fragmentOf(text, secret, min);
  const at = found === null ? -1 : text.indexOf(found);
  expect(found, found === null ? '' : `credential fragment ${JSON.stringify(found)} in …${text.slice(Math.max(0, at - 60), at + found.length + 20)}…`).toBeNull();
}
