import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, enc, get, type Segment, type Transition } from '../api';
import { Empty, ErrorBox, Section, useLoad, when } from '../ui';

export function Segments() {
  const { data, error } = useLoad(() => get<Segment[]>('segments'), [], 3000);
  return (
    <Section title="Segments" actions={<a class="button" href="#/segments/new">New segment</a>}>
      <ErrorBox error={error} />
      {data && data.length === 0 && <Empty>No segment yet.</Empty>}
      {data && data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Segment</th>
              <th>Rule</th>
              <th>Status</th>
              <th>Members</th>
              <th>Back-fill</th>
            </tr>
          </thead>
          <tbody>
            {data.map(({ segment, members }) => (
              <tr key={segment.id}>
                <th scope="row">
                  <a href={`#/segments/${enc(segment.id)}`}>{segment.name}</a> <span class="hint">{segment.id}</span>
                </th>
                <td>
                  <code>{segment.rule}</code>
                </td>
                <td>{segment.status}</td>
                <td data-members={segment.id}>{members}</td>
                <td>{segment.backfill ? (segment.backfill.done ? 'done' : `${segment.backfill.processed} profiles`) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

/** Create (id 'new') or change a segment; its size, back-fill and transitions, refreshed live. */
export function SegmentEditor({ id }: { id: string }) {
  const creating = id === 'new';
  const [form, setForm] = useState({ id: '', name: '', rule: '', description: '', status: 'active' });
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const existing = useLoad(() => (creating ? Promise.resolve(null) : get<Segment>(`segments/${enc(id)}`)), [id], creating ? undefined : 2000);
  useEffect(() => {
    const s = existing.data?.segment;
    if (s && form.id !== s.id) setForm({ id: s.id, name: s.name, rule: s.rule, description: s.description ?? '', status: s.status });
  }, [existing.data]);
  const fieldErrors = error instanceof ApiError ? error.problem.errors ?? {} : {};
  const set = (key: keyof typeof form) => (e: { currentTarget: { value: string } }) => setForm({ ...form, [key]: e.currentTarget.value });
  const problem = (field: string) =>
    fieldErrors[field] && (
      <span class="field-error" id={`${field}-error`} role="alert">
        {fieldErrors[field].join(' ')}
      </span>
    );
  return (
    <div class="stack">
      <Section title={creating ? 'New segment' : `Segment ${id}`}>
        <form
          class="form"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            setSaved(null);
            try {
              const target = creating ? form.id.trim() : id;
              const reply = await call<Segment>('PUT', `segments/${enc(target)}`, { name: form.name, rule: form.rule, description: form.description || undefined, status: form.status });
              setSaved(reply.status === 201 ? 'Created; members are being found.' : 'Saved.');
              if (creating) window.location.hash = `#/segments/${enc(target)}`;
              existing.reload();
            } catch (failure) {
              setError(failure);
            }
          }}
        >
          {creating && (
            <>
              <label for="segment-id">Id</label>
              <input id="segment-id" value={form.id} onInput={set('id')} required pattern="[A-Za-z0-9_\-]+" aria-describedby="id-error" />
              {problem('id')}
            </>
          )}
          <label for="segment-name">Name</label>
          <input id="segment-name" value={form.name} onInput={set('name')} required aria-describedby="name-error" />
          {problem('name')}
          <label for="segment-rule">Rule</label>
          <textarea id="segment-rule" rows={3} value={form.rule} onInput={set('rule')} required spellcheck={false} aria-describedby="rule-error" />
          {problem('rule')}
          <RulePreview rule={form.rule} segmentId={creating ? undefined : id} />
          <p class="hint">
            The rule language (docs/segments.md), e.g. <code>text("plan") == "pro" and count("track:Order Completed") &gt;= 2</code>.
          </p>
          <label for="segment-description">Description</label>
          <input id="segment-description" value={form.description} onInput={set('description')} />
          <label for="segment-status">Status</label>
          <select id="segment-status" value={form.status} onChange={set('status')}>
            <option value="active">active</option>
            <option value="paused">paused</option>
          </select>
          {problem('status')}
          <div class="row">
            <button type="submit">Save</button>
            {saved && <span role="status">{saved}</span>}
          </div>
          {error && !(error instanceof ApiError && error.status === 400) && <ErrorBox error={error} />}
        </form>
      </Section>
      {!creating && existing.data && (
        <Section title="Members">
          <p>
            <strong data-testid="members">{existing.data.members}</strong> profiles
            {existing.data.segment.backfill && !existing.data.segment.backfill.done && `, back-fill running (${existing.data.segment.backfill.processed} profiles looked at)`}
          </p>
          <TransitionFeed id={id} />
        </Section>
      )}
    </div>
  );
}

function TransitionFeed({ id }: { id: string }) {
  const { data } = useLoad(() => get<Transition[]>(`segments/${enc(id)}/transitions?limit=50`), [id], 2000);
  if (!data) return null;
  if (data.length === 0) return <Empty>No one entered or left yet.</Empty>;
  return (
    <ol class="timeline" aria-label="Transitions">
      {data.map((t) => (
        <li key={t.id}>
          <time dateTime={t.at}>{when(t.at)}</time> <a href={`#/profiles/${enc(t.profileId)}`}>{t.profileId}</a> {t.kind}
        </li>
      ))}
    </ol>
  );
}

interface Preview {
  valid: boolean;
  errors: { message: string; position?: number }[];
  looked: number;
  matched: number;
  sample: string[];
  failed: number;
  failure?: string;
}

/** The rule checked as you type (a moment after the last key): where it breaks, or whom it matches in a sample. */
function RulePreview({ rule, segmentId }: { rule: string; segmentId?: string }) {
  const [preview, setPreview] = useState<Preview | null>(null);
  useEffect(() => {
    if (!rule.trim()) {
      setPreview(null);
      return undefined;
    }
    let live = true;
    const timer = setTimeout(() => {
      call<Preview>('POST', 'segments/preview', { rule, segmentId }).then(
        (reply) => live && setPreview(reply.body),
        () => live && setPreview(null),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [rule, segmentId]);
  return (
    <div class="preview" aria-live="polite" data-testid="rule-preview">
      {preview && !preview.valid && (
        <div class="field-error">
          {preview.errors.map((e) => (
            <div key={e.message}>
              {e.position !== undefined && e.position !== null && (
                <pre class="caret" aria-hidden="true">
                  {`${rule}\n${' '.repeat(Math.min(e.position, rule.length))}^`}
                </pre>
              )}
              {e.position !== undefined && e.position !== null ? `At character ${e.position}: ${e.message}` : e.message}
            </div>
          ))}
        </div>
      )}
      {preview && preview.valid && (
        <p>
          Matches <strong>{preview.matched}</strong> of the first {preview.looked} {preview.looked === 1 ? 'profile' : 'profiles'}
          {preview.sample.length > 0 && ': '}
          {preview.sample.map((profile, i) => (
            <span key={profile}>
              {i > 0 && ', '}
              <a href={`#/profiles/${enc(profile)}`}>{profile}</a>
            </span>
          ))}
          .
          {preview.failed > 0 && <span class="field-error">{` It fails on ${preview.failed} of them: ${preview.failure}`}</span>}
        </p>
      )}
    </div>
  );
}
