import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Answer } from './api/client';
import type { SessionQuery } from './gql/graphql';

/**
 * What the caller may see, from the Session query: a field refused with FORBIDDEN means the
 * caller lacks its scope, and the views that need it are neither linked nor rendered.
 */
export interface Access {
  /** `usage:read`: vendor cards, vendor details. */
  usage: boolean;
  /** `partners:read`: every partner user. */
  partners: boolean;
  /** `me` answers: the caller's own partner usage (`partners:self`, or a partner reader with a sub and usage). */
  self: boolean;
  /** The caller's own sub, when the ledger has counted it. */
  sub: string | null;
  providers: NonNullable<SessionQuery['providers']>;
}

export function accessOf(answer: Answer<SessionQuery>): Access {
  const refused = (field: string) => answer.errors.some((error) => error.path?.[0] === field);
  const data = answer.data;
  const partners = data?.partnerUsers != null && !refused('partnerUsers');
  return {
    usage: data?.providers != null && !refused('providers'),
    partners,
    // An end user whose usage the ledger has not counted yet still gets its page (saying so).
    self: !refused('me') && (data?.me != null || !partners),
    sub: data?.me?.sub ?? null,
    providers: data?.providers ?? [],
  };
}

export const SessionContext = createContext<Access | null>(null);

export function useAccess(): Access {
  const access = useContext(SessionContext);
  if (access === null) throw new Error('useAccess outside the session');
  return access;
}
