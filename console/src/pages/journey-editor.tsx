import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, enc, get, type Profile, type Segment } from '../api';
import { JourneyFlow, paletteBranches } from '../flow';
import { ErrorBox, Section, useLoad } from '../ui';

// The palette the API serves (GET /api/journey-steps): every step type and action with its fields. The editor knows
// only field kinds, so a new step type or action shows here without a change to the console.
interface Field {
  name: string;
  kind: string;
  required: boolean;
  description: string;
}

export interface StepType {
  type: string;
  action?: string;
  label: string;
  description: string;
  fields: Field[];
}

/** A step as edited: its type (and action), and each field as the text typed (branches as lists of steps). */
interface Step {
  key: number;
  type: string;
  action?: string;
  values: Record<string, string>;
  branches: Record<string, Step[]>;
}

interface Draft {
  id: string;
  name: string;
  description: string;
  triggerKind: 'segmentEntered' | 'event';
  trigger: string;
  triggerRule: string;
  reEntry: string;
  purpose: string;
  exitSegment: string;
  exitEvents: string;
  steps: Step[];
}

interface DryRun {
  wouldEnroll: boolean;
  enrollment: string;
  path: { step: string; type: string; outcome: string; detail?: string }[];
  ending: string;
}

let nextKey = 1;

const typeOf = (palette: StepType[], step: { type: string; action?: string }) =>
  palette.find((t) => t.type === step.type && (t.action ?? undefined) === (step.action ?? undefined));

/** A saved definition's step as the editor holds it. */
function fromDefinition(palette: StepType[], raw: Record<string, unknown>): Step {
  const type = typeOf(palette, raw as { type: string; action?: string });
  const step: Step = { key: nextKey++, type: raw.type as string, action: raw.action as string | undefined, values: {}, branches: {} };
  for (const field of type?.fields ?? []) {
    const value = raw[field.name];
    if (field.kind === 'steps') step.branches[field.name] = ((value as Record<string, unknown>[]) ?? []).map((s) => fromDefinition(palette, s));
    else if (value !== undefined && value !== null) step.values[field.name] = field.kind === 'json' ? JSON.stringify(value) : String(value);
  }
  return step;
}

/** The definition to send; a JSON field that does not parse is named in <c>bad</c>. */
function toDefinition(palette: StepType[], draft: Draft, bad: Record<string, string>) {
  const steps = (list: Step[], path: string): unknown[] =>
    list.map((step, i) => {
      const at = `${path}[${i}]`;
      const out: Record<string, unknown> = { type: step.type };
      if (step.action) out.action = step.action;
      for (const field of typeOf(palette, step)?.fields ?? []) {
        if (field.kind === 'steps') {
          if ((step.branches[field.name] ?? []).length > 0) out[field.name] = steps(step.branches[field.name], `${at}.${field.name}`);
          continue;
        }
        const text = (step.values[field.name] ?? '').trim();
        if (text === '') continue;
        if (field.kind === 'json') {
          try {
            out[field.name] = JSON.parse(text);
          } catch {
            bad[`${at}.${field.name}`] = 'Not JSON: write a JSON value, e.g. {"hello": "{{traits.name}}"} or "text".';
          }
        } else if (field.kind === 'integer') out[field.name] = Number(text);
        else out[field.name] = text;
      }
      return out;
    });
  const events = draft.exitEvents.split(',').map((e) => e.trim()).filter(Boolean);
  return {
    id: draft.id || undefined,
    name: draft.name,
    description: draft.description || undefined,
    trigger: { [draft.triggerKind]: draft.trigger, rule: draft.triggerRule || undefined },
    reEntry: draft.reEntry,
    purpose: draft.purpose || undefined,
    exit: draft.exitSegment || events.length > 0 ? { segmentExited: draft.exitSegment || undefined, events: events.length > 0 ? events : undefined } : undefined,
    steps: steps(draft.steps, 'steps'),
  };
}

const empty: Draft = { id: '', name: '', description: '', triggerKind: 'segmentEntered', trigger: '', triggerRule: '', reEntry: 'once', purpose: '', exitSegment: '', exitEvents: '', steps: [] };

/** Build a journey without code: a trigger, steps from the palette as forms, shown as a flow; save; dry-run on a person. */
export function JourneyEditor({ id }: { id?: string }) {
  const creating = id === undefined;
  const palette = useLoad(() => get<StepType[]>('journey-steps'), []);
  const segments = useLoad(() => get<Segment[]>('segments'), []);
  const [draft, setDraft] = useState<Draft | null>(creating ? empty : null);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [passed, setPassed] = useState<string[]>([]);

  useEffect(() => {
    if (creating || !palette.data) return;
    get<Record<string, unknown>>(`journeys/${enc(id)}`).then((j) => {
      const trigger = (j.trigger ?? {}) as Record<string, string>;
      const exit = (j.exit ?? {}) as { segmentExited?: string; events?: string[] };
      setDraft({
        id: j.id as string,
        name: j.name as string,
        description: (j.description as string) ?? '',
        triggerKind: trigger.segmentEntered ? 'segmentEntered' : 'event',
        trigger: trigger.segmentEntered ?? trigger.event ?? '',
        triggerRule: trigger.rule ?? '',
        reEntry: (j.reEntry as string) ?? 'once',
        purpose: (j.purpose as string) ?? '',
        exitSegment: exit.segmentExited ?? '',
        exitEvents: (exit.events ?? []).join(', '),
        steps: ((j.steps as Record<string, unknown>[]) ?? []).map((s) => fromDefinition(palette.data!, s)),
      });
    }, setFailure);
  }, [id, palette.data]);

  if (palette.error || failure) return <ErrorBox error={palette.error ?? failure} />;
  if (!palette.data || !draft) return <p aria-busy="true">Loading…</p>;
  const types = palette.data;
  const set = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  const fieldError = (key: string) =>
    errors[key] && (
      <span class="field-error" role="alert" data-field={key}>
        {errors[key].join(' ')}
      </span>
    );
  const definition = () => {
    const bad: Record<string, string> = {};
    const body = toDefinition(types, draft, bad);
    return { body, bad };
  };

  const save = async () => {
    setSaved(null);
    setFailure(null);
    const { body, bad } = definition();
    const target = creating ? draft.id.trim() : id;
    if (!target) return setErrors({ id: ['Give the journey an id (letters, digits, - and _).'] });
    if (Object.keys(bad).length > 0) return setErrors(Object.fromEntries(Object.entries(bad).map(([k, v]) => [k, [v]])));
    try {
      const reply = await call<{ version: number }>('PUT', `journeys/${enc(target)}`, body);
      setErrors({});
      setSaved(`Saved version ${reply.body.version}.`);
      if (creating) window.location.hash = `#/journeys/${enc(target)}/edit`;
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) setErrors(e.problem.errors ?? {});
      else setFailure(e);
    }
  };

  return (
    <div class="stack">
      <Section title={creating ? 'New journey' : `Edit journey ${id}`} actions={!creating && <a href={`#/journeys/${enc(id)}`}>Instances</a>}>
        <div class="form">
          {creating && (
            <>
              <label for="journey-id">Id</label>
              <input id="journey-id" value={draft.id} onInput={(e) => set({ id: e.currentTarget.value })} required />
              {fieldError('id')}
            </>
          )}
          <label for="journey-name">Name</label>
          <input id="journey-name" value={draft.name} onInput={(e) => set({ name: e.currentTarget.value })} />
          {fieldError('name')}
          <fieldset>
            <legend>Trigger</legend>
            <label>
              <input type="radio" name="trigger" checked={draft.triggerKind === 'segmentEntered'} onChange={() => set({ triggerKind: 'segmentEntered' })} /> A person enters a segment
            </label>
            <label>
              <input type="radio" name="trigger" checked={draft.triggerKind === 'event'} onChange={() => set({ triggerKind: 'event' })} /> A track event
            </label>
            {draft.triggerKind === 'segmentEntered' ? (
              <>
                <label for="trigger-segment">Segment</label>
                <select id="trigger-segment" value={draft.trigger} onChange={(e) => set({ trigger: e.currentTarget.value })}>
                  <option value="">choose a segment</option>
                  {(segments.data ?? []).map((s) => (
                    <option key={s.segment.id} value={s.segment.id}>
                      {s.segment.name} ({s.segment.id})
                    </option>
                  ))}
                </select>
              </>
            ) : (
              <>
                <label for="trigger-event">Event name</label>
                <input id="trigger-event" value={draft.trigger} onInput={(e) => set({ trigger: e.currentTarget.value })} />
              </>
            )}
            {fieldError('trigger')}
            {fieldError(`trigger.${draft.triggerKind}`)}
            <label for="trigger-rule">Only when (a rule, optional)</label>
            <input id="trigger-rule" value={draft.triggerRule} onInput={(e) => set({ triggerRule: e.currentTarget.value })} spellcheck={false} />
            {fieldError('trigger.rule')}
          </fieldset>
          <label for="journey-reentry">Enroll a person</label>
          <select id="journey-reentry" value={draft.reEntry} onChange={(e) => set({ reEntry: e.currentTarget.value })}>
            <option value="once">once ever</option>
            <option value="afterExit">again after the previous run ended</option>
            <option value="always">every time the trigger fires</option>
          </select>
          <label for="journey-purpose">Consent purpose every contact needs (optional)</label>
          <input id="journey-purpose" value={draft.purpose} onInput={(e) => set({ purpose: e.currentTarget.value })} placeholder="marketing_email" />
          {fieldError('purpose')}
          <label for="journey-exit-segment">Exit when the person leaves the segment (optional)</label>
          <input id="journey-exit-segment" value={draft.exitSegment} onInput={(e) => set({ exitSegment: e.currentTarget.value })} />
          {fieldError('exit.segmentExited')}
          <label for="journey-exit-events">Exit on these track events (comma-separated, optional)</label>
          <input id="journey-exit-events" value={draft.exitEvents} onInput={(e) => set({ exitEvents: e.currentTarget.value })} />
        </div>
      </Section>
      <Section title="Steps">
        <p class="hint">The journey runs from top to bottom; a step with branches runs one of them, then goes on below.</p>
        {fieldError('steps')}
        <StepList steps={draft.steps} path="steps" types={types} errors={errors} onChange={(steps) => set({ steps })} />
        <div class="row">
          <button onClick={save}>{creating ? 'Save' : 'Save as a new version'}</button>
          {saved && <span role="status">{saved}</span>}
        </div>
        {Object.keys(errors).length > 0 && (
          <div class="error" role="alert">
            <p>The journey is not saved: fix these fields (each is also marked where it is).</p>
            <ul>
              {Object.entries(errors).map(([k, v]) => (
                <li key={k}>
                  <code>{k}</code>: {v.join(' ')}
                </li>
              ))}
            </ul>
          </div>
        )}
      </Section>
      <Section title="Flow">
        <div class="flow-drawing">
          <JourneyFlow
            trigger={draft.triggerKind === 'segmentEntered' ? `enters ${draft.trigger || '…'}` : `event ${draft.trigger || '…'}`}
            steps={definition().body.steps as Parameters<typeof JourneyFlow>[0]['steps']}
            passed={passed}
            branches={paletteBranches(types)}
          />
        </div>
        <p class="hint">Drawn as you edit; after a dry run, the steps it passed are marked.</p>
      </Section>
      <DryRunPanel definition={() => definition().body} onResult={(r) => setPassed(r ? ['trigger', ...r.path.map((s) => s.step)] : [])} />
    </div>
  );
}

function StepList({ steps, path, types, errors, onChange }: { steps: Step[]; path: string; types: StepType[]; errors: Record<string, string[]>; onChange: (steps: Step[]) => void }) {
  const [adding, setAdding] = useState(0);
  const replace = (i: number, step: Step | null) => onChange(step === null ? steps.filter((_, j) => j !== i) : steps.map((s, j) => (j === i ? step : s)));
  const move = (i: number, by: number) => {
    const next = [...steps];
    const [taken] = next.splice(i, 1);
    next.splice(i + by, 0, taken);
    onChange(next);
  };
  return (
    <ol class="flow" aria-label={`Steps of ${path}`}>
      {steps.map((step, i) => (
        <li key={step.key} class="node">
          <StepCard step={step} path={`${path}[${i}]`} types={types} errors={errors} onChange={(s) => replace(i, s)} onMove={(by) => move(i, by)} first={i === 0} last={i === steps.length - 1} />
        </li>
      ))}
      <li class="add">
        <label for={`add-${path}`} class="visually-hidden">{`Step to add to ${path}`}</label>
        <select id={`add-${path}`} value={adding} onChange={(e) => setAdding(Number(e.currentTarget.value))}>
          {types.map((t, i) => (
            <option key={t.label} value={i}>
              {t.label}
            </option>
          ))}
        </select>
        <button
          class="secondary"
          aria-label={`Add to ${path}`}
          onClick={() => {
            const t = types[adding];
            onChange([...steps, { key: nextKey++, type: t.type, action: t.action, values: {}, branches: {} }]);
          }}
        >
          Add step
        </button>
      </li>
    </ol>
  );
}

function StepCard(props: { step: Step; path: string; types: StepType[]; errors: Record<string, string[]>; onChange: (s: Step | null) => void; onMove: (by: number) => void; first: boolean; last: boolean }) {
  const { step, path, types, errors, onChange } = props;
  const type = typeOf(types, step);
  const fields = type?.fields ?? [];
  const own = Object.entries(errors).filter(([k]) => k === path || k === `${path}.type` || k === `${path}.action`);
  return (
    <article class="step" aria-label={`${type?.label ?? step.type} at ${path}`} data-path={path}>
      <header class="step-head">
        <strong>{type?.label ?? step.type}</strong>
        <span class="hint">{path}</span>
        <span class="step-tools">
          <button class="link" disabled={props.first} onClick={() => props.onMove(-1)} aria-label={`Move ${path} up`}>
            ↑
          </button>
          <button class="link" disabled={props.last} onClick={() => props.onMove(1)} aria-label={`Move ${path} down`}>
            ↓
          </button>
          <button class="link" onClick={() => onChange(null)} aria-label={`Remove ${path}`}>
            Remove
          </button>
        </span>
      </header>
      {own.map(([k, v]) => (
        <span key={k} class="field-error" role="alert">
          {v.join(' ')}
        </span>
      ))}
      <div class="step-fields">
        {fields
          .filter((f) => f.kind !== 'steps')
          .map((field) => {
            const id = `${path}.${field.name}`;
            const input = {
              id,
              value: step.values[field.name] ?? '',
              onInput: (e: { currentTarget: { value: string } }) => onChange({ ...step, values: { ...step.values, [field.name]: e.currentTarget.value } }),
              'aria-describedby': `${id}-hint`,
              spellcheck: false,
            };
            return (
              <div key={field.name} class="field">
                <label for={id}>
                  {field.name}
                  {field.required && ' *'}
                </label>
                {field.kind === 'json' ? <textarea rows={2} {...input} /> : field.kind === 'integer' ? <input type="number" {...input} /> : <input type="text" {...input} />}
                <span class="hint" id={`${id}-hint`}>
                  {field.description}
                </span>
                {errors[id] && (
                  <span class="field-error" role="alert" data-field={id}>
                    {errors[id].join(' ')}
                  </span>
                )}
              </div>
            );
          })}
      </div>
      {fields.some((f) => f.kind === 'steps') && (
        <div class="branches">
          {fields
            .filter((f) => f.kind === 'steps')
            .map((field) => (
              <div key={field.name} class="branch">
                <span class="branch-label">{field.name}</span>
                <StepList
                  steps={step.branches[field.name] ?? []}
                  path={`${path}.${field.name}`}
                  types={types}
                  errors={errors}
                  onChange={(list) => onChange({ ...step, branches: { ...step.branches, [field.name]: list } })}
                />
              </div>
            ))}
        </div>
      )}
    </article>
  );
}

/** Pick a person and see the path the journey as edited would take for them now (POST /api/journeys/dryrun). */
function DryRunPanel({ definition, onResult }: { definition: () => unknown; onResult: (result: DryRun | null) => void }) {
  const [who, setWho] = useState('');
  const [result, setResult] = useState<DryRun | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <Section title="Dry run">
      <form
        class="row"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          setResult(null);
          onResult(null);
          try {
            const q = who.trim();
            const profile = q.includes(':') ? await get<Profile>(`profiles?identifier=${enc(q)}`) : { id: q };
            const run = (await call<DryRun>('POST', 'journeys/dryrun', { profileId: profile.id, journey: definition() })).body;
            setResult(run);
            onResult(run);
          } catch (failure) {
            setError(failure);
          }
        }}
      >
        <label for="dryrun-who">Person (identifier or profile id)</label>
        <input id="dryrun-who" value={who} onInput={(e) => setWho(e.currentTarget.value)} required placeholder="email:ada@example.com" />
        <button type="submit">Dry run</button>
      </form>
      <ErrorBox error={error} />
      {result && (
        <div aria-label="Dry run result">
          <p>
            {result.wouldEnroll ? 'Would be enrolled now.' : 'Would not be enrolled now.'} <span class="hint">{result.enrollment}</span>
          </p>
          <ol class="timeline">
            {result.path.map((s) => (
              <li key={s.step}>
                <code>{s.step}</code> {s.type}: <strong>{s.outcome}</strong> {s.detail && <span class="hint">{s.detail}</span>}
              </li>
            ))}
          </ol>
          <p>
            Ends: <strong>{result.ending}</strong>
          </p>
        </div>
      )}
    </Section>
  );
}
