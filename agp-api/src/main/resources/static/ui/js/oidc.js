// Signing in with the identity provider (agp.api.ui.oidc.*): OpenID Connect's authorization code
// flow with PKCE, run by the browser as a public client. The provider sends the browser back to
// /ui/ with a code, which is exchanged for tokens at its token endpoint; the chosen token is then
// kept like a pasted one, for this browser tab only.
import { session } from './api.js';

const PENDING = 'agp.oidc';

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function discover(oidc) {
  const url = oidc.issuer.replace(/\/$/, '') + '/.well-known/openid-configuration';
  const response = await fetch(url, { credentials: 'omit' });
  if (!response.ok) throw new Error('the identity provider\'s discovery document answered ' + response.status);
  return response.json();
}

function redirectUri() {
  return location.origin + '/ui/';
}

/** Leaves for the provider's login page. */
export async function signIn(oidc) {
  if (!crypto.subtle) throw new Error('signing in needs a secure page (https, or localhost)');
  const provider = await discover(oidc);
  const verifier = random();
  const state = random();
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, hash: location.hash }));
  const url = new URL(provider.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.client_id,
    redirect_uri: redirectUri(),
    scope: oidc.scopes,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(url.toString());
}

/**
 * Back from the provider (?code=…&state=…): exchanges the code for tokens and keeps the one the
 * API takes. Returns false when this page load is not such a return.
 */
export async function finishSignIn(oidc) {
  const query = new URLSearchParams(location.search);
  if (!oidc || (!query.has('code') && !query.has('error'))) return false;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', '/ui/' + (pending?.hash || ''));
  if (query.has('error')) {
    throw new Error('the identity provider refused: ' + (query.get('error_description') || query.get('error')));
  }
  if (!pending || pending.state !== query.get('state')) {
    throw new Error('this sign-in was not started here (its state does not match); try again');
  }
  const provider = await discover(oidc);
  const response = await fetch(provider.token_endpoint, {
    method: 'POST',
    credentials: 'omit',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: query.get('code'),
      redirect_uri: redirectUri(),
      client_id: oidc.client_id,
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) throw new Error('the identity provider\'s token endpoint answered ' + response.status);
  const tokens = await response.json();
  const token = oidc.token === 'id' ? tokens.id_token : tokens.access_token;
  if (!token) throw new Error('the identity provider sent no ' + (oidc.token === 'id' ? 'ID' : 'access') + ' token');
  session.token = token;
  return true;
}
