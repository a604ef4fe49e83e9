import { useState } from 'preact/hooks';
import { call, enc, get, type Journey, type JourneyInstance } from '../api';
import { Empty, ErrorBox, Section, useLoad, when } from '../ui';
import { JourneyFlow, paletteBranches } from '../flow';
import { JourneyEditor, type StepType } from './journey-editor';

interface Metrics {
  entered: number;
  statuses: Record<string, number>;
  exits: Record<string, number>;
  steps: Record<string, number>;
}

/** Journeys: every definition with its counts; one journey's definition and instances (terminate); the editor. */
export function Journeys({ id, sub }: { id?: string; sub?: string }) {
  if (id === 'new') return <JourneyEditor />;
  if (id && sub === 'edit') return <JourneyEditor id={id} />;
  return id ? <JourneyDetail id={id} /> : <JourneyList />;
}

function JourneyList() {
  const { data, error } = useLoad(async () => {
    const journeys = await get<Journey[]>('journeys');
    return Promise.all(journeys.map(async (j) => ({ journey: j, metrics: await get<Metrics>(`journeys/${enc(j.id)}/metrics`) })));
  }, [], 5000);
  return (
    <Section title="Journeys" actions={<a class="button" href="#/journeys/new">New journey</a>}>
      <ErrorBox error={error} />
      {data && data.length === 0 && <Empty>No journey yet.</Empty>}
      {data && data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Journey</th>
              <th>Trigger</th>
              <th>Version</th>
              <th>Entered</th>
              <th>Running</th>
            </tr>
          </thead>
          <tbody>
            {data.map(({ journey, metrics }) => (
              <tr key={journey.id}>
                <th scope="row">
                  <a href={`#/journeys/${enc(journey.id)}`}>{journey.name}</a>
                </th>
                <td>{journey.trigger.segmentEntered ? `enters ${journey.trigger.segmentEntered}` : `event ${journey.trigger.event}`}</td>
                <td>{journey.version}</td>
                <td>{metrics.entered}</td>
                <td>{metrics.statuses.running ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function JourneyDetail({ id }: { id: string }) {
  const journey = useLoad(() => get<Journey>(`journeys/${enc(id)}`), [id]);
  const [status, setStatus] = useState('');
  // The cursors of the pages read so far (the first has none): Next pushes the reply's 'next', Previous pops.
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors[cursors.length - 1];
  const instances = useLoad(
    () =>
      get<{ instances: JourneyInstance[]; next?: string | null }>(
        `journeys/${enc(id)}/instances?limit=50${status ? `&status=${enc(status)}` : ''}${after ? `&after=${enc(after)}` : ''}`,
      ),
    [id, status, after],
    3000,
  );
  const palette = useLoad(() => get<StepType[]>('journey-steps'), []);
  const [error, setError] = useState<unknown>(null);
  const [shown, setShown] = useState<JourneyInstance | null>(null);
  // The steps an instance passed, as the flow marks them: its history's steps, and the end once it ended.
  const passedBy = (i: JourneyInstance) => ['trigger', ...(i.history ?? []).map((h) => h.step).filter((s) => s.startsWith('steps')), ...(i.endedAt ? ['end'] : [])];
  return (
    <div class="stack">
      <Section title={`Journey ${id}`} actions={<a class="button" href={`#/journeys/${enc(id)}/edit`}>Edit</a>}>
        <ErrorBox error={journey.error} />
        {journey.data && (
          <>
            <div class="flow-drawing">
              <JourneyFlow
                trigger={journey.data.trigger.segmentEntered ? `enters ${journey.data.trigger.segmentEntered}` : `event ${journey.data.trigger.event ?? ''}`}
                steps={journey.data.steps as Parameters<typeof JourneyFlow>[0]['steps']}
                branches={palette.data ? paletteBranches(palette.data) : undefined}
                passed={shown ? passedBy(shown) : []}
              />
            </div>
            {shown && (
              <p class="hint" role="status">
                Marked: the path of {shown.profileId}'s run ({shown.status}).{' '}
                <button class="link" onClick={() => setShown(null)}>
                  Clear
                </button>
              </p>
            )}
            <details>
              <summary>Definition (version {journey.data.version})</summary>
              <pre class="code">{JSON.stringify(journey.data, null, 2)}</pre>
            </details>
          </>
        )}
      </Section>
      <Section
        title="Instances"
        actions={
          <span class="row">
            <label for="instance-status">Status</label>
            <select
              id="instance-status"
              value={status}
              onChange={(e) => {
                setStatus(e.currentTarget.value);
                setCursors([]);
              }}
            >
              <option value="">all</option>
              {['pending', 'running', 'completed', 'exited', 'failed', 'terminated'].map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </span>
        }
      >
        <ErrorBox error={instances.error ?? error} />
        {instances.data && instances.data.instances.length === 0 && <Empty>No one entered yet.</Empty>}
        {instances.data && instances.data.instances.length > 0 && (
          <table>
            <thead>
              <tr>
                <th>Profile</th>
                <th>Status</th>
                <th>Step</th>
                <th>Started</th>
                <th>History</th>
                <th>
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {instances.data.instances.map((i) => (
                <tr key={i.instanceId}>
                  <td>
                    <a href={`#/profiles/${enc(i.profileId)}`}>{i.profileId}</a>
                  </td>
                  <td>{i.status}</td>
                  <td>{i.step ?? '—'}</td>
                  <td>{when(i.startedAt)}</td>
                  <td class="hint">{(i.history ?? []).map((h) => `${h.step} ${h.type}${h.outcome ? ` (${h.outcome})` : ''}`).join(' → ') || '—'}</td>
                  <td>
                    {journey.data && i.journeyVersion === journey.data.version && (
                      <button class="secondary" onClick={() => setShown(i)} aria-label={`Show the path of ${i.profileId}`}>
                        Show path
                      </button>
                    )}{' '}
                    {i.status === 'running' && (
                      <button
                        class="danger"
                        onClick={async () => {
                          try {
                            await call('POST', `journeys/instances/${enc(i.instanceId)}/terminate`, { reason: 'terminated in the console' });
                            instances.reload();
                          } catch (failure) {
                            setError(failure);
                          }
                        }}
                      >
                        Terminate
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {(cursors.length > 0 || instances.data?.next) && (
          <nav class="row" aria-label="Pages of instances">
            <button class="secondary" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous page
            </button>
            <span>Page {cursors.length + 1}</span>
            <button class="secondary" disabled={!instances.data?.next} onClick={() => instances.data?.next && setCursors([...cursors, instances.data.next])}>
              Next page
            </button>
          </nav>
        )}
      </Section>
    </div>
  );
}
