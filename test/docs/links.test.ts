import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { documentationPages, REPO_ROOT } from '../frontend/readme-blocks.js';
import { brokenLinks, headingAnchors, relativeLinks } from './markdown-links.js';

/** The README, every docs/ page and the benchmark's page: what a reader follows links through. */
const PAGES = [...documentationPages(), join(REPO_ROOT, 'bench', 'README.md')];

describe('relative links of the documentation', () => {
  it('finds the pages, and links in them', () => {
    expect(PAGES.map((page) => page.slice(REPO_ROOT.length))).toEqual(
      expect.arrayContaining(['README.md', 'docs/configuration.md', 'docs/vendors/arrays.md', 'bench/README.md']),
    );
    const links = PAGES.flatMap((page) => relativeLinks(readFileSync(page, 'utf8')));
    expect(links.length).toBeGreaterThan(50);
    expect(links.some((link) => link.target.includes('#'))).toBe(true);
  });

  for (const page of PAGES) {
    it(`${page.slice(REPO_ROOT.length)}: every relative link leads to a file and, with #anchor, to a heading`, () => {
      const broken = brokenLinks(page, REPO_ROOT);
      expect(broken, broken.map((link) => `${link.where} (${link.target}): ${link.reason}`).join('\n')).toEqual([]);
    });
  }
});

describe('the link check itself', () => {
  const dir = mkdtempSync(join(tmpdir(), 'doc-links-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("gives headings GitHub's anchors: code and punctuation dropped, repeats numbered", () => {
    const anchors = headingAnchors(
      '# Scale-out\n## Shared state in Redis (`REDIS_URL`)\n### `only` mode\n## Incremental delivery (`@defer`, `@stream`)\n## Errors\n## Errors\n```sh\n# not a heading\n```\n',
    );
    expect([...anchors]).toEqual(['scale-out', 'shared-state-in-redis-redis_url', 'only-mode', 'incremental-delivery-defer-stream', 'errors', 'errors-1']);
  });

  it('reports a missing file, a missing anchor and a link out of the repository, and passes good ones', () => {
    mkdirSync(join(dir, 'docs'), { recursive: true });
    writeFileSync(join(dir, 'docs', 'target.md'), '# Target\n\n## Known part\n');
    const page = join(dir, 'README.md');
    writeFileSync(
      page,
      [
        '# Page',
        '[good](docs/target.md) [good anchor](docs/target.md#known-part) [self](#page) [web](https://example.com/x)',
        '[gone](docs/missing.md)',
        '[bad anchor](docs/target.md#unknown-part)',
        '[outside](../elsewhere.md)',
        '`[in code](docs/missing.md)`',
        '```md',
        '[in a block](docs/missing.md)',
        '```',
      ].join('\n'),
    );
    expect(brokenLinks(page, dir).map((link) => [link.where, link.target, link.reason])).toEqual([
      ['README.md:3', 'docs/missing.md', 'no such file'],
      ['README.md:4', 'docs/target.md#unknown-part', expect.stringMatching(/no heading of docs\/target\.md has the anchor #unknown-part/)],
      ['README.md:5', '../elsewhere.md', 'leads outside the repository'],
    ]);
  });
});
