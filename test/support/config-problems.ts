import { expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

/** The problems `loadConfig` lists for `env`, one line each; fails the test when it accepts `env`. */
export function configProblems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}
