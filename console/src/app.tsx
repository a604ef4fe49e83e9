import { useEffect, useState } from 'preact/hooks';
import { get, signIn, signOut, token } from './api';
import { entraAccount, entraSignIn, entraSignOut, isCloud, usesEntra } from './cloud';
import { Audit } from './pages/audit';
import { DeadLetters } from './pages/deadletters';
import { Journeys } from './pages/journeys';
import { Overview } from './pages/overview';
import { ProfileDetail, ProfileSearch } from './pages/profiles';
import { SegmentEditor, Segments } from './pages/segments';
import { Sources } from './pages/sources';

/** The path after '#' (hash routes: the host serves one page, and links work without server routes). */
function useRoute(): string[] {
  const read = () => window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

const pages: [string, string][] = [
  ['', 'Overview'],
  ['profiles', 'Profiles'],
  ['segments', 'Segments'],
  ['journeys', 'Journeys'],
  ['deadletters', 'Dead letters'],
  ['audit', 'Audit log'],
  ['sources', 'Sources'],
];

export function App() {
  const [signedIn, setSignedIn] = useState(token() !== null);
  const route = useRoute();
  useEffect(() => {
    const out = () => setSignedIn(false);
    window.addEventListener('cdp-signed-out', out);
    return () => window.removeEventListener('cdp-signed-out', out);
  }, []);
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;

  const [page, id, sub] = route;
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">Cdp</strong>
        <nav aria-label="Pages">
          {pages.map(([path, label]) => (
            <a key={path} href={`#/${path}`} aria-current={(page ?? '') === path ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button
          class="link"
          onClick={() => {
            signOut();
            setSignedIn(false);
            void entraSignOut();
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page === 'profiles' ? (
          id ? <ProfileDetail id={id} /> : <ProfileSearch />
        ) : page === 'segments' ? (
          id ? <SegmentEditor id={id} /> : <Segments />
        ) : page === 'journeys' ? (
          <Journeys id={id} sub={sub} />
        ) : page === 'deadletters' ? (
          <DeadLetters />
        ) : page === 'audit' ? (
          <Audit />
        ) : page === 'sources' ? (
          <Sources />
        ) : (
          <Overview />
        )}
      </main>
    </div>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [account, setAccount] = useState<string | null>(null);
  useEffect(() => {
    entraAccount().then(setAccount, () => setAccount(null));
  }, []);
  return (
    <main class="signin">
      <h1>Cdp console</h1>
      {usesEntra && (
        <div class="row">
          {account ? (
            <p role="status">Signed in with Entra ID as {account}.</p>
          ) : (
            <button
              type="button"
              onClick={async () => {
                setError(null);
                try {
                  await entraSignIn();
                  setAccount(await entraAccount());
                } catch (failure) {
                  setError(`Entra ID sign-in failed: ${failure instanceof Error ? failure.message : String(failure)}`);
                }
              }}
            >
              Sign in with Microsoft
            </button>
          )}
        </div>
      )}
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          signIn(value);
          try {
            await get('segments');
            onSignedIn();
          } catch {
            signOut();
            setError(isCloud ? 'That key (with this sign-in) does not open the admin API.' : 'That token does not open the admin API.');
          }
        }}
      >
        <label for="token">{isCloud ? 'Function key' : 'Admin token'}</label>
        <input id="token" type="password" autoComplete="current-password" value={value} onInput={(e) => setValue(e.currentTarget.value)} required />
        <p class="hint">
          {isCloud ? (
            <>
              A key of the Function App (docs/deploy.md: <code>az functionapp keys list</code>). It is kept for this tab only.
            </>
          ) : (
            <>
              On Cdp.Local: <code>$CDP_ADMIN_TOKEN</code>, or the file <code>admin-token</code> in the data folder (scripts/dev.sh prints it). It is kept for this tab only.
            </>
          )}
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={usesEntra && !account}>
          Sign in
        </button>
      </form>
    </main>
  );
}
