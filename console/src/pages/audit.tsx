import { useState } from 'preact/hooks';
import { enc, get, type AuditEntry } from '../api';
import { Empty, ErrorBox, Section, useLoad, when } from '../ui';

/** The admin API's audit trail, filtered by actor, action and profile. */
export function Audit() {
  const [filter, setFilter] = useState({ actor: '', action: '', profileId: '' });
  const [applied, setApplied] = useState(filter);
  const query = Object.entries(applied)
    .filter(([, v]) => v.trim())
    .map(([k, v]) => `${k}=${enc(v.trim())}`)
    .join('&');
  const { data, error } = useLoad(() => get<AuditEntry[]>(`audit?limit=200${query ? `&${query}` : ''}`), [query]);
  return (
    <Section title="Audit log">
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(filter);
        }}
      >
        <span class="field">
          <label for="audit-actor">Actor</label>
          <input id="audit-actor" value={filter.actor} onInput={(e) => setFilter({ ...filter, actor: e.currentTarget.value })} />
        </span>
        <span class="field">
          <label for="audit-action">Action</label>
          <select id="audit-action" value={filter.action} onChange={(e) => setFilter({ ...filter, action: e.currentTarget.value })}>
            <option value="">any</option>
            {['read', 'export', 'change', 'erase'].map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </span>
        <span class="field">
          <label for="audit-profile">Profile</label>
          <input id="audit-profile" value={filter.profileId} onInput={(e) => setFilter({ ...filter, profileId: e.currentTarget.value })} />
        </span>
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={error} />
      {data && data.length === 0 && <Empty>No entry matches.</Empty>}
      {data && data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>Actor</th>
              <th>Action</th>
              <th>Call</th>
              <th>Status</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {data.map((entry) => (
              <tr key={entry.id}>
                <td>{when(entry.at)}</td>
                <td>{entry.actor}</td>
                <td>{entry.action}</td>
                <td>
                  <code>
                    {entry.method} {entry.path}
                  </code>
                </td>
                <td>{entry.status}</td>
                <td>{entry.reason ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
