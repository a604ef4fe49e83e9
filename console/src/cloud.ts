// Where the API is and how the console signs in. `npm run build` (Cdp.Local) calls the API on its own origin with the
// admin token. `npm run build:cloud` (azd deploys it as a static web app) builds in the Function App's address and,
// when the deployment names an Entra ID app registration, signs in with it: the admin API then takes the Entra ID
// access token (App Service authentication checks it) and a function key (the functions' authorization level).
// The values come from console/.env.cloud.local, which azd's postprovision hook writes.

export const apiBase: string = (import.meta.env.VITE_CDP_API_BASE as string | undefined)?.replace(/\/$/, '') ?? '';

/** Built for the cloud: the Function App on another origin, a function key instead of the admin token. */
export const isCloud = apiBase !== '';

const clientId = import.meta.env.VITE_CDP_ENTRA_CLIENT_ID as string | undefined;
const tenantId = import.meta.env.VITE_CDP_ENTRA_TENANT_ID as string | undefined;

/** Whether sign-in goes through Entra ID (the deployment named an app registration). */
export const usesEntra = isCloud && !!clientId && !!tenantId;

type Msal = import('@azure/msal-browser').PublicClientApplication;
let msal: Promise<Msal> | null = null;

/** MSAL, loaded on first use only (a separate file: the local console never downloads it). */
function client(): Promise<Msal> {
  msal ??= import('@azure/msal-browser').then(async ({ PublicClientApplication }) => {
    const app = new PublicClientApplication({
      auth: { clientId: clientId!, authority: `https://login.microsoftonline.com/${tenantId}`, redirectUri: window.location.origin + '/' },
      cache: { cacheLocation: 'sessionStorage' },
    });
    await app.initialize();
    const redirected = await app.handleRedirectPromise();
    if (redirected?.account) app.setActiveAccount(redirected.account);
    return app;
  });
  return msal;
}

/** The scope the admin API's tokens are for: the one the app registration exposes (docs/deploy.md § The console). */
const scopes = () => [`api://${clientId}/admin`];

/** Signs in with Entra ID (a popup). */
export async function entraSignIn(): Promise<void> {
  const app = await client();
  const result = await app.loginPopup({ scopes: scopes() });
  app.setActiveAccount(result.account);
}

/** Who is signed in with Entra ID, or null. */
export async function entraAccount(): Promise<string | null> {
  if (!usesEntra) return null;
  const app = await client();
  const account = app.getActiveAccount() ?? app.getAllAccounts()[0] ?? null;
  if (account) app.setActiveAccount(account);
  return account?.username ?? null;
}

/** An access token for the admin API (from the cache, renewed silently; a popup when it must ask). */
export async function entraToken(): Promise<string> {
  const app = await client();
  const account = app.getActiveAccount();
  if (!account) throw new Error('Not signed in with Entra ID.');
  try {
    return (await app.acquireTokenSilent({ scopes: scopes(), account })).accessToken;
  } catch {
    return (await app.acquireTokenPopup({ scopes: scopes(), account })).accessToken;
  }
}

export async function entraSignOut(): Promise<void> {
  if (!usesEntra) return;
  const app = await client();
  const account = app.getActiveAccount();
  if (account) await app.logoutPopup({ account });
}
