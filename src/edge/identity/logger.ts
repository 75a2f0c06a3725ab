/** The part of the gateway's logger identity writes to: operational events only, never a credential. */
export interface IdentityLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
