/**
 * The path of an absolute, already serialised URL (a fetch `Request.url`), without its query or
 * fragment: what `new URL(url).pathname` says, without parsing the URL again on every request.
 */
export function pathOfUrl(url: string): string {
  const scheme = url.indexOf('://');
  const start = url.indexOf('/', scheme === -1 ? 0 : scheme + 3);
  if (start === -1) return '/';
  let end = url.length;
  const query = url.indexOf('?', start);
  if (query !== -1) end = query;
  const fragment = url.indexOf('#', start);
  if (fragment !== -1 && fragment < end) end = fragment;
  return url.slice(start, end);
}
