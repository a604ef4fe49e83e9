import { useState } from 'preact/hooks';
import { ApiError, call, enc, get, type JourneyInstance, type LedgerEntry, type Profile, type ProfileEvent } from '../api';
import { IdentityGraph } from '../graph';
import { Empty, ErrorBox, Section, text, useLoad, when } from '../ui';

/** Find a person by any identifier (type:value) or by profile id. */
export function ProfileSearch() {
  const [query, setQuery] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <Section title="Find a person">
      <form
        class="row"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          const q = query.trim();
          try {
            const profile = q.includes(':') ? await get<Profile>(`profiles?identifier=${enc(q)}`) : await get<Profile>(`profiles/${enc(q)}`);
            window.location.hash = `#/profiles/${enc(profile.id)}`;
          } catch (failure) {
            setError(failure instanceof ApiError && failure.status === 404 ? new Error(`Nobody is known by ${q}.`) : failure);
          }
        }}
      >
        <label for="find">Identifier or profile id</label>
        <input id="find" placeholder="email:ada@example.com" value={query} onInput={(e) => setQuery(e.currentTarget.value)} required />
        <button type="submit">Find</button>
      </form>
      <p class="hint">
        Identifiers are <code>type:value</code>: <code>email:…</code>, <code>user_id:…</code>, <code>anonymous_id:…</code>, <code>phone:…</code>.
      </p>
      <ErrorBox error={error} />
    </Section>
  );
}

interface Everything {
  profile: Profile;
  ledger: LedgerEntry[];
  events: ProfileEvent[];
  journeys: JourneyInstance[];
}

export function ProfileDetail({ id }: { id: string }) {
  const { data, error, reload } = useLoad<Everything>(async () => {
    const profile = await get<Profile>(`profiles/${enc(id)}`);
    const [ledger, events, journeys] = await Promise.all([
      get<LedgerEntry[]>(`profiles/${enc(profile.id)}/ledger`),
      get<ProfileEvent[]>(`profiles/${enc(profile.id)}/events?limit=100`),
      get<JourneyInstance[]>(`profiles/${enc(profile.id)}/journeys`),
    ]);
    return { profile, ledger, events, journeys };
  }, [id]);
  if (error) return <ErrorBox error={error instanceof ApiError && error.status === 404 ? new Error(`There is no profile ${id} (erased, or never there).`) : error} />;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const { profile, ledger, events, journeys } = data;
  return (
    <div class="stack">
      <Section title={`Profile ${profile.id}`} actions={<Actions profile={profile} onErased={reload} />}>
        {profile.redirectedFrom && <p class="note">{profile.redirectedFrom} was merged into this profile.</p>}
        <dl class="facts">
          <dt>Created</dt>
          <dd>{when(profile.createdAt)}</dd>
          <dt>Updated</dt>
          <dd>{when(profile.updatedAt)}</dd>
          <dt>Version</dt>
          <dd>{profile.version}</dd>
          <dt>Merged in</dt>
          <dd>{profile.merged.length === 0 ? 'none' : profile.merged.join(', ')}</dd>
        </dl>
      </Section>
      <Section title="Identity">
        <IdentityGraph profile={profile} ledger={ledger} />
        <table>
          <caption>Identifiers: when each was first and last seen on this person</caption>
          <thead>
            <tr>
              <th>Identifier</th>
              <th>First seen</th>
              <th>Last seen</th>
              <th>Last seen with another identifier</th>
            </tr>
          </thead>
          <tbody>
            {profile.identifiers.map((i) => (
              <tr key={`${i.type}:${i.value}`}>
                <th scope="row">
                  <code>{`${i.type}:${i.value}`}</code>
                </th>
                <td>{when(i.firstSeen)}</td>
                <td>{when(i.lastSeen)}</td>
                <td>{when(i.lastLinked)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table>
          <caption>Ledger: why these records are one person</caption>
          <thead>
            <tr>
              <th>When</th>
              <th>What</th>
              <th>Evidence</th>
            </tr>
          </thead>
          <tbody>
            {ledger.map((entry) => (
              <tr key={entry.id} data-kind={entry.kind}>
                <td>{when(entry.at)}</td>
                <td>
                  {entry.kind === 'merge' ? `merged ${entry.otherProfileId} into ${entry.profileId}` : entry.kind === 'move' ? `moved ${entry.identifierTypes.join(', ')} from ${entry.otherProfileId}` : `linked ${entry.identifierTypes.join(', ')}`}
                </td>
                <td>
                  rule <code>{entry.rule}</code>, message <code>{entry.messageId}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Traits">
        {Object.keys(profile.traits).length === 0 ? (
          <Empty>No traits.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Trait</th>
                <th>Value</th>
                <th>Observed</th>
                <th>Source</th>
                <th>Values that lost</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(profile.traits).map(([name, trait]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td>{text(trait.value)}</td>
                  <td>{when(trait.observedAt)}</td>
                  <td>{trait.source ?? '—'}</td>
                  <td>{(trait.history ?? []).map((h) => `${text(h.value)} (${when(h.observedAt)})`).join('; ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <div class="columns">
        <Section title="Segments">
          {Object.keys(profile.segments).length === 0 ? (
            <Empty>In no segment.</Empty>
          ) : (
            <ul>
              {Object.entries(profile.segments).map(([segment, membership]) => (
                <li key={segment}>
                  <a href={`#/segments/${enc(segment)}`}>{segment}</a> since {when(membership.since)}
                </li>
              ))}
            </ul>
          )}
          {Object.keys(profile.segmentExits ?? {}).length > 0 && (
            <ul aria-label="Segments left">
              {Object.entries(profile.segmentExits ?? {}).map(([segment, exit]) => (
                <li key={segment}>
                  left <a href={`#/segments/${enc(segment)}`}>{segment}</a> {when(exit.at)} (in it since {when(exit.since)})
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Consents">
          {Object.keys(profile.consents).length === 0 ? (
            <Empty>No decision recorded.</Empty>
          ) : (
            <ul>
              {Object.entries(profile.consents).map(([purpose, consent]) => (
                <li key={purpose}>
                  {purpose}: <strong>{consent.granted ? 'granted' : 'denied'}</strong> {when(consent.at)}
                  {consent.expiresAt && `, until ${when(consent.expiresAt)}`}
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>
      <Section title="Journeys">
        {journeys.length === 0 ? (
          <Empty>In no journey.</Empty>
        ) : (
          <ul>
            {journeys.map((j) => (
              <li key={j.instanceId}>
                <a href={`#/journeys/${enc(j.journeyId)}`}>{j.journeyId}</a> v{j.journeyVersion}: <strong>{j.status}</strong>
                {j.step && ` at ${j.step}`}, started {when(j.startedAt)}
                {j.history && j.history.length > 0 && <span class="hint"> — {j.history.map((h) => `${h.step} ${h.type}${h.outcome ? ` (${h.outcome})` : ''}`).join(' → ')}</span>}
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title="Events">
        {events.length === 0 ? (
          <Empty>No events.</Empty>
        ) : (
          <ol class="timeline">
            {events.map((e) => (
              <li key={e.messageId}>
                <time dateTime={e.timestamp}>{when(e.timestamp)}</time> <strong>{e.type}</strong> {e.event ?? e.name ?? ''}
                {e.sourceId && <span class="hint"> from {e.sourceId}</span>}
              </li>
            ))}
          </ol>
        )}
      </Section>
    </div>
  );
}

/** Export (a JSON download) and erase (with the reason the audit log keeps). */
function Actions({ profile, onErased }: { profile: Profile; onErased: () => void }) {
  const [reason, setReason] = useState('');
  const [state, setState] = useState<unknown>(null);
  return (
    <div class="actions">
      <button
        onClick={async () => {
          const everything = await get<unknown>(`profiles/${enc(profile.id)}/export`);
          const link = document.createElement('a');
          link.href = URL.createObjectURL(new Blob([JSON.stringify(everything, null, 2)], { type: 'application/json' }));
          link.download = `${profile.id}.json`;
          link.click();
          URL.revokeObjectURL(link.href);
        }}
      >
        Export
      </button>
      <form
        class="row"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            const reply = await call<{ status: string }>('DELETE', `profiles/${enc(profile.id)}`, undefined, { 'X-Cdp-Reason': reason });
            setState(`Erasure ${reply.body.status}.`);
            setTimeout(onErased, 1500);
          } catch (failure) {
            setState(failure);
          }
        }}
      >
        <label for="reason">Reason</label>
        <input id="reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} required placeholder="ticket 4711" />
        <button type="submit" class="danger">
          Erase this person
        </button>
      </form>
      {typeof state === 'string' ? <p role="status">{state}</p> : <ErrorBox error={state} />}
    </div>
  );
}
