/**
 * Who is signed in, and signing in and out: through the identity service (the BFF runs the
 * OpenID Connect code flow at /auth/login and keeps the tokens), or, only while the BFF runs on
 * the public development key, the development sign-in, labelled as such.
 */
import { useState, type FormEvent } from 'react';
import { describeProblem } from './api/messages';
import { useSession } from './session';

export function SignIn() {
  const { session, devLogin, logout } = useSession();
  const [subject, setSubject] = useState('alice');
  const [role, setRole] = useState('customer');
  const [error, setError] = useState<string>();
  if (!session) return null;

  if (session.signedIn)
    return (
      <div className="signin">
        <span>
          Signed in as <strong>{session.subject}</strong>
          {session.roles.includes('operator') && ' (operator)'}
        </span>
        <button type="button" onClick={() => void logout()}>
          Sign out
        </button>
      </div>
    );

  if (session.login.oidc) {
    const here = location.pathname + location.search;
    return (
      <div className="signin">
        <a className="button" href={`/auth/login?returnTo=${encodeURIComponent(here)}`}>
          Sign in
        </a>
      </div>
    );
  }

  if (!session.login.dev)
    return (
      <div className="signin">
        <span>Sign-in is not available.</span>
      </div>
    );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await devLogin(subject.trim(), role === 'operator' ? ['operator'] : ['customer']);
    } catch (err) {
      setError(describeProblem(err));
    }
  };
  return (
    <form className="signin dev" onSubmit={(e) => void submit(e)} aria-label="Development sign-in">
      <span className="dev-badge">Development only</span>
      <label htmlFor="dev-subject">Name</label>
      <input
        id="dev-subject"
        value={subject}
        onChange={(e) => setSubject(e.target.value)}
        autoComplete="username"
      />
      <label htmlFor="dev-role">Role</label>
      <select id="dev-role" value={role} onChange={(e) => setRole(e.target.value)}>
        <option value="customer">Customer</option>
        <option value="operator">Operator</option>
      </select>
      <button type="submit">Sign in (dev only)</button>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
