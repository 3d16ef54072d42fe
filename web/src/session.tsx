/** Who is signed in, from the BFF's session (bff/session.ts); the token itself stays there. */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, setCsrfToken } from './api/http';

export interface SessionInfo {
  signedIn: boolean;
  subject: string | null;
  roles: string[];
  expiresAt: string | null;
  csrfToken: string | null;
  login: { dev: boolean; oidc: boolean };
}

interface SessionApi {
  session: SessionInfo | undefined;
  /** DEVELOPMENT ONLY: signs in as anyone, while the BFF runs on the public development key. */
  devLogin(subject: string, roles: string[]): Promise<void>;
  logout(): Promise<void>;
  refresh(): Promise<void>;
}

const SessionContext = createContext<SessionApi | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionInfo>();
  const accept = useCallback((s: SessionInfo) => {
    setCsrfToken(s.csrfToken);
    setSession(s);
  }, []);
  const refresh = useCallback(async () => {
    accept(await api<SessionInfo>('/auth/session'));
  }, [accept]);
  useEffect(() => {
    refresh().catch(() =>
      accept({
        signedIn: false,
        subject: null,
        roles: [],
        expiresAt: null,
        csrfToken: null,
        login: { dev: false, oidc: false },
      }),
    );
  }, [refresh, accept]);
  const value: SessionApi = {
    session,
    refresh,
    async devLogin(subject, roles) {
      accept(
        await api<SessionInfo>('/auth/dev-login', { method: 'POST', body: { subject, roles } }),
      );
    },
    async logout() {
      await api('/auth/logout', { method: 'POST' });
      await refresh();
    },
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
