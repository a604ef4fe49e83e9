import { useEffect, useState } from 'preact/hooks';
import { get, signIn, signOut, token } from './api';
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
  return (
    <main class="signin">
      <h1>Cdp console</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          signIn(value);
          try {
            await get('segments');
            onSignedIn();
          } catch {
            signOut();
            setError('That token does not open the admin API.');
          }
        }}
      >
        <label for="token">Admin token</label>
        <input id="token" type="password" autoComplete="current-password" value={value} onInput={(e) => setValue(e.currentTarget.value)} required />
        <p class="hint">
          On Cdp.Local: <code>$CDP_ADMIN_TOKEN</code>, or the file <code>admin-token</code> in the data folder (scripts/dev.sh prints it). It is kept for this tab only.
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
