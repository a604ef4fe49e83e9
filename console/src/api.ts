// The admin API, as the console calls it: on Cdp.Local the admin token (kept for this browser tab only) as a bearer
// token and the console named as the actor in the audit log; in the cloud (cloud.ts) the Function App's address, a
// function key (this tab only) and, with Entra ID, an access token. RFC 9457 problem details become errors that name
// each field.
import { apiBase, entraToken, isCloud, usesEntra } from './cloud';

const TokenKey = 'cdp.adminToken';

export function token(): string | null {
  return sessionStorage.getItem(TokenKey);
}

export function signIn(value: string): void {
  sessionStorage.setItem(TokenKey, value.trim());
}

export function signOut(): void {
  sessionStorage.removeItem(TokenKey);
}

export interface Problem {
  title?: string;
  detail?: string;
  status?: number;
  errors?: Record<string, string[]>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ? `${problem.title ?? 'Error'} ${problem.detail}` : (problem.title ?? `HTTP ${status}`));
  }

  /** Each bad field with what is wrong with it. */
  get fields(): [string, string][] {
    return Object.entries(this.problem.errors ?? {}).flatMap(([field, problems]) => problems.map((p): [string, string] => [field, p]));
  }
}

export interface Reply<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** How the admin API is told who calls: the admin token locally; the function key (and Entra ID's token) in the cloud. */
async function credentials(): Promise<Record<string, string>> {
  if (!isCloud) return { Authorization: `Bearer ${token() ?? ''}`, 'X-Cdp-Actor': 'console' };
  return { 'x-functions-key': token() ?? '', ...(usesEntra ? { Authorization: `Bearer ${await entraToken()}` } : {}) };
}

export async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
  const response = await fetch(`${apiBase}/api/${path}`, {
    method,
    headers: {
      ...(await credentials()),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text.length > 0 ? JSON.parse(text) : null;
  if (response.status === 401) {
    signOut();
    window.dispatchEvent(new Event('cdp-signed-out'));
  }
  if (!response.ok) {
    throw new ApiError(response.status, (parsed ?? { title: `HTTP ${response.status}` }) as Problem);
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

export const get = async <T>(path: string): Promise<T> => (await call<T>('GET', path)).body;

export const enc = encodeURIComponent;

// The shapes the console reads (docs/openapi/cdp-local.json has them all).
export interface Trait {
  value: unknown;
  observedAt: string;
  messageId: string;
  source?: string;
  confidence?: number;
  history?: Trait[];
}

export interface Identifier {
  type: string;
  value: string;
  firstSeen: string;
  lastSeen: string;
  lastLinked?: string;
}

export interface Profile {
  id: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  identifiers: Identifier[];
  traits: Record<string, Trait>;
  counters: { events: Record<string, { count: number; first: string; last: string }> };
  merged: string[];
  segments: Record<string, { since: string }>;
  consents: Record<string, { granted: boolean; at: string; source?: string; expiresAt?: string }>;
  redirectedFrom?: string;
  segmentExits?: Record<string, { since: string; at: string }>;
}

export interface LedgerEntry {
  id: string;
  profileId: string;
  kind: 'link' | 'merge' | 'move';
  at: string;
  messageId: string;
  rule: string;
  identifierTypes: string[];
  otherProfileId?: string;
}

export interface ProfileEvent {
  messageId: string;
  type: string;
  timestamp: string;
  sourceId?: string;
  event?: string;
  name?: string;
  properties?: Record<string, unknown>;
}

export interface JourneyInstance {
  instanceId: string;
  journeyId: string;
  journeyVersion: number;
  profileId: string;
  status: string;
  step?: string;
  reason?: string;
  startedAt: string;
  endedAt?: string;
  history?: { sequence: number; step: string; type: string; at: string; outcome?: string }[];
}

export interface Segment {
  segment: { id: string; name: string; rule: string; description?: string; status: string; version: number; updatedAt: string; backfill?: { processed: number; done: boolean } };
  members: number;
}

export interface Transition {
  id: string;
  segmentId: string;
  profileId: string;
  kind: string;
  at: string;
}

export interface DeadLetter {
  id: string;
  stage: string;
  sourceId?: string;
  reason: string;
  body: string;
  at: string;
  messageId?: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  method: string;
  path: string;
  status: number;
  profileId?: string;
  reason?: string;
}

export interface Journey {
  id: string;
  name: string;
  version: number;
  trigger: { segmentEntered?: string; event?: string };
  steps: unknown[];
}
