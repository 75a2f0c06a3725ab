import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** One relative link of a Markdown page that does not lead anywhere. */
export interface BrokenLink {
  /** `docs/frontend.md:42`: the page and line of the link. */
  where: string;
  target: string;
  reason: string;
}

/**
 * The anchor GitHub gives a heading: its text without Markdown (code spans and links keep their
 * text), lower-cased, every character that is not a letter, digit, space, `-` or `_` dropped, spaces
 * turned into `-`. A repeated anchor on one page gets `-1`, `-2`, … in order.
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of headings(markdown)) {
    const base = text
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[`*]/g, '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** ATX headings outside fenced code blocks. */
function headings(markdown: string): Array<{ line: number; text: string }> {
  const found: Array<{ line: number; text: string }> = [];
  forEachProseLine(markdown, (line, number) => {
    const match = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (match) found.push({ line: number, text: match[1]! });
  });
  return found;
}

/** Calls `visit` with every line outside fenced code blocks (1-based line numbers). */
function forEachProseLine(markdown: string, visit: (line: string, number: number) => void): void {
  let fence: string | null = null;
  markdown.split('\n').forEach((line, index) => {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line);
    if (opening) {
      if (fence === null) fence = opening[1]!;
      else if (line.trim().startsWith(fence)) fence = null;
      return;
    }
    if (fence === null) visit(line, index + 1);
  });
}

/** `[text](target)` links of a page, outside code blocks and code spans, with their line. */
export function relativeLinks(markdown: string): Array<{ line: number; target: string }> {
  const links: Array<{ line: number; target: string }> = [];
  forEachProseLine(markdown, (line, number) => {
    const prose = line.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …: not ours to check
      links.push({ line: number, target });
    }
  });
  return links;
}

/**
 * Every relative link of `page` (an absolute path) that leads nowhere: a file or folder that does
 * not exist, or an `#anchor` that no heading of the target page produces. `root` names pages in
 * the report; a link may not leave it.
 */
export function brokenLinks(page: string, root: string, read: (path: string) => string = (path) => readFileSync(path, 'utf8')): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const where = (line: number) => `${relative(root, page).split('\\').join('/')}:${line}`;
  for (const { line, target } of relativeLinks(read(page))) {
    const [pathPart, anchor] = splitOnce(target, '#');
    const path = pathPart === '' ? page : join(dirname(page), decodeURIComponent(pathPart));
    if (relative(root, path).startsWith('..')) {
      broken.push({ where: where(line), target, reason: 'leads outside the repository' });
      continue;
    }
    if (!existsSync(path)) {
      broken.push({ where: where(line), target, reason: 'no such file' });
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (statSync(path).isDirectory() || !path.endsWith('.md')) {
      broken.push({ where: where(line), target, reason: 'an anchor into something that is not a Markdown page' });
      continue;
    }
    if (!headingAnchors(read(path)).has(decodeURIComponent(anchor))) {
      broken.push({ where: where(line), target, reason: `no heading of ${relative(root, path)} has the anchor #${anchor}` });
    }
  }
  return broken;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
