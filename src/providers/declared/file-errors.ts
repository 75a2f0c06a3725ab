/** One mistake in a vendor file, where it is and what would fix it. */
export interface VendorFileProblem {
  /** 1-based line and column in the file; 0 when the mistake has no place (the file is unreadable). */
  line: number;
  column: number;
  reason: string;
  /** The model field being mapped, e.g. `account.plan.tier`, when the mistake is in the mapping. */
  modelField?: string;
  /** The vendor path that does not exist, e.g. `usage.data.plan.teir`. */
  vendorPath?: string;
  /** The nearest existing key or path ("did you mean"). */
  suggestion?: string;
}

/** Renders a problem as one `file:line:column: reason` line, with its field, path and hint. */
export function formatProblem(file: string, problem: VendorFileProblem): string {
  const parts = [`${file}:${problem.line}:${problem.column}: ${problem.reason}`];
  if (problem.modelField !== undefined) parts.push(`model field ${problem.modelField}`);
  if (problem.vendorPath !== undefined) parts.push(`vendor path ${problem.vendorPath}`);
  if (problem.suggestion !== undefined) parts.push(`did you mean ${problem.suggestion}?`);
  return parts.join('; ');
}

/**
 * A vendor file that cannot serve: unreadable, not YAML or JSON, against the schema, with a
 * selection outside the language or a path none of its examples has. Raised at start (and by
 * `npm run vendor -- check`), so a mistake stops the gateway before it answers anything.
 */
export class VendorFileError extends Error {
  override readonly name = 'VendorFileError';
  readonly code = 'VENDOR_FILE_INVALID';
  constructor(
    readonly file: string,
    readonly problems: readonly VendorFileProblem[],
  ) {
    super(problems.map((problem) => formatProblem(file, problem)).join('\n'));
  }
}
