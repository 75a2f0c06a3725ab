import type { z } from 'zod';

/** Raised when the environment holds invalid values; `problems` lists every one of them. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/**
 * A URL's `user:password@` part is a credential too. Up to the authority's last `@`, as a URL
 * parser reads it: a password may hold an `@` of its own.
 */
function withoutUserinfo(value: string): string {
  return value.replace(/\/\/[^/?#]*@/, '//[REDACTED]@');
}

/**
 * Reads variables one at a time, each with its own zod schema, and collects every problem
 * instead of stopping at the first. Empty or blank values count as unset. A bad value is
 * reported with what was expected and the value itself, except for secret variables.
 */
export class EnvironmentReader {
  private readonly problems: string[] = [];

  constructor(
    private readonly env: Record<string, string | undefined>,
    /** Names of variables whose values are never quoted. */
    private readonly secretNames: ReadonlySet<string>,
  ) {}

  /**
   * The variable's value as `schema` reads it. On a bad value the problem is recorded and the
   * schema's value for an unset variable is returned, so reading goes on and every problem of
   * the environment is reported at once.
   */
  read<T>(name: string, schema: z.ZodType<T, string | undefined>): T {
    const raw = this.env[name];
    const text = raw === undefined || raw.trim() === '' ? undefined : raw;
    const parsed = schema.safeParse(text);
    if (parsed.success) return parsed.data;
    const got = this.secretNames.has(name) ? '' : ` (got ${JSON.stringify(withoutUserinfo(text ?? ''))})`;
    for (const issue of parsed.error.issues) this.problems.push(`${name}: ${issue.message}${got}`);
    return schema.parse(undefined);
  }

  /**
   * The environment's raw value of `name`, for a reader that validates it itself (the secret
   * variables a rules file names); never quoted in a problem by this reader.
   */
  raw(name: string): string | undefined {
    return this.env[name];
  }

  /** Records a problem found across variables (a cross-field check); each is said once. */
  report(problem: string): void {
    if (!this.problems.includes(problem)) this.problems.push(problem);
  }

  /** True when some value was refused so far. */
  hasProblems(): boolean {
    return this.problems.length > 0;
  }

  /** Throws a ConfigError listing every problem, when there is one. */
  throwIfProblems(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
