import { useState } from 'preact/hooks';
import { ApiError, call, enc, get } from '../api';
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
  origin: 'configuration' | 'api';
  transform: { op: string; path?: string; from?: string; to?: string; value?: string; in?: string[] }[];
}

interface KeyReply {
  source: Source;
  writeKey: string;
}

const blank = { id: '', name: '', binding: 'late', requestsPerSecond: '100', burst: '200', confidence: '1', requiredPurpose: '', dropBots: true, transform: '' };

/**
 * Every source and the limits it runs under. A source created here gets a write key that is shown once (only its SHA-256
 * is kept); one created over the API can get a new key or be deleted; configured ones change in configuration.
 */
export function Sources() {
  const { data, error, reload } = useLoad(() => get<Source[]>('sources'), []);
  const [form, setForm] = useState(blank);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [issued, setIssued] = useState<KeyReply | null>(null);
  const [confirming, setConfirming] = useState<{ id: string; action: 'key' | 'delete' } | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const fieldErrors = saveError instanceof ApiError ? saveError.problem.errors ?? {} : {};
  const set = (key: keyof typeof form) => (e: { currentTarget: { value: string } }) => setForm({ ...form, [key]: e.currentTarget.value });
  const problem = (field: string) =>
    fieldErrors[field] && (
      <span class="field-error" id={`source-${field}-error`} role="alert">
        {fieldErrors[field].join(' ')}
      </span>
    );
  // A number as typed; anything else is sent as it is, so the API names the field rather than a default standing in for it.
  const number = (value: string) => (value.trim() === '' ? undefined : Number.isFinite(Number(value)) ? Number(value) : value);
  const act = async (id: string, action: 'key' | 'delete') => {
    setActionError(null);
    setConfirming(null);
    try {
      if (action === 'key') {
        setIssued((await call<KeyReply>('POST', `sources/${enc(id)}/key`)).body);
      } else {
        await call('DELETE', `sources/${enc(id)}`);
        if (issued?.source.id === id) setIssued(null);
      }
      reload();
    } catch (failure) {
      setActionError(failure);
    }
  };
  return (
    <div class="stack">
      {issued && (
        <Section title={`Write key of ${issued.source.id}`}>
          <div class="notice" role="status">
            <p>Copy this key now: it is not shown again (only its SHA-256 is kept).</p>
            <p>
              <code data-testid="write-key" class="key">
                {issued.writeKey}
              </code>
            </p>
            <p class="hint">
              Send it as the HTTP Basic user name (Segment's libraries: the <code>writeKey</code>), or as <code>source.id</code> to <code>/api/track</code>.
            </p>
            <button type="button" onClick={() => setIssued(null)}>
              I have copied it
            </button>
          </div>
        </Section>
      )}
      <Section title="Sources">
        <ErrorBox error={error} />
        <ErrorBox error={actionError} />
        {data && data.length === 0 && <Empty>No source yet: nothing can be collected until one exists.</Empty>}
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
                <th>Transformation</th>
                <th>Kept in</th>
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
                  <td>
                    {s.transform.length === 0 ? (
                      '—'
                    ) : (
                      <details>
                        <summary>{s.transform.length === 1 ? '1 step' : `${s.transform.length} steps`}</summary>
                        <ol class="hint">
                          {s.transform.map((t, i) => (
                            <li key={i}>
                              <code>{[t.op, t.path ?? `${t.from} → ${t.to}`, t.op === 'coerce' ? `to ${t.to}` : '', t.value ?? '', t.in?.join(', ') ?? ''].filter(Boolean).join(' ')}</code>
                            </li>
                          ))}
                        </ol>
                      </details>
                    )}
                  </td>
                  <td>
                    {s.origin === 'configuration' ? (
                      'configuration'
                    ) : confirming?.id === s.id ? (
                      <span class="row">
                        <button type="button" class="danger" onClick={() => act(s.id, confirming.action)}>
                          {confirming.action === 'key' ? `Yes, replace the key of ${s.id}` : `Yes, delete ${s.id}`}
                        </button>
                        <button type="button" onClick={() => setConfirming(null)}>
                          Cancel
                        </button>
                      </span>
                    ) : (
                      <span class="row">
                        API
                        <button type="button" class="secondary" onClick={() => setConfirming({ id: s.id, action: 'key' })} aria-label={`New key for ${s.id}`}>
                          New key
                        </button>
                        <button type="button" onClick={() => setConfirming({ id: s.id, action: 'delete' })} aria-label={`Delete ${s.id}`}>
                          Delete
                        </button>
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="hint">
          Sources in configuration (<code>Cdp:Sources</code>) change there. A new key replaces the old one at once here, and on every
          other instance within 10 seconds.
        </p>
      </Section>
      <Section title="New source">
        <form
          class="form"
          onSubmit={async (e) => {
            e.preventDefault();
            setSaveError(null);
            let transform: unknown;
            try {
              transform = form.transform.trim() === '' ? undefined : JSON.parse(form.transform);
            } catch {
              setSaveError(new ApiError(400, { title: 'The source is not valid.', errors: { transform: ['Not JSON: a list of steps, e.g. [{"op":"lowercase","path":"traits.email"}].'] } }));
              return;
            }
            try {
              const reply = await call<KeyReply>('PUT', `sources/${enc(form.id.trim())}`, {
                transform,
                name: form.name,
                binding: form.binding,
                requestsPerSecond: number(form.requestsPerSecond),
                burst: number(form.burst),
                confidence: number(form.confidence),
                requiredPurpose: form.requiredPurpose.trim() || undefined,
                dropBots: form.dropBots,
              });
              if (reply.status === 201) {
                setIssued(reply.body);
                setForm(blank);
              }
              reload();
            } catch (failure) {
              setSaveError(failure);
            }
          }}
        >
          <label for="source-id">Id</label>
          <input id="source-id" value={form.id} onInput={set('id')} required pattern="[A-Za-z0-9_\-]+" aria-describedby="source-id-error" />
          {problem('id')}
          <label for="source-name">Name</label>
          <input id="source-name" value={form.name} onInput={set('name')} required aria-describedby="source-name-error" />
          {problem('name')}
          <label for="source-binding">Binding</label>
          <select id="source-binding" value={form.binding} onChange={set('binding')}>
            <option value="late">late: accept fast, resolve in the stream</option>
            <option value="early">early: resolve before the reply, which names the profile</option>
          </select>
          {problem('binding')}
          <label for="source-rps">Requests per second</label>
          <input id="source-rps" inputMode="numeric" value={form.requestsPerSecond} onInput={set('requestsPerSecond')} aria-describedby="source-requestsPerSecond-error" />
          {problem('requestsPerSecond')}
          <label for="source-burst">Burst</label>
          <input id="source-burst" inputMode="numeric" value={form.burst} onInput={set('burst')} aria-describedby="source-burst-error" />
          {problem('burst')}
          <label for="source-confidence">Confidence (0 to 1)</label>
          <input id="source-confidence" inputMode="decimal" value={form.confidence} onInput={set('confidence')} aria-describedby="source-confidence-error" />
          {problem('confidence')}
          <label for="source-purpose">Consent purpose it needs (optional)</label>
          <input id="source-purpose" value={form.requiredPurpose} onInput={set('requiredPurpose')} aria-describedby="source-requiredPurpose-error" />
          {problem('requiredPurpose')}
          <label for="source-transform">Transformation (optional: a JSON list of steps)</label>
          <textarea id="source-transform" rows={4} spellcheck={false} value={form.transform} onInput={set('transform')} placeholder='[{"op":"lowercase","path":"traits.email"}]' aria-describedby="source-transform-error" />
          {Object.keys(fieldErrors).some((f) => f.startsWith('transform')) && (
            <span class="field-error" id="source-transform-error" role="alert">
              {Object.entries(fieldErrors)
                .filter(([f]) => f.startsWith('transform'))
                .map(([f, p]) => `${f}: ${p.join(' ')}`)
                .join(' ')}
            </span>
          )}
          <p class="hint">
            Steps run in order on each message before it is checked: copy, rename, drop, set, coerce (string, number, integer, boolean), trim,
            lowercase, uppercase, keepIf, dropIf (docs/api.md § Sources).
          </p>
          <label class="check">
            <input type="checkbox" checked={form.dropBots} onChange={(e) => setForm({ ...form, dropBots: e.currentTarget.checked })} /> Drop known crawlers
          </label>
          <div class="row">
            <button type="submit">Create source</button>
          </div>
          {saveError !== null && !(saveError instanceof ApiError && saveError.status === 400) && <ErrorBox error={saveError} />}
        </form>
      </Section>
    </div>
  );
}
