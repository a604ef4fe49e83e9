import { get } from '../api';
import { Empty, ErrorBox, Section, useLoad } from '../ui';

interface Source {
  id: string;
  name: string;
  binding: string;
  confidence: number;
  requestsPerSecond: number;
  burst: number;
  requiredPurpose?: string;
  maxEventAgeDays: number;
  maxEventAheadMinutes: number;
  dropBots: boolean;
}

/** The configured sources and the limits they run under; write keys are never shown (only their hashes are held). */
export function Sources() {
  const { data, error } = useLoad(() => get<Source[]>('sources'), []);
  return (
    <Section title="Sources">
      <p class="hint">
        Sources are configured (<code>Cdp:Sources</code>: docs/operations.md); each write key is held only as its SHA-256, so it cannot be shown here.
      </p>
      <ErrorBox error={error} />
      {data && data.length === 0 && <Empty>No source is configured: nothing can be collected.</Empty>}
      {data && data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Source</th>
              <th>Binding</th>
              <th>Requests per second (burst)</th>
              <th>Needs consent</th>
              <th>Accepted event times</th>
              <th>Crawlers</th>
            </tr>
          </thead>
          <tbody>
            {data.map((s) => (
              <tr key={s.id}>
                <th scope="row">
                  {s.name || s.id} <span class="hint">{s.id}</span>
                </th>
                <td>{s.binding}</td>
                <td>
                  {s.requestsPerSecond} ({s.burst})
                </td>
                <td>{s.requiredPurpose ?? '—'}</td>
                <td>
                  {s.maxEventAgeDays} days back, {s.maxEventAheadMinutes} minutes ahead
                </td>
                <td>{s.dropBots ? 'dropped' : 'kept'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
