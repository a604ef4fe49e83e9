import { useState } from 'preact/hooks';
import { call, enc, type DeadLetter } from '../api';
import { Empty, ErrorBox, Section, useLoad, when } from '../ui';

/** How many letters a page shows. */
const PageSize = 50;

/** The cursor of the next page from the reply's <c>Link: <…&after=ID>; rel="next"</c>, or null on the last page. */
function nextCursor(link: string | null): string | null {
  const target = link?.match(/<([^>]*)>\s*;\s*rel="next"/)?.[1];
  return target ? new URL(target, window.location.origin).searchParams.get('after') : null;
}

/** Dead letters, a page at a time, filtered by stage: list, inspect, fix and replay (or delete). */
export function DeadLetters() {
  const [stage, setStage] = useState('');
  // The cursors of the pages read so far (the first page has none): Next pushes one, Previous pops one.
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors[cursors.length - 1];
  const { data: page, error, reload } = useLoad(
    async () => {
      const query = new URLSearchParams({ limit: String(PageSize) });
      if (stage) query.set('stage', stage);
      if (after) query.set('after', after);
      const reply = await call<DeadLetter[]>('GET', `deadletters?${query}`);
      return { letters: reply.body, next: nextCursor(reply.headers.get('Link')) };
    },
    [stage, after],
    5000,
  );
  const data = page?.letters ?? null;
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Section
      title="Dead letters"
      actions={
        <span class="row">
          <label for="deadletter-stage">Stage</label>
          <select
            id="deadletter-stage"
            value={stage}
            onChange={(e) => {
              setStage(e.currentTarget.value);
              setCursors([]);
            }}
          >
            <option value="">all</option>
            <option value="collect">collect</option>
            <option value="ingest">ingest</option>
            <option value="changes">changes</option>
          </select>
        </span>
      }
    >
      <ErrorBox error={error} />
      {data && data.length === 0 && <Empty>{cursors.length > 0 || stage ? 'No dead letters here.' : 'No dead letters: everything was applied.'}</Empty>}
      {data && data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>Stage</th>
              <th>Source</th>
              <th>Reason</th>
              <th>
                <span class="visually-hidden">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.map((letter) => (
              <>
                <tr key={letter.id}>
                  <td>{when(letter.at)}</td>
                  <td>{letter.stage}</td>
                  <td>{letter.sourceId ?? '—'}</td>
                  <td>{letter.reason}</td>
                  <td>
                    <button class="link" aria-expanded={open === letter.id} onClick={() => setOpen(open === letter.id ? null : letter.id)}>
                      {open === letter.id ? 'Close' : 'Inspect'}
                    </button>
                  </td>
                </tr>
                {open === letter.id && (
                  <tr key={`${letter.id}-open`}>
                    <td colSpan={5}>
                      <Letter letter={letter} onDone={() => (setOpen(null), reload())} />
                    </td>
                  </tr>
                )}
              </>
            ))}
          </tbody>
        </table>
      )}
      {(cursors.length > 0 || page?.next) && (
        <nav class="row" aria-label="Pages of dead letters">
          <button class="secondary" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
            Previous page
          </button>
          <span>Page {cursors.length + 1}</span>
          <button class="secondary" disabled={!page?.next} onClick={() => page?.next && setCursors([...cursors, page.next])}>
            Next page
          </button>
        </nav>
      )}
    </Section>
  );
}

function pretty(body: string) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function Letter({ letter, onDone }: { letter: DeadLetter; onDone: () => void }) {
  const [body, setBody] = useState(pretty(letter.body));
  const [result, setResult] = useState<unknown>(null);
  const replay = async (fixed: boolean) => {
    try {
      const reply = await call<{ accepted: number }>('POST', `deadletters/${enc(letter.id)}/replay`, fixed ? body : undefined);
      setResult(`Replayed: ${reply.body.accepted} accepted.`);
      setTimeout(onDone, 1000);
    } catch (failure) {
      setResult(failure);
    }
  };
  return (
    <div class="stack">
      <label for={`body-${letter.id}`}>The message as kept (edit it to fix it)</label>
      <textarea id={`body-${letter.id}`} rows={10} spellcheck={false} value={body} onInput={(e) => setBody(e.currentTarget.value)} />
      <div class="row">
        <button onClick={() => replay(true)}>Replay with this fix</button>
        <button class="secondary" onClick={() => replay(false)}>
          Replay as kept
        </button>
        <button
          class="danger"
          onClick={async () => {
            await call('DELETE', `deadletters/${enc(letter.id)}`);
            onDone();
          }}
        >
          Delete
        </button>
      </div>
      {typeof result === 'string' ? <p role="status">{result}</p> : <ErrorBox error={result} />}
    </div>
  );
}
